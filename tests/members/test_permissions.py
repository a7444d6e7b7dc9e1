"""The permission matrix: every URL name of the project × every role × GET and POST.

Each row of ``MATRIX`` gives the exact status each role gets. URL arguments name objects of
agency A (its slug, a training it hosts, its staff member and that member's registration, a
join request, an invitation, a community-of-practice series it hosts). POSTs are
a form sent with nothing filled in (a browser always sends at least the CSRF token).
A URL added to the project without a row here fails
``test_every_project_url_has_a_row_in_the_matrix``.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from members import services
from members.models import MembershipState, SiteMilestone
from resources.models import Resource, ResourceStatus
from tests.conftest import ROLES
from tests.factories import (
    InvitationFactory,
    MembershipFactory,
    PersonFactory,
    TrainingFactory,
    UserFactory,
)
from trainings.models import Series
from trainings.services import registration_create

pytestmark = pytest.mark.django_db

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

MATRIX: dict[str, dict[str, dict]] = {
    # Portal
    "home": {"GET": everyone(200), "POST": everyone(405)},
    "community": {"GET": everyone(200), "POST": everyone(405)},
    "healthz": {"GET": everyone(200), "POST": everyone(200)},
    "robots": {"GET": everyone(200), "POST": everyone(200)},
    "sitemap": {"GET": everyone(200), "POST": everyone(200)},
    "admin_login": {"GET": STAFF_ONLY, "POST": STAFF_ONLY},
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
    "trainings:my_registration_cancel": {
        "GET": everyone(405),
        "POST": {**signed_in(404), STAFF_A: 302},
    },
    # Directory
    "members:agency_list": {"GET": everyone(200), "POST": everyone(405)},
    "members:agency_detail": {"GET": everyone(200), "POST": everyone(405)},
    "members:agency_join": {"GET": everyone(405), "POST": signed_in(302)},
    # Coordinator area of agency A
    "members:manage_home": {"GET": manage(200), "POST": manage(200)},
    "members:manage_profile": {"GET": manage(200), "POST": manage(400)},
    # A blank milestone form unticks it (nothing to untick): back to the dashboard.
    "members:manage_milestone": {"GET": everyone(405), "POST": manage(302)},
    # A blank on/off form changes nothing: a message on the overview.
    "members:manage_weekly_digest": {"GET": everyone(405), "POST": manage(302)},
    "members:manage_staff": {"GET": manage(200), "POST": manage(200)},
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
    "trainings:agency_registrations": {"GET": manage(200), "POST": manage(200)},
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
    "trainings:agency_hosted_notes": {"GET": everyone(405), "POST": manage(302)},
    # My page
    "members:me": {"GET": signed_in(200), "POST": signed_in(400)},
    "members:me_export": {"GET": signed_in(200), "POST": signed_in(200)},
    "members:me_delete": {"GET": signed_in(200), "POST": signed_in(400)},
    # The invited membership is someone else's: nobody else can answer it.
    "members:me_invitation": {"GET": everyone(405), "POST": signed_in(404)},
    "members:me_calendar_regenerate": {"GET": everyone(405), "POST": signed_in(302)},
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


# --- The project's URLs, from the resolver ----------------------------------------------------


def _third_party(resolver: URLResolver) -> bool:
    """Django admin's and allauth's own URLs are theirs, not the project's."""
    module = getattr(resolver.urlconf_module, "__name__", "")
    return resolver.namespace == "admin" or module.startswith("allauth")


def _project_patterns(patterns=None, namespace: str = ""):
    """(name, pattern) of every project URL; name is None for an unnamed pattern."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if _third_party(entry):
                continue
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            yield from _project_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            if getattr(entry.callback, "__module__", "").startswith("allauth"):
                continue
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield name, entry


PROJECT_URLS = dict(_project_patterns())


def test_every_project_url_has_a_row_in_the_matrix():
    names = set(PROJECT_URLS)
    assert None not in names, "an unnamed project URL can't be in the permission matrix"
    assert sorted(names - set(MATRIX)) == [], "add these URL names to MATRIX"
    assert sorted(set(MATRIX) - names) == [], "these MATRIX rows name no URL"


def test_the_matrix_keeps_admin_login_and_leaves_out_third_party_urls():
    assert "admin_login" in PROJECT_URLS
    assert not any(name.startswith("admin:") for name in PROJECT_URLS)
    assert not any(name.startswith(("account_", "mfa_")) for name in PROJECT_URLS)
    assert len(PROJECT_URLS) == len(MATRIX)


def test_every_row_gives_a_status_for_each_role_and_method():
    for name, row in MATRIX.items():
        assert set(row) == {"GET", "POST"}, name
        for method, statuses in row.items():
            assert set(statuses) == set(ROLES), (name, method)


def test_every_manage_url_of_agency_a_is_closed_to_everyone_but_its_coordinators():
    manage_names = [
        name
        for name, pattern in PROJECT_URLS.items()
        if str(pattern.pattern).startswith("agencies/<slug:slug>/manage/")
    ]
    assert len(manage_names) == 25
    for name in manage_names:
        for method, statuses in MATRIX[name].items():
            if statuses == everyone(405):
                continue
            others = [statuses[role] for role in (MEMBER, COORD_B, CURATOR, SUPERUSER)]
            assert others == [404] * 4, (name, method)
            assert statuses[STAFF_A] == 403, (name, method)
            assert statuses[ANON] == LOGIN, (name, method)


# --- The matrix -------------------------------------------------------------------------------


@pytest.fixture
def world(agency_a, agency_b, member, staff_a, coordinator_a, coordinator_b, curator, superuser):
    """Every role, and agency A's objects the URLs name."""
    invited = PersonFactory(user=UserFactory(email="invited@example.org"))
    invitation = InvitationFactory(agency=agency_a, email="invitee@example.org")
    training = TrainingFactory(host_agency=agency_a)
    return SimpleNamespace(
        agency=agency_a,
        training=training,
        registration=registration_create(
            training=training, person=staff_a.person, agency=agency_a, registered_by=staff_a
        ),
        staff_membership=staff_a.person.memberships.get(),
        join_request=MembershipFactory(agency=agency_a, state=MembershipState.REQUESTED),
        invited_membership=MembershipFactory(
            agency=agency_a, person=invited, state=MembershipState.INVITED
        ),
        invitation=invitation,
        token=services.invitation_token(invitation),
        # Created here: a transactional test's flush removes the data migration's milestones.
        milestone=SiteMilestone.objects.create(title="A milestone", order=99),
        series=Series.objects.create(
            title="Peer consultation, first Tuesday",
            slug="peer-consultation",
            summary="Monthly.",
            host_agency=agency_a,
            rule="FREQ=MONTHLY;BYDAY=1TU",
            start_time=dt.time(12),
            first_date=dt.date(2026, 1, 1),
        ),
        resource=Resource.objects.create(
            title="A public guide",
            slug="a-public-guide",
            summary="For everyone.",
            kind="guide",
            status=ResourceStatus.PUBLISHED,
            file=ContentFile(b"%PDF-1.4 test", name="guide.pdf"),
            file_type="application/pdf",
        ),
    )


TRAINING_PAGES = {"trainings:detail", "trainings:ics", "trainings:register"}
RESOURCE_PAGES = {"resources:detail", "resources:download"}
SERIES_PAGES = {"trainings:series_feed"}


def _url(name: str, world) -> str:
    membership = {
        "members:manage_request_decide": world.join_request,
        "members:me_invitation": world.invited_membership,
    }.get(name, world.staff_membership)
    values = {
        "slug": world.training.slug
        if name in TRAINING_PAGES
        else world.resource.slug
        if name in RESOURCE_PAGES
        else world.series.slug
        if name in SERIES_PAGES
        else world.agency.slug,
        "training_slug": world.training.slug,
        "registration_id": world.registration.pk,
        "membership_id": membership.pk,
        "invitation_id": world.invitation.pk,
        "milestone_id": world.milestone.pk,
        "token": world.token,
    }
    params = PROJECT_URLS[name].pattern.converters
    return reverse(name, kwargs={param: values[param] for param in params})


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
    url = _url(name, world)
    expected = MATRIX[name][method][role]

    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, BLANK_FORM)
    response.close()  # a file download streams from an open file

    if expected == LOGIN:
        assert response.status_code == 302, (url, response.status_code)
        assert response["Location"].startswith(reverse("account_login") + "?next="), response[
            "Location"
        ]
    else:
        assert response.status_code == expected, (url, response.status_code)
