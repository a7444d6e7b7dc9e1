"""The language switch in the header (members.views.language), the person's saved language, and
how sign-in, sign-up, the profile and the page cache follow it."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from members.models import DigestSubscription, Person
from portal import pagecache
from tests.factories import PersonFactory, TrainingFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-2026"  # UserFactory's
COOKIE = settings.LANGUAGE_COOKIE_NAME
SWITCH = "/language/"


def _lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def _switch(client, language, **extra):
    return client.post(SWITCH, {"language": language, **extra.pop("data", {})}, **extra)


# --- The switch -------------------------------------------------------------------------------


def test_the_switch_is_in_the_header_of_every_page_as_a_form_that_needs_no_script(client):
    for url in ("/", "/trainings/", reverse("account_login"), reverse("account_signup")):
        page = client.get(url).content.decode()
        form = re.search(r'<form method="post" action="/language/"[^>]*>(.*?)</form>', page, re.S)
        assert form, url
        body = form.group(1)
        assert '<option value="en" lang="en" selected>English</option>' in body
        assert '<option value="es" lang="es">Español</option>' in body
        assert 'type="submit"' in body
        assert f'name="next" value="{url}"' in body


def test_the_switch_sets_the_cookie_and_goes_back_to_the_page(client):
    response = _switch(client, "es", data={"next": "/trainings/?kind=phase_1"})
    assert response.status_code == 302
    assert response["Location"] == "/trainings/?kind=phase_1"
    cookie = response.cookies[COOKIE]
    assert cookie.value == "es"
    assert cookie["max-age"] == settings.LANGUAGE_COOKIE_AGE
    assert cookie["samesite"] == "Lax"
    page = client.get("/trainings/")
    assert _lang(page) == "es"
    assert '<option value="es" lang="es" selected>Español</option>' in page.content.decode()
    # And back.
    _switch(client, "en", data={"next": "/"})
    assert _lang(client.get("/trainings/")) == "en"


def test_the_switch_saves_a_signed_in_persons_language(client):
    person = PersonFactory()
    client.force_login(person.user)
    response = _switch(client, "es", data={"next": "/me/"})
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    person.refresh_from_db()
    assert person.language == "es"
    _switch(client, "en")
    person.refresh_from_db()
    assert person.language == "en"


def test_a_switch_posted_from_another_site_is_refused(client):
    person = PersonFactory()
    client.force_login(person.user)
    response = _switch(client, "es", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert COOKIE not in response.cookies
    person.refresh_from_db()
    assert person.language == ""
    # The portal's own pages send their own Origin.
    response = _switch(client, "es", HTTP_ORIGIN="http://testserver")
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.language == "es"


@pytest.mark.parametrize("language", ["", "fr", "es-mx", "ES", "english", "es\n"])
def test_an_unknown_language_is_refused_with_a_reason(client, language):
    person = PersonFactory()
    client.force_login(person.user)
    response = _switch(client, language)
    assert response.status_code == 400
    assert "Unknown language" in response.content.decode()
    assert COOKIE not in response.cookies
    person.refresh_from_db()
    assert person.language == ""


def test_a_get_changes_nothing(client):
    response = client.get(SWITCH, {"language": "es"})
    assert response.status_code == 405
    assert COOKIE not in response.cookies


@pytest.mark.parametrize(
    ("next_url", "referer", "expected"),
    [
        ("https://evil.example/", "", "/"),
        ("//evil.example/trainings/", "", "/"),
        ("javascript:alert(1)", "", "/"),
        ("https://evil.example/", "http://testserver/resources/?q=sleep", "/resources/?q=sleep"),
        ("", "http://testserver/agencies/", "/agencies/"),
        ("", "https://evil.example/agencies/", "/"),
        ("/community/", "https://evil.example/", "/community/"),
    ],
)
def test_the_switch_only_goes_back_to_this_site(client, next_url, referer, expected):
    extra = {"HTTP_REFERER": referer} if referer else {}
    response = _switch(client, "es", data={"next": next_url}, **extra)
    assert response.status_code == 302
    assert response["Location"] == expected
    assert response.cookies[COOKIE].value == "es"


def test_the_address_product_md_names_switches_too(client):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "es"


# --- Cached pages -----------------------------------------------------------------------------


@pytest.fixture
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 60
    caches[pagecache.CACHE_ALIAS].clear()


def test_the_switch_works_from_a_cached_anonymous_page(page_cache_on):
    TrainingFactory(title="Regulate, relate, reason")
    browser = Client(enforce_csrf_checks=True)
    first = browser.get("/trainings/")
    cached = browser.get("/trainings/")
    assert cached.content == first.content  # served from the page cache
    assert "csrfmiddlewaretoken" not in cached.content.decode()
    response = browser.post(
        SWITCH, {"language": "es", "next": "/trainings/"}, HTTP_ORIGIN="http://testserver"
    )
    assert response.status_code == 302
    assert _lang(browser.get("/trainings/")) == "es"


def test_cached_pages_in_english_and_spanish_never_mix(page_cache_on, django_assert_num_queries):
    TrainingFactory(title="Regulate, relate, reason")
    english, spanish = Client(), Client()
    spanish.cookies[COOKIE] = "es"
    for _round in range(2):  # the second round is served from the cache
        assert _lang(english.get("/trainings/")) == "en"
        assert _lang(spanish.get("/trainings/")) == "es"
        assert _lang(english.get("/")) == "en"
        assert _lang(spanish.get("/")) == "es"
    # The browser's language, without the cookie, is a language of its own too.
    assert _lang(Client(HTTP_ACCEPT_LANGUAGE="es").get("/trainings/")) == "es"
    assert _lang(Client(HTTP_ACCEPT_LANGUAGE="en").get("/trainings/")) == "en"
    assert pagecache.page_key("en", "/trainings/") != pagecache.page_key("es", "/trainings/")
    # The cached Spanish page is one query (version and page read together), and Spanish.
    with django_assert_num_queries(1):
        again = spanish.get("/trainings/")
    assert _lang(again) == "es"


def test_signed_in_pages_follow_the_cookie_never_a_cached_page(page_cache_on):
    TrainingFactory(title="Regulate, relate, reason")
    anonymous = Client()
    anonymous.cookies[COOKIE] = "en"
    assert _lang(anonymous.get("/trainings/")) == "en"  # cached in English
    person = PersonFactory(language="es")
    signed_in = Client()
    signed_in.force_login(person.user)
    signed_in.cookies[COOKIE] = "es"
    page = signed_in.get("/trainings/")
    assert _lang(page) == "es"
    assert "Cerrar sesión" in page.content.decode()  # the signed-in header, not a cached page
    assert _lang(anonymous.get("/trainings/")) == "en"


# --- Sign-in, sign-up, the profile ---------------------------------------------------------------


def _verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_signing_in_applies_the_saved_language(client):
    person = PersonFactory(user=_verified(UserFactory(email="ana@example.org")), language="es")
    response = client.post(
        reverse("account_login"), {"login": "ana@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "es"
    assert _lang(client.get(reverse("members:me"))) == "es"
    # Someone who never chose keeps the browser's language: no cookie is set.
    PersonFactory(user=_verified(UserFactory(email="ben@example.org")))
    other = Client(HTTP_ACCEPT_LANGUAGE="es")
    response = other.post(
        reverse("account_login"), {"login": "ben@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert COOKIE not in response.cookies
    assert person.language == "es"


def test_signing_up_saves_the_language_it_was_done_in(client, django_capture_on_commit_callbacks):
    client.cookies[COOKIE] = "es"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "nueva@example.org",
                "password1": "a-long-pass-2026",
                "password2": "a-long-pass-2026",
                "display_name": "Nueva Persona",
            },
        )
    assert response.status_code == 302
    assert Person.objects.get(user__email="nueva@example.org").language == "es"
    [message] = mail.outbox
    assert message.extra_headers["Content-Language"] == "es"
    assert "confirme su dirección de correo electrónico" in message.subject


def test_the_profile_saves_the_language_and_the_pages_follow(client):
    person = PersonFactory(display_name="Ana")
    client.force_login(person.user)
    page = client.get(reverse("members:me")).content.decode()
    assert 'name="language"' in page
    response = client.post(reverse("members:me"), {"display_name": "Ana", "language": "es"})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "es"
    person.refresh_from_db()
    assert person.language == "es"
    page = client.get(reverse("members:me"))
    assert _lang(page) == "es"
    assert "Se guardó su perfil." in page.content.decode()
    # An unknown language is refused beside the field.
    response = client.post(reverse("members:me"), {"display_name": "Ana", "language": "fr"})
    assert response.status_code == 400
    assert 'id="id_language_error"' in response.content.decode()
    # "As my browser asks" forgets the choice.
    client.post(reverse("members:me"), {"display_name": "Ana", "language": ""})
    person.refresh_from_db()
    assert person.language == ""


def test_a_digest_subscription_keeps_the_language_it_was_made_in(client):
    client.cookies[COOKIE] = "es"
    client.post(reverse("members:digest_subscribe"), {"email": "lector@example.org"})
    assert DigestSubscription.objects.get(email="lector@example.org").language == "es"


def test_a_language_chosen_before_signing_in_is_saved_unless_one_was_saved_before(client):
    never = PersonFactory(user=_verified(UserFactory(email="ana@example.org")))
    _switch(client, "es")
    client.post(reverse("account_login"), {"login": "ana@example.org", "password": PASSWORD})
    never.refresh_from_db()
    assert never.language == "es"
    # A saved choice wins over the switch used while signed out, on this device too.
    saved = PersonFactory(user=_verified(UserFactory(email="ben@example.org")), language="en")
    other = Client()
    _switch(other, "es")
    response = other.post(
        reverse("account_login"), {"login": "ben@example.org", "password": PASSWORD}
    )
    assert response.cookies[COOKIE].value == "en"
    saved.refresh_from_db()
    assert saved.language == "en"


def test_the_admin_has_the_switch_too(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:index")).content.decode()
    assert 'action="/language/"' in page
    assert '<option value="es" lang="es">Español</option>' in page
