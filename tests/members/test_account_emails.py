"""allauth's account emails, each sent through its real flow from a request whose Host header is
forged: every one names the portal, leaves no blank where the site's name or address belongs,
and builds its links from SITE_URL."""

import re

import pytest
from allauth.account import app_settings as account_settings
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from portal.models import OutboxEmail
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-2026"  # UserFactory's
PUBLIC = "https://portal.example.org"
FORGED_HOST = "evil.example"
PORTAL_NAME = "NMT Community of Practice Portal"
LINK = re.compile(r"https?://\S+")
# A space before punctuation is where a template variable rendered empty: "Hello from !",
# "register an account on .".
BLANK = re.compile(r" [!.,;:?](?:\s|$)")


@pytest.fixture(autouse=True)
def _public_address(settings):
    settings.SITE_URL = PUBLIC


@pytest.fixture
def forged():
    """A visitor whose requests carry someone else's Host header (ALLOWED_HOSTS is * here)."""
    return Client(HTTP_HOST=FORGED_HOST)


def _verified(email):
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _sign_up(client, email):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "password1": "a-long-pass-2026",
            "password2": "a-long-pass-2026",
            "display_name": "New Person",
        },
    )


def signup_confirmation(client):
    _sign_up(client, "new.person@example.org")


def already_exists(client):
    _verified("ana@example.org")
    _sign_up(client, "ana@example.org")


def added_address_confirmation(client):
    client.force_login(_verified("ana@example.org"))
    client.post(reverse("account_email"), {"email": "ana.too@example.org", "action_add": ""})


def password_reset(client):
    _verified("ana@example.org")
    client.post(reverse("account_reset_password"), {"email": "ana@example.org"})


def reset_for_an_unknown_address(client):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})


# allauth's email (its template's name) and the flow that sends it.
FLOWS = {
    "email_confirmation_signup": signup_confirmation,
    "account_already_exists": already_exists,
    "email_confirmation": added_address_confirmation,
    "password_reset_key": password_reset,
    "unknown_account": reset_for_an_unknown_address,
}


def test_every_account_email_the_settings_turn_on_has_a_flow_here():
    """If a setting turns on another allauth email (codes, notifications), it needs a flow."""
    sendable = {"email_confirmation_signup", "email_confirmation", "password_reset_key"}
    if account_settings.PREVENT_ENUMERATION:
        sendable.add("account_already_exists")
    if account_settings.EMAIL_UNKNOWN_ACCOUNTS:
        sendable.add("unknown_account")
    assert not account_settings.EMAIL_NOTIFICATIONS, "add the notification emails to FLOWS"
    assert not account_settings.LOGIN_BY_CODE_ENABLED, "add login_code to FLOWS"
    assert not account_settings.PASSWORD_RESET_BY_CODE_ENABLED, "add password_reset_code"
    assert sendable == set(FLOWS)


@pytest.mark.parametrize("kind", FLOWS)
def test_each_account_email_names_the_portal_and_links_to_site_url(
    kind, forged, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        FLOWS[kind](forged)

    assert list(OutboxEmail.objects.values_list("kind", flat=True)) == [kind]
    [message] = mail.outbox
    text = f"{message.subject}\n{message.body}"
    assert PORTAL_NAME in message.body
    assert message.subject.startswith(f"[{settings.SITE_NAME}] ")
    assert "Hello from !" not in text
    assert not BLANK.search(text), text
    assert FORGED_HOST not in text
    links = LINK.findall(message.body)
    assert links, message.body
    assert all(link.startswith(PUBLIC + "/") for link in links), links


def test_password_reset_link_is_built_from_site_url_not_the_host_header(
    forged, django_capture_on_commit_callbacks
):
    _verified("ana@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = forged.post(reverse("account_reset_password"), {"email": "ana@example.org"})
    assert response.status_code == 302
    [message] = mail.outbox
    [link] = [url for url in LINK.findall(message.body) if "/password/reset/key/" in url]
    assert link.startswith(settings.SITE_URL + "/accounts/password/reset/key/")

    # The link works: it opens the form to set a new password.
    assert Client().get(link.removeprefix(settings.SITE_URL), follow=True).status_code == 200
