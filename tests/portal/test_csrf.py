"""Every view refuses a POST without a CSRF token: the portal's, allauth's and the admin's.

Each POST comes from a client that enforces CSRF checks (``Client(enforce_csrf_checks=True)``),
signed in as a role the permission matrix lets use the view, holding a CSRF cookie (as a
visitor's browser does) but sending no token: what a forged cross-site form would send. Each
is refused with 403 by ``CsrfViewMiddleware`` ("CSRF token missing"), before the view runs, so
views that answer only GET are refused the same way, and the database is unchanged. As a control,
the same request with the token is not refused and gets what the permission matrix says.

The views exempt from the check are listed in ``CSRF_EXEMPT`` with their reasons;
``test_no_other_view_is_csrf_exempt`` walks the resolver and fails for any other.
"""

import copy
import logging

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils.crypto import get_random_string

from members.models import DigestSubscription
from resources.models import ResourceStatus, Topic
from tests import url_world
from tests.members.test_permissions import (
    ALLAUTH_MATRIX,
    LOGIN,
    MATRIX,
    SIGNED_IN,
    status_matches,
)
from tests.url_world import (
    ADMIN_ROUTES,
    ALLAUTH_URLS,
    PROJECT_URLS,
    ROUTES,
    admin_urls,
    allauth_url,
    url_for,
)
from trainings.models import PracticeReport

pytestmark = pytest.mark.django_db

# The shared fixtures (tests/url_world.py), under their own names here.
world = url_world.world
admin_world = url_world.admin_world

# Views exempt from the CSRF check, each with the reason. Nothing else may be.
CSRF_EXEMPT = {
    "set_language": (
        "The header's language switch is on every page, public pages are cached whole for "
        "anonymous visitors and hold no token. All it does is set a cookie (and, signed in, the "
        "person's language); cross-site cookies are SameSite=Lax, so a forged POST comes signed "
        "out, and one whose Origin is another site is refused "
        "(test_a_switch_posted_from_another_site_is_refused)."
    ),
    "set_language_i18n": "The same view as set_language, at the address PRODUCT.md names.",
    "members:digest_unsubscribe": (
        "RFC 8058 one-click unsubscribe: mail apps POST List-Unsubscribe=One-Click from no page "
        "of ours, so there can be no token. The unguessable token in the URL is the proof, and a "
        "forged request could only unsubscribe the holder of the link."
    ),
    "members:digest_subscribe": (
        "The footer of every page subscribes in one POST, and public pages are cached whole for "
        "anonymous visitors, so they hold no token. A subscription only sends the address a "
        "link to confirm it (double opt-in, rate-limited per address): a forged request can do "
        "no more than anyone can on the page itself. A POST whose Origin is another site is "
        "refused all the same (test_a_subscription_posted_from_another_site_is_refused)."
    ),
    # The API (api/, django-ninja marks its views exempt): a request is signed by a bearer
    # token in the Authorization header, which a browser never adds by itself, and a session
    # cookie signs nothing there (401, tests/api/test_api.py), so a forged cross-site request
    # carries no credential.
    **{
        route.name: "The API: bearer tokens only, no cookie counts."
        for route in url_world.ROUTES
        if route.name
        and route.name.startswith("api:")
        # The reference page and the document are read-only views, not exempt.
        and route.name not in ("api:api-root", "api:openapi-view", "api:openapi-json")
    },
}

PASSWORD = "pw-for-tests-2026"  # UserFactory's


# --- Helpers ------------------------------------------------------------------------------------


def _fingerprint() -> dict[str, str]:
    """An md5 of every table's rows, by table: any insert, update or delete changes it."""
    result = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            # The table names come from the database itself.
            rows = f"SELECT t::text AS row FROM {connection.ops.quote_name(table)} t"  # noqa: S608
            digest = "SELECT md5(coalesce(string_agg(row, '|' ORDER BY row), ''))"
            cursor.execute(f"{digest} FROM ({rows}) r")
            result[table] = cursor.fetchone()[0]
    return result


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(table for table in before.keys() | after.keys() if before[table] != after[table])


def _csrf_client(user) -> tuple[Client, str]:
    """A client that enforces CSRF checks, signed in as ``user`` (None: a visitor), with a CSRF
    cookie; returns it and the cookie's secret (a valid token, for the controls)."""
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    secret = get_random_string(32)
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    return client, secret


@pytest.fixture
def csrf_log(caplog):
    """The reasons CsrfViewMiddleware logged for the requests refused so far."""
    caplog.set_level(logging.WARNING, logger="django.security.csrf")

    def reasons() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "django.security.csrf"]

    return reasons


def _assert_refused(response, csrf_log, url):
    assert response.status_code == 403, (url, response.status_code)
    assert any("CSRF token missing" in reason for reason in csrf_log()), (url, csrf_log())
    assert b"CSRF verification failed" in response.content


def _probe(client, secret, url, forged, csrf_log) -> tuple[list[str], object]:
    """POST ``forged`` to ``url`` without a token, then, as the control, a blank form with the
    token (rolled back, so the next URL finds the same database). Returns what went wrong and
    the control's response."""
    problems = []
    refusals = len(csrf_log())
    before = _fingerprint()
    response = client.post(url, forged)
    if response.streaming:  # accepted after all: a file download, read it to close the file
        b"".join(response.streaming_content)
    if not (
        response.status_code == 403
        and len(csrf_log()) == refusals + 1
        and "CSRF token missing" in csrf_log()[-1]
        and b"CSRF verification failed" in response.content
    ):
        problems.append(f"{url}: {response.status_code} without a token")
    changed = _changed(before, _fingerprint())
    if changed:
        problems.append(f"{url}: changed {changed} without a token")
    cookies = copy.deepcopy(client.cookies)  # a sign-out's cookies are rolled back too
    with transaction.atomic():
        control = client.post(url, {"csrfmiddlewaretoken": secret})
        if control.streaming:  # a file download: read it, which closes the file
            b"".join(control.streaming_content)
        transaction.set_rollback(True)
    client.cookies = cookies
    if len(csrf_log()) != refusals + 1:
        problems.append(f"{url}: refused with the token too")
    return problems, control


# --- The exemptions -------------------------------------------------------------------------------


def _exempt_routes() -> set[str]:
    return {str(route) for route in ROUTES if getattr(route.pattern.callback, "csrf_exempt", False)}


def test_no_other_view_is_csrf_exempt():
    assert _exempt_routes() == set(CSRF_EXEMPT), (
        "a view is csrf_exempt: remove the exemption, or add it to CSRF_EXEMPT with the reason"
    )


def test_the_one_click_unsubscribe_works_without_a_token():
    """The exemption is there for a reason: a mail app's one-click POST has no token."""
    subscription = DigestSubscription.objects.create(email="reader@example.org")
    client, _secret = _csrf_client(None)
    response = client.post(
        reverse("members:digest_unsubscribe", kwargs={"token": subscription.token}),
        {"List-Unsubscribe": "One-Click"},
    )
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None


# --- Every portal URL ----------------------------------------------------------------------------

# The role that uses each view: the first, in this order, the matrix does not refuse.
ROLE_ORDER = ("anonymous", "member", "staff_a", "coordinator_a", "curator", "superuser")


def _role_for(name: str) -> str:
    statuses = MATRIX[name]["POST"]
    for role in ROLE_ORDER:
        if statuses[role] not in (LOGIN, 403, 404):
            return role
    return "anonymous"  # a URL whose key opens nothing: real keys below


def _real_keys(world) -> dict[str, str]:
    """URLs whose token opens something, instead of the matrix's keys that open nothing."""
    person = world.registration.person
    person.calendar_token = "calendar-" + get_random_string(20)
    person.save(update_fields=["calendar_token"])
    return {
        "members:digest_confirm": reverse(
            "members:digest_confirm",
            kwargs={"token": DigestSubscription.objects.create(email="r@example.org").token},
        ),
        "trainings:practice_report": reverse(
            "trainings:practice_report",
            kwargs={"token": PracticeReport.objects.create(registration=world.registration).token},
        ),
        "trainings:my_calendar": reverse(
            "trainings:my_calendar", kwargs={"token": person.calendar_token}
        ),
    }


def test_every_portal_view_refuses_a_post_without_a_token(request, world, csrf_log):
    real_keys = _real_keys(world)
    clients = {}
    problems = []
    names = sorted(set(PROJECT_URLS) - set(CSRF_EXEMPT))
    for name in names:
        role = _role_for(name)
        if role not in clients:
            clients[role] = _csrf_client(request.getfixturevalue(role))
        client, secret = clients[role]
        url = real_keys.get(name) or url_for(name, world)

        found, control = _probe(client, secret, url, {"note": "forged"}, csrf_log)

        problems += found
        # The control got what the permission matrix says (the real keys open real pages).
        expected = MATRIX[name]["POST"][role]
        if name not in real_keys and not status_matches(control, expected):
            problems.append(f"{url} as {role}: the control got {control.status_code}")
    assert len(names) > 50
    assert problems == []


# --- allauth ------------------------------------------------------------------------------------


def test_every_allauth_view_refuses_a_post_without_a_token(member, csrf_log):
    member.emailaddress_set.create(email=member.email, verified=True, primary=True)
    signed_in = _csrf_client(member)
    anonymous = _csrf_client(None)
    problems = []
    for name in sorted(ALLAUTH_URLS):
        statuses = ALLAUTH_MATRIX[name]["POST"]
        # Signed in, unless the view sends signed-in people on to their page (sign-in, sign-up).
        role = "anonymous" if statuses[SIGNED_IN] == reverse("members:me") else SIGNED_IN
        client, secret = signed_in if role == SIGNED_IN else anonymous
        url = allauth_url(name)
        forged = {"login": member.email, "password": PASSWORD, "email": "forged@example.org"}

        found, control = _probe(client, secret, url, forged, csrf_log)

        problems += found
        if not status_matches(control, statuses[role]):
            problems.append(f"{url} as {role}: the control got {control.status_code}")
    assert problems == []


def test_signing_in_with_the_right_password_but_no_token_is_refused(csrf_log, member):
    member.emailaddress_set.create(email=member.email, verified=True, primary=True)
    client, secret = _csrf_client(None)
    credentials = {"login": member.email, "password": PASSWORD}

    response = client.post(reverse("account_login"), credentials)

    _assert_refused(response, csrf_log, "login")
    assert SESSION_KEY not in client.session
    # The control: with the token, the same form signs in.
    assert client.post(reverse("account_login"), {**credentials, "csrfmiddlewaretoken": secret})[
        "Location"
    ] == reverse("members:me")
    assert client.session[SESSION_KEY] == str(member.pk)


def test_signing_up_without_a_token_creates_no_account(csrf_log, django_user_model):
    client, secret = _csrf_client(None)
    form = {
        "email": "new.person@example.org",
        "password1": "a-long-pass-2026",
        "password2": "a-long-pass-2026",
        "display_name": "New Person",
    }

    _assert_refused(client.post(reverse("account_signup"), form), csrf_log, "signup")

    assert not django_user_model.objects.filter(email="new.person@example.org").exists()
    client.post(reverse("account_signup"), {**form, "csrfmiddlewaretoken": secret})
    assert django_user_model.objects.filter(email="new.person@example.org").exists()


def test_changing_the_password_or_signing_out_without_a_token_is_refused(csrf_log, member):
    client, secret = _csrf_client(member)
    form = {"oldpassword": PASSWORD, "password1": "forged-pass-2026!", "password2": ""}
    form["password2"] = form["password1"]

    _assert_refused(client.post(reverse("account_change_password"), form), csrf_log, "change")
    _assert_refused(client.post(reverse("account_logout")), csrf_log, "logout")

    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    assert client.session[SESSION_KEY] == str(member.pk)  # still signed in
    client.post(reverse("account_change_password"), {**form, "csrfmiddlewaretoken": secret})
    member.refresh_from_db()
    assert member.check_password("forged-pass-2026!")


# --- Django admin -------------------------------------------------------------------------------


def test_every_admin_url_refuses_a_post_without_a_token(admin_world, superuser, csrf_log):
    client, _secret = _csrf_client(superuser)
    before = _fingerprint()
    accepted = []
    count = 0
    for route in ADMIN_ROUTES:
        for url in admin_urls(route, admin_world):
            count += 1
            response = client.post(url, {"post": "yes", "action": "delete_selected"})
            if response.status_code != 403:
                accepted.append(f"{url} ({route}): {response.status_code}")
    assert accepted == []
    assert len([r for r in csrf_log() if "CSRF token missing" in r]) == count
    assert _changed(before, _fingerprint()) == []


def _admin_posts(admin_world):
    """Real admin forms, filled in: each would change the database if it were accepted."""
    world, objects = admin_world.world, admin_world.objects
    topic = objects[Topic]
    resource = world.resource
    milestone = world.milestone
    return [
        # add
        (
            reverse("admin:resources_topic_add"),
            {"name": "Forged topic", "slug": "forged-topic"},
            lambda: Topic.objects.filter(slug="forged-topic").exists(),
        ),
        # change
        (
            reverse("admin:resources_topic_change", args=[topic.pk]),
            {"name": "Renamed", "slug": topic.slug},
            lambda: Topic.objects.get(pk=topic.pk).name == "Renamed",
        ),
        # delete
        (
            reverse("admin:members_sitemilestone_delete", args=[milestone.pk]),
            {"post": "yes"},
            lambda: not type(milestone).objects.filter(pk=milestone.pk).exists(),
        ),
        # an action on the changelist
        (
            reverse("admin:resources_resource_changelist"),
            {"action": "archive", "_selected_action": [resource.pk], "index": "0"},
            lambda: type(resource).objects.get(pk=resource.pk).status == ResourceStatus.ARCHIVED,
        ),
    ]


def test_admin_add_change_delete_and_actions_need_the_token(admin_world, superuser, csrf_log):
    client, secret = _csrf_client(superuser)
    posts = _admin_posts(admin_world)

    for url, form, done in posts:
        _assert_refused(client.post(url, form), csrf_log, url)
        assert not done(), url

    # The control: the same forms with the token do what they say.
    for url, form, done in posts:
        response = client.post(url, {**form, "csrfmiddlewaretoken": secret})
        assert response.status_code == 302, (url, response.status_code)
        assert done(), url
