"""The permission matrix: every URL of every app × every role × GET and POST.

Three tables, one per kind of URL, and a meta-test that fails for any URL none of them covers
(``test_every_url_is_covered``):

- ``MATRIX``: the portal's own URL names. Each row gives the exact status each role gets. URL
  arguments name objects of agency A (its slug, a training it hosts, its staff member and that
  member's registration, a join request, an invitation, a community-of-practice series it
  hosts); see ``tests/url_world.py``. POSTs are a form sent with nothing filled in (a browser
  always sends at least the CSRF token).
- ``ALLAUTH_MATRIX``: allauth's URL names (sign-in, sign-up, passwords, email addresses,
  two-factor), for a visitor and for a signed-in member with a verified address.
- The admin: a sweep over every URL pattern of Django admin (the site's own views, each
  registered model's changelist/add/change/delete/history, the portal's extra admin views, the
  import/export pages), each reversed with a real object of its model. Anonymous visitors and
  people without staff access never get a page: they are sent to the admin's sign-in (allauth's).
  Staff get what their model permissions give (``admin_expected``), superusers everything but
  what no one may do (``NEVER``).
"""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import resolve, reverse

from portal import views as portal_views
from tests import url_world
from tests.conftest import ROLES
from tests.factories import UserFactory
from tests.url_world import (
    ADMIN_ROUTES,
    ALLAUTH_URLS,
    PROJECT_URLS,
    ROUTES,
    Route,
    admin_urls,
    allauth_url,
    url_for,
)

pytestmark = pytest.mark.django_db

# The shared fixtures, under their own names here.
world = url_world.world
admin_world = url_world.admin_world

ANON, MEMBER, STAFF_A, COORD_A, COORD_B, CURATOR, SUPERUSER = ROLES
LOGIN = "login"  # a 302 to allauth's sign-in with ?next=
# What a browser sends for a form left blank. (The test client doesn't check the token.)
BLANK_FORM = {"csrfmiddlewaretoken": "unchecked"}


def everyone(status: int) -> dict:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int) -> dict:
    """Anonymous visitors are sent to sign in; every signed-in role gets ``status``."""
    return {**everyone(status), ANON: LOGIN}


def manage(status: int) -> dict:
    """A manage page of agency A: only its coordinators get ``status``. Its other staff are
    refused (403); everyone else, superusers included, gets 404 as if it did not exist."""
    return {
        ANON: LOGIN,
        MEMBER: 404,
        STAFF_A: 403,
        COORD_A: status,
        COORD_B: 404,
        CURATOR: 404,
        SUPERUSER: 404,
    }


STAFF_ONLY = {**everyone(403), ANON: LOGIN, CURATOR: 302, SUPERUSER: 302}

# The API's endpoints by what they need (tests/api/test_api_permissions.py has the same lists).
API_PUBLIC = (
    "api:trainings", "api:training",
    "api:resources", "api:figures", "api:agencies",
)  # fmt: skip
API_TOKEN_GETS = (
    "api:my_credentials", "api:my_certificates", "api:agency_roster",
    "api:agency_registrations", "api:agency_credentials", "api:agency_certificates",
    "api:agency_figures",
)  # fmt: skip

MATRIX: dict[str, dict[str, dict]] = {
    # Portal
    "home": {"GET": everyone(200), "POST": everyone(405)},
    "community": {"GET": everyone(200), "POST": everyone(405)},
    "healthz": {"GET": everyone(200), "POST": everyone(200)},
    "robots": {"GET": everyone(200), "POST": everyone(200)},
    "sitemap": {"GET": everyone(200), "POST": everyone(200)},
    "admin_login": {"GET": STAFF_ONLY, "POST": STAFF_ONLY},
    # The language switch: POST only; a form without a language is refused with a reason
    # (tests/members/test_language.py). The same view at the address PRODUCT.md names.
    "set_language": {"GET": everyone(405), "POST": everyone(400)},
    "set_language_i18n": {"GET": everyone(405), "POST": everyone(400)},
    # Catalogue
    "trainings:list": {"GET": everyone(200), "POST": everyone(405)},
    "trainings:calendar": {"GET": everyone(200), "POST": everyone(200)},
    "trainings:past": {"GET": everyone(200), "POST": everyone(405)},
    "trainings:feed": {"GET": everyone(200), "POST": everyone(200)},
    "trainings:detail": {"GET": everyone(200), "POST": everyone(405)},
    "trainings:ics": {"GET": everyone(200), "POST": everyone(200)},
    # A community-of-practice series' calendar is public, like its meetings.
    "trainings:series_feed": {"GET": everyone(200), "POST": everyone(200)},
    # Registration (staff of A is registered already: registering again is a no-op, with a
    # message). Only that person can cancel their registration; for others it doesn't exist.
    "trainings:register": {"GET": everyone(405), "POST": signed_in(302)},
    "trainings:my_trainings": {"GET": signed_in(200), "POST": signed_in(200)},
    # The personal calendar feed needs no sign-in: its token is the key. The token in these
    # URLs is the invitation's, which opens no feed (tests/members/test_calendar_feed.py).
    "trainings:my_calendar": {"GET": everyone(404), "POST": everyone(404)},
    # The practice follow-up form needs no sign-in either: its token is the key. The token in
    # these URLs is the invitation's, which opens no report (tests/trainings/
    # test_practice_reports.py covers real ones).
    "trainings:practice_report": {"GET": everyone(404), "POST": everyone(404)},
    # The world's training is in person: it has no online join link to open.
    "trainings:join": {"GET": signed_in(404), "POST": everyone(405)},
    # Check-in: a blank code is refused beside the field; the code in these URLs is a
    # certificate's, which is no check-in code (tests/trainings/views/test_check_in.py).
    "trainings:check_in": {"GET": signed_in(200), "POST": signed_in(400)},
    "trainings:check_in_code": {"GET": signed_in(404), "POST": signed_in(404)},
    # Certificates: verification is public; a PDF is its holder's only (staff of A here).
    "trainings:certificate_lookup": {"GET": everyone(200), "POST": everyone(405)},
    "trainings:certificate_verify": {"GET": everyone(200), "POST": everyone(405)},
    "trainings:my_certificates": {"GET": signed_in(200), "POST": everyone(405)},
    "trainings:my_certificate_pdf": {
        "GET": {**signed_in(404), STAFF_A: 200},
        "POST": everyone(405),
    },
    # Curators and superusers here have no person, so no transcript.
    "trainings:my_transcript_pdf": {
        "GET": {**signed_in(200), CURATOR: 404, SUPERUSER: 404},
        "POST": everyone(405),
    },
    # Staff of A's registration is not attended yet: there is nothing to evaluate.
    "trainings:my_evaluation": {"GET": signed_in(404), "POST": signed_in(404)},
    "trainings:my_registration_cancel": {
        "GET": everyone(405),
        "POST": {**signed_in(404), STAFF_A: 302},
    },
    # Directory
    "members:agency_list": {"GET": everyone(200), "POST": everyone(405)},
    "members:agency_detail": {"GET": everyone(200), "POST": everyone(405)},
    # Agency A has no logo: there is nothing to serve.
    "members:agency_logo": {"GET": everyone(404), "POST": everyone(404)},
    "members:agency_join": {"GET": everyone(405), "POST": signed_in(302)},
    # Coordinator area of agency A
    "members:manage_home": {"GET": manage(200), "POST": manage(200)},
    "members:manage_profile": {"GET": manage(200), "POST": manage(400)},
    # A blank status request: the profile page again, with the messages beside the fields.
    "members:manage_status_request": {"GET": everyone(405), "POST": manage(400)},
    # Nothing waiting to withdraw: a message on the profile page.
    "members:manage_status_request_withdraw": {"GET": everyone(405), "POST": manage(302)},
    # A blank milestone form unticks it (nothing to untick): back to the dashboard.
    "members:manage_milestone": {"GET": everyone(405), "POST": manage(302)},
    # A blank on/off form changes nothing: a message on the overview.
    "members:manage_weekly_digest": {"GET": everyone(405), "POST": manage(302)},
    "members:manage_staff": {"GET": manage(200), "POST": everyone(405)},
    "members:manage_staff_export": {"GET": manage(200), "POST": manage(200)},
    "members:manage_invite": {"GET": manage(200), "POST": manage(400)},
    "members:manage_import": {"GET": manage(200), "POST": manage(400)},
    "members:manage_import_confirm": {"GET": everyone(405), "POST": manage(302)},
    "members:manage_member_role": {"GET": everyone(405), "POST": manage(302)},
    "members:manage_member_remove": {"GET": everyone(405), "POST": manage(302)},
    "members:manage_credential_add": {"GET": manage(200), "POST": manage(400)},
    "members:manage_invitation": {"GET": everyone(405), "POST": manage(302)},
    "members:manage_requests": {"GET": manage(200), "POST": manage(200)},
    "members:manage_request_decide": {"GET": everyone(405), "POST": manage(302)},
    "trainings:agency_registrations": {"GET": manage(200), "POST": everyone(405)},
    "trainings:agency_registrations_csv": {"GET": manage(200), "POST": manage(200)},
    # A blank batch form: "Choose at least one person", on the form page again.
    "trainings:agency_register_staff": {"GET": manage(200), "POST": manage(200)},
    "trainings:agency_registration_cancel": {"GET": everyone(405), "POST": manage(302)},
    # A blank substitute form: the form again, with "choose who takes the place".
    "trainings:agency_registration_substitute": {"GET": manage(200), "POST": manage(400)},
    # Trainings agency A hosts (the training here is one, with staff of A confirmed). A blank
    # proposal: the form again (A has no trainer yet, which the page says).
    "trainings:agency_propose_training": {"GET": manage(200), "POST": manage(400)},
    "trainings:agency_hosted": {"GET": manage(200), "POST": everyone(405)},
    # A blank attendance form changes nothing: back to the roster, with a message.
    "trainings:agency_hosted_roster": {"GET": manage(200), "POST": manage(302)},
    "trainings:agency_hosted_sign_in_sheet": {"GET": manage(200), "POST": everyone(405)},
    # The printouts (PDF): a session's sign-in sheet; badges, since the world's training is in
    # person.
    "trainings:agency_hosted_sign_in_pdf": {"GET": manage(200), "POST": everyone(405)},
    "trainings:agency_hosted_badges": {"GET": manage(200), "POST": everyone(405)},
    "trainings:agency_hosted_notes": {"GET": everyone(405), "POST": manage(302)},
    "trainings:agency_hosted_check_in": {"GET": manage(200), "POST": everyone(405)},
    "trainings:agency_certificates": {"GET": manage(200), "POST": everyone(405)},
    "trainings:agency_certificates_zip": {"GET": manage(200), "POST": everyone(405)},
    # My page
    "members:me": {"GET": signed_in(200), "POST": signed_in(400)},
    "members:me_export": {"GET": signed_in(200), "POST": signed_in(200)},
    "members:me_delete": {"GET": signed_in(200), "POST": signed_in(400)},
    # The invited membership is someone else's: nobody else can answer it.
    "members:me_invitation": {"GET": everyone(405), "POST": signed_in(404)},
    "members:me_calendar_regenerate": {"GET": everyone(405), "POST": signed_in(302)},
    # Personal access tokens (the API's): a blank form is the form again with its messages;
    # the token in the URL is staff A's.
    "tokens:list": {"GET": signed_in(200), "POST": signed_in(400)},
    "tokens:revoke": {"GET": everyone(405), "POST": {**signed_in(404), STAFF_A: 302}},
    # The API (/api/v1/) as a browser with a session sees it: the public endpoints answer,
    # the others want a token (401): a session cookie never signs an API request. The
    # token-holders' matrix is tests/api/test_api_permissions.py.
    **{name: {"GET": everyone(200), "POST": everyone(405)} for name in API_PUBLIC},
    # The reference page and the OpenAPI document (ninja's views) answer any method.
    "api:api-root": {"GET": everyone(200), "POST": everyone(200)},
    "api:openapi-json": {"GET": everyone(200), "POST": everyone(200)},
    "api:openapi-view": {"GET": everyone(200), "POST": everyone(200)},
    **{name: {"GET": everyone(401), "POST": everyone(405)} for name in API_TOKEN_GETS},
    # One path, two operations: list (GET) and register (POST).
    "api:my_registrations": {"GET": everyone(401), "POST": everyone(401)},
    "api:my_register": {"GET": everyone(401), "POST": everyone(401)},
    "api:my_registration_cancel": {"GET": everyone(405), "POST": everyone(401)},
    # The community digest: anyone subscribes (a blank address: the form again, with its
    # message). The token in these URLs is the invitation's, which opens no subscription
    # (tests/members/test_digests.py).
    "members:digest_subscribe": {"GET": everyone(200), "POST": everyone(400)},
    "members:digest_confirm": {"GET": everyone(404), "POST": everyone(404)},
    "members:digest_unsubscribe": {"GET": everyone(404), "POST": everyone(404)},
    # An open invitation to an address without an account: anyone can see the page; no one
    # here can accept it (a form is needed, or it is another person's address).
    "members:invitation": {"GET": everyone(200), "POST": everyone(400)},
    # Library (the resource here is public, with a file)
    "resources:list": {"GET": everyone(200), "POST": everyone(405)},
    "resources:detail": {"GET": everyone(200), "POST": everyone(405)},
    "resources:download": {"GET": everyone(200), "POST": everyone(200)},
    # A blank proposal: the form again with its messages.
    "resources:share": {"GET": signed_in(200), "POST": signed_in(400)},
}


# --- allauth ------------------------------------------------------------------------------------
# A visitor, and a signed-in member with a verified address (force_login is no recent sign-in,
# so the two-factor pages that change something ask to confirm the password first). A path is a
# 302 to it. Keys in URLs open nothing (tests/members/test_accounts.py follows real ones).
SIGNED_IN = "signed_in"
REAUTH = reverse("account_reauthenticate")
ME = reverse("members:me")


def both(status) -> dict:
    return {ANON: status, SIGNED_IN: status}


def visitor_then_member(anonymous, signed_in) -> dict:
    return {ANON: anonymous, SIGNED_IN: signed_in}


ALLAUTH_MATRIX: dict[str, dict[str, dict]] = {
    # Signed-in people are sent on to their page.
    "account_login": {"GET": visitor_then_member(200, ME), "POST": visitor_then_member(200, ME)},
    "account_signup": {"GET": visitor_then_member(200, ME), "POST": visitor_then_member(200, ME)},
    # Signing out asks first (GET), and takes a POST.
    "account_logout": {"GET": visitor_then_member("/", 200), "POST": both("/")},
    "account_inactive": {"GET": both(200), "POST": both(405)},
    "account_reauthenticate": {
        "GET": visitor_then_member(LOGIN, 200),
        "POST": visitor_then_member(LOGIN, 200),
    },
    "account_email": {
        "GET": visitor_then_member(LOGIN, 200),
        "POST": visitor_then_member(LOGIN, reverse("account_email")),
    },
    "account_email_verification_sent": {"GET": both(200), "POST": both(405)},
    "account_confirm_email": {"GET": both(200), "POST": both(404)},
    "account_change_password": {
        "GET": visitor_then_member(LOGIN, 200),
        "POST": visitor_then_member(LOGIN, 200),
    },
    # Someone who has a password changes it instead.
    "account_set_password": {
        "GET": visitor_then_member(LOGIN, reverse("account_change_password")),
        "POST": visitor_then_member(LOGIN, reverse("account_change_password")),
    },
    "account_reset_password": {"GET": both(200), "POST": both(200)},
    "account_reset_password_done": {"GET": both(200), "POST": both(405)},
    "account_reset_password_from_key": {"GET": both(200), "POST": both(200)},
    "account_reset_password_from_key_done": {"GET": both(200), "POST": both(405)},
    # Steps of a sign-in in progress: with none, back to the start.
    "account_confirm_login_code": {
        "GET": visitor_then_member(reverse("account_login"), ME),
        "POST": visitor_then_member(reverse("account_login"), ME),
    },
    "mfa_authenticate": {
        "GET": visitor_then_member(reverse("account_login"), ME),
        "POST": visitor_then_member(reverse("account_login"), ME),
    },
    "mfa_index": {"GET": visitor_then_member(LOGIN, 200), "POST": visitor_then_member(LOGIN, 405)},
    "mfa_reauthenticate": {
        "GET": visitor_then_member(LOGIN, REAUTH),
        "POST": visitor_then_member(LOGIN, REAUTH),
    },
    "mfa_activate_totp": {
        "GET": visitor_then_member(LOGIN, REAUTH),
        "POST": visitor_then_member(LOGIN, REAUTH),
    },
    # The member has no authenticator yet: nothing to deactivate, see or download.
    "mfa_deactivate_totp": {
        "GET": visitor_then_member(LOGIN, 404),
        "POST": visitor_then_member(LOGIN, 404),
    },
    "mfa_view_recovery_codes": {
        "GET": visitor_then_member(LOGIN, 404),
        "POST": visitor_then_member(LOGIN, 405),
    },
    "mfa_generate_recovery_codes": {
        "GET": visitor_then_member(LOGIN, REAUTH),
        "POST": visitor_then_member(LOGIN, REAUTH),
    },
    "mfa_download_recovery_codes": {
        "GET": visitor_then_member(LOGIN, 404),
        "POST": visitor_then_member(LOGIN, 404),
    },
}


# --- Django admin ---------------------------------------------------------------------------------
# The sweep's roles: the matrix's, and a staff user who holds no permission at all (so that
# what staff get is seen to come from their permissions, not from being staff).
BARE_STAFF = "staff_without_permissions"
ADMIN_ROLES = (*ROLES, BARE_STAFF)
ADMIN_LOGIN = "admin login"  # a 302 to /admin/login/?next=…, which is allauth's sign-in

# The admin site's own views, for any staff user.
ADMIN_SITE_VIEWS = {
    "admin:index": 200,
    "admin:jsi18n": 200,
    "admin:password_change": 200,
    "admin:password_change_done": 200,
    "admin:logout": 405,  # signing out takes a POST
    "admin:autocomplete": 403,  # asked for no field to complete
    "admin:view_on_site": 302,  # to the object's page on the portal
}
VIEW = "view"  # view or change
# A registered model's own views (named "<app>_<model>_<suffix>"): the permission each needs.
MODEL_VIEWS = {
    "changelist": VIEW,
    "change": VIEW,
    "history": VIEW,
    "add": "add",
    "delete": "delete",
}
# The views the portal's ModelAdmins (and django-import-export) add: (permission, status when
# it is held). The import page needs the change permission, export the view permission
# (IMPORT_EXPORT_*_PERMISSION_CODE); process_import takes only a POST.
CUSTOM_VIEWS = {
    "admin:auth_user_password_change": ("change", 200),
    "admin:members_agency_staff_by_stage_csv": (VIEW, 200),
    "admin:members_agency_import": ("change", 200),
    "admin:members_agency_process_import": (None, 405),
    "admin:members_agency_export": (VIEW, 200),
    "admin:trainings_training_import": ("change", 200),
    "admin:trainings_training_process_import": (None, 405),
    "admin:trainings_training_export": (VIEW, 200),
    "admin:trainings_training_roster": ("change", 200),
    "admin:trainings_training_check_in": ("change", 200),
    "admin:trainings_certificate_pdf": (VIEW, 200),
    "admin:trainings_certificate_revoke": ("change", 200),
    "admin:trainings_certificate_reissue": ("change", 200),
    "admin:trainings_training_sign_in_sheet": (VIEW, 200),
    "admin:trainings_training_sign_in_pdf": (VIEW, 200),
    "admin:trainings_training_badges": (VIEW, 200),
    "admin:trainings_training_attendance_report": (VIEW, 200),
    "admin:trainings_training_attendance_report_csv": (VIEW, 200),
    "admin:resources_resource_preview": (VIEW, 200),
    "admin:resources_resource_decline": ("change", 200),
    # Publish, on a submitted resource's page, takes only a POST (the change permission).
    "admin:resources_resource_publish": (None, 405),
}
# What no one may do in the admin, superusers included: these rows change only through the
# portal's services (outbox, registrations, reminders, practice reports, digest sign-ups,
# agencies' status requests).
NEVER = {
    "admin:members_agencystatusrequest_add",
    "admin:members_agencystatusrequest_delete",
    "admin:members_digestsubscription_add",
    "admin:portal_outboxemail_add",
    "admin:portal_outboxemail_delete",
    "admin:trainings_certificate_add",
    "admin:trainings_certificate_delete",
    "admin:trainings_practicereport_add",
    "admin:trainings_practicereport_delete",
    "admin:trainings_registration_add",
    "admin:trainings_registration_delete",
    "admin:trainings_reminder_add",
    "admin:trainings_reminder_delete",
}
# A training people registered for (the world's training has a registration) is cancelled,
# never deleted: its delete page sends whoever may delete back to its change page, with the
# message "cancel it instead".
REFUSED_DELETES = {"admin:trainings_training_delete"}


def _may(user, model, permission) -> bool:
    if permission is None:
        return True
    label = f"{model._meta.app_label}.{{}}_{model._meta.model_name}"
    if permission == VIEW:
        return user.has_perm(label.format("view")) or user.has_perm(label.format("change"))
    return user.has_perm(label.format(permission))


def admin_expected(route: Route, url: str, user):
    """What ``user`` (None: a visitor) gets for a GET of ``url``: a status, or ADMIN_LOGIN.

    Raises LookupError for an admin URL nothing here describes.
    """
    staff = user is not None and user.is_active and user.is_staff
    if route.name == "admin:logout" and not staff:
        return reverse("admin:index")  # nobody to sign out: to the index, then to sign in
    if not staff:
        return ADMIN_LOGIN
    if route.name in ADMIN_SITE_VIEWS:
        return ADMIN_SITE_VIEWS[route.name]
    if route.name == "admin:app_list":
        return 200 if user.has_module_perms(url.rstrip("/").rsplit("/", 1)[-1]) else 404
    if route.name is None and route.params == ["url"]:
        return 404  # the catch-all: a page that doesn't exist
    if route.name is None and route.params == ["object_id"] and route.model is not None:
        return 302  # the old "<object_id>/" address: to the change page
    if route.name in CUSTOM_VIEWS:
        permission, status = CUSTOM_VIEWS[route.name]
        return status if _may(user, route.model, permission) else 403
    if route.model is not None:
        prefix = f"admin:{route.model._meta.app_label}_{route.model._meta.model_name}_"
        suffix = route.name.removeprefix(prefix) if route.name.startswith(prefix) else None
        if suffix in MODEL_VIEWS:
            if route.name in NEVER:
                return 403
            if route.name in REFUSED_DELETES and _may(user, route.model, "delete"):
                return url.removesuffix("delete/") + "change/"
            return 200 if _may(user, route.model, MODEL_VIEWS[suffix]) else 403
    raise LookupError(f"{route}: say what each role gets (ADMIN_SITE_VIEWS, CUSTOM_VIEWS or NEVER)")


# --- Coverage ----------------------------------------------------------------------------------


class _SuperuserStandIn:
    """Enough of a superuser for admin_expected, without the database."""

    is_active = is_staff = is_superuser = True

    def has_perm(self, perm):
        return True

    def has_module_perms(self, label):
        return True


_SUPERUSER_STANDIN = _SuperuserStandIn()


def test_every_url_is_covered():
    """Every URL pattern of the project, allauth and the admin is in one of the three tables."""
    uncovered = []
    for route in ROUTES:
        if route.group == "project":
            covered = route.name in MATRIX
        elif route.group == "allauth":
            covered = route.name in ALLAUTH_MATRIX
        elif route.name == "admin:login":
            covered = True  # shadowed by the portal's admin_login (MATRIX), see below
        else:
            try:
                admin_expected(route, "/admin/x/", None)
                admin_expected(route, "/admin/x/", _SUPERUSER_STANDIN)
            except LookupError:
                covered = False
            else:
                covered = True
        if not covered:
            uncovered.append(str(route))
    assert uncovered == [], "add these URLs to the permission matrix"


def test_no_table_has_a_row_for_a_url_that_does_not_exist():
    assert sorted(set(MATRIX) - set(PROJECT_URLS)) == [], "these MATRIX rows name no URL"
    assert sorted(set(ALLAUTH_MATRIX) - set(ALLAUTH_URLS)) == []
    admin_names = {route.name for route in ADMIN_ROUTES}
    stale = (set(ADMIN_SITE_VIEWS) | set(CUSTOM_VIEWS) | NEVER | REFUSED_DELETES) - admin_names
    assert sorted(stale) == []


def test_the_tables_split_the_urls_between_them():
    assert None not in PROJECT_URLS, "an unnamed project URL can't be in the permission matrix"
    assert "admin_login" in PROJECT_URLS
    assert not any(name.startswith("admin:") for name in PROJECT_URLS)
    assert not any(name.startswith(("account_", "mfa_")) for name in PROJECT_URLS)
    assert all(name.startswith(("account_", "mfa_")) for name in ALLAUTH_URLS)
    # Every registered model's views are in the admin sweep.
    assert len(ADMIN_ROUTES) > 100
    assert {route.model for route in ADMIN_ROUTES if route.model} >= set(admin.site._registry)


def test_django_admins_own_sign_in_form_is_unreachable():
    """/admin/login/ is the portal's admin_login (to allauth's sign-in): the admin's own
    password form (no rate limit, no two-factor) answers no URL."""
    match = resolve(reverse("admin:login"))
    assert match.func is portal_views.admin_login
    assert match.url_name == "admin_login"


def test_every_row_gives_a_status_for_each_role_and_method():
    for name, row in MATRIX.items():
        assert set(row) == {"GET", "POST"}, name
        for method, statuses in row.items():
            assert set(statuses) == set(ROLES), (name, method)
    for name, row in ALLAUTH_MATRIX.items():
        assert set(row) == {"GET", "POST"}, name
        for method, statuses in row.items():
            assert set(statuses) == {ANON, SIGNED_IN}, (name, method)


def test_every_manage_url_of_agency_a_is_closed_to_everyone_but_its_coordinators():
    manage_names = [
        name
        for name, pattern in PROJECT_URLS.items()
        if str(pattern.pattern).startswith("agencies/<slug:slug>/manage/")
    ]
    assert len(manage_names) == 32
    for name in manage_names:
        for method, statuses in MATRIX[name].items():
            if statuses == everyone(405):
                continue
            others = [statuses[role] for role in (MEMBER, COORD_B, CURATOR, SUPERUSER)]
            assert others == [404] * 4, (name, method)
            assert statuses[STAFF_A] == 403, (name, method)
            assert statuses[ANON] == LOGIN, (name, method)


# --- The matrix -------------------------------------------------------------------------------


def status_matches(response, expected) -> bool:
    """Whether ``response`` is what a table says: a status, LOGIN, or a path (a 302 there)."""
    location = response.get("Location", "")
    if expected == LOGIN:
        return response.status_code == 302 and location.startswith(
            reverse("account_login") + "?next="
        )
    if isinstance(expected, str):
        return response.status_code == 302 and location.startswith(expected)
    return response.status_code == expected


def _check(response, expected, url):
    assert status_matches(response, expected), (
        url,
        response.status_code,
        response.get("Location"),
        expected,
    )


CASES = [
    pytest.param(name, role, method, id=f"{name}-{role}-{method}")
    for name in MATRIX
    for role in ROLES
    for method in ("GET", "POST")
]


@pytest.mark.parametrize(("name", "role", "method"), CASES)
def test_permission_matrix(request, client, world, name, role, method):
    user = request.getfixturevalue(role)
    if user is not None:
        client.force_login(user)
    url = url_for(name, world)

    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, BLANK_FORM)
    response.close()  # a file download streams from an open file

    _check(response, MATRIX[name][method][role], url)


ALLAUTH_CASES = [
    pytest.param(name, role, method, id=f"{name}-{role}-{method}")
    for name in ALLAUTH_MATRIX
    for role in (ANON, SIGNED_IN)
    for method in ("GET", "POST")
]


@pytest.mark.parametrize(("name", "role", "method"), ALLAUTH_CASES)
def test_allauth_matrix(client, member, name, role, method):
    if role == SIGNED_IN:
        member.emailaddress_set.create(email=member.email, verified=True, primary=True)
        client.force_login(member)
    url = allauth_url(name)

    response = client.get(url) if method == "GET" else client.post(url, BLANK_FORM)

    _check(response, ALLAUTH_MATRIX[name][method][role], url)


@pytest.fixture
def staff_without_permissions(db):
    return UserFactory(email="bare-staff@example.org", is_staff=True)


# POSTs too for these (a form sent with nothing filled in); the other roles without staff access
# are the same to the admin, and staff POSTs are the admin's own forms.
POST_TOO = {ANON, MEMBER}


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_admin_sweep(request, admin_world, role):
    """Every admin URL, GET (and POST for a visitor and a member), for one role."""
    user = request.getfixturevalue(role)
    client = Client()
    if user is not None:
        client.force_login(user)
    # Only curators hold model permissions; superusers have them all without holding any.
    assert (user is not None and user.user_permissions.exists()) == (role == CURATOR)
    wrong = []
    seen = 0
    for route in ADMIN_ROUTES:
        if route.name == "admin:login":
            continue  # the portal's admin_login: MATRIX["admin_login"]
        for url in admin_urls(route, admin_world):
            expected = admin_expected(route, url, user)
            methods = ("GET", "POST") if role in POST_TOO else ("GET",)
            for method in methods:
                response = client.get(url) if method == "GET" else client.post(url, BLANK_FORM)
                seen += 1
                got = response.status_code
                location = response.get("Location", "")
                if expected == ADMIN_LOGIN:
                    ok = got == 302 and location.startswith(reverse("admin:login") + "?next=")
                elif isinstance(expected, str):
                    ok = got == 302 and location == expected
                else:
                    ok = got == expected
                if not ok:
                    wrong.append(f"{method} {url} ({route}): {got} {location}, not {expected}")
    assert seen > 150
    assert wrong == []
