"""The curators' desk on the admin's home page: what waits, with counts and links to the
filtered changelists; only what the staff member's permissions let them see; one query per
count, whatever the numbers."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.desk import curator_desk
from members import services as member_services
from members.models import AgencyMilestone, AgencyStatusRequest, SiteMilestone
from portal import services as portal_services
from portal.models import OutboxEmail, OutboxState
from resources import services as resource_services
from resources.models import ResourceStatus
from tests.factories import AgencyFactory, CredentialFactory, TrainingFactory, UserFactory
from tests.resources.factories import ResourceFactory
from trainings import services as training_services
from trainings.models import Status

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


def desk_of(client) -> dict[str, tuple[int, str]]:
    """The desk on the admin's home page: {label: (count, url)}."""
    response = client.get(INDEX)
    assert response.status_code == 200
    return {item.label: (item.count, item.url) for item in response.context["desk"]}


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


def _email(**fields) -> OutboxEmail:
    return OutboxEmail.objects.create(
        kind="test", to=["someone@example.org"], subject="Hello", body_text="Hello.", **fields
    )


def test_with_nothing_waiting_the_desk_says_so(superuser_client):
    page = superuser_client.get(INDEX).content.decode()

    assert "Waiting for you" in page
    assert "Nothing waits for you." in page


def test_submitted_resources_show_until_published(superuser_client, superuser):
    waiting = [ResourceFactory(status=ResourceStatus.SUBMITTED, published_at=None) for _ in "ab"]
    ResourceFactory(status=ResourceStatus.DRAFT)

    desk = desk_of(superuser_client)
    page = superuser_client.get(INDEX).content.decode()

    url = reverse("admin:resources_resource_changelist") + "?queue=waiting"
    assert desk["resources submitted for review"] == (2, url)
    assert f'href="{url}"' in page
    for resource in waiting:
        resource_services.resource_publish(resource=resource, reviewed_by=superuser)
    assert "resources submitted for review" not in desk_of(superuser_client)
    assert "resource submitted for review" not in desk_of(superuser_client)


def test_proposed_trainings_show_until_published(superuser_client):
    proposal = TrainingFactory(status=Status.SUBMITTED)
    TrainingFactory(status=Status.DRAFT)

    desk = desk_of(superuser_client)

    url = reverse("admin:trainings_training_changelist") + "?queue=proposed&when=all"
    assert desk["training proposed by an agency"] == (1, url)
    # The link lists exactly that proposal.
    listed = superuser_client.get(url).context["cl"].result_list
    assert list(listed) == [proposal]
    training_services.training_publish(training=proposal)
    assert "training proposed by an agency" not in desk_of(superuser_client)


def test_status_requests_show_until_decided(superuser_client, superuser):
    request = AgencyStatusRequest.objects.create(
        agency=AgencyFactory(),
        changes={"nmt_status": "implementing"},
        previous={"nmt_status": "interested"},
        note="We started in March.",
    )

    url = reverse("admin:members_agencystatusrequest_changelist") + "?state=pending"
    assert desk_of(superuser_client)["agency status request to decide"] == (1, url)
    member_services.agency_status_request_decline(
        request=request, decided_by=superuser, reply="Not yet."
    )
    assert "agency status request to decide" not in desk_of(superuser_client)


def test_milestone_ticks_show_until_verified(superuser_client, superuser):
    milestone = SiteMilestone.objects.create(title="A sensory room", order=99)
    tick = AgencyMilestone.objects.create(
        agency=AgencyFactory(), milestone=milestone, done_on=dt.date(2026, 1, 5)
    )

    url = reverse("admin:members_agencymilestone_changelist") + "?verified=no"
    assert desk_of(superuser_client)["milestone an agency ticked, to verify"] == (1, url)
    member_services.milestone_verify(item=tick, verified_by=superuser)
    assert "milestone an agency ticked, to verify" not in desk_of(superuser_client)


def test_unverified_credentials_show_until_verified(superuser_client, superuser):
    credentials = [CredentialFactory(), CredentialFactory()]
    CredentialFactory(verified=True)

    url = reverse("admin:members_credential_changelist") + "?verified__exact=0"
    assert desk_of(superuser_client)["credentials to verify"] == (2, url)
    member_services.credential_verify(credential=credentials[0], verified_by=superuser)
    assert desk_of(superuser_client)["credential to verify"] == (1, url)
    member_services.credential_verify(credential=credentials[1], verified_by=superuser)
    assert "credential to verify" not in desk_of(superuser_client)


def test_failed_emails_show_until_queued_again(superuser_client):
    failed = _email(state=OutboxState.FAILED, attempts=5, last_error="550")
    _email(state=OutboxState.SENT, sent_at=timezone.now())

    url = reverse("admin:portal_outboxemail_changelist") + "?state__exact=failed"
    assert desk_of(superuser_client)["email that failed to send"] == (1, url)
    portal_services.outbox_retry(emails=[failed])
    assert "email that failed to send" not in desk_of(superuser_client)


def test_emails_long_past_due_show_as_stuck_until_sent(superuser_client, mailoutbox):
    stuck = _email(due_at=timezone.now() - dt.timedelta(hours=1))
    _email(due_at=timezone.now() - dt.timedelta(minutes=2))  # waiting its turn, not stuck
    _email(due_at=timezone.now() + dt.timedelta(minutes=30))  # a retry's backoff

    url = reverse("admin:portal_outboxemail_changelist") + "?delivery=stuck"
    label = "email stuck in the outbox (nothing is sending)"
    assert desk_of(superuser_client)[label] == (1, url)
    assert list(superuser_client.get(url).context["cl"].result_list) == [stuck]
    portal_services.outbox_send_one(email_id=stuck.pk)
    assert label not in desk_of(superuser_client)


def test_staff_see_only_what_their_permissions_let_them(client):
    ResourceFactory(status=ResourceStatus.SUBMITTED, published_at=None)
    CredentialFactory()
    _email(state=OutboxState.FAILED)
    staff = UserFactory(email="librarian@example.org", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename="view_resource"))
    client.force_login(staff)

    assert set(desk_of(client)) == {"resource submitted for review"}


def test_curators_without_outbox_permission_see_no_email_items(client, curator):
    _email(state=OutboxState.FAILED)
    CredentialFactory()
    client.force_login(curator)

    assert set(desk_of(client)) == {"credential to verify"}


def _fill(n: int) -> None:
    agency = AgencyFactory()
    milestone = SiteMilestone.objects.create(title=f"Milestone {n}", order=100 + n)
    for _ in range(n):
        ResourceFactory(status=ResourceStatus.SUBMITTED, published_at=None)
        TrainingFactory(status=Status.SUBMITTED)
        CredentialFactory()
        _email(state=OutboxState.FAILED)
        _email(due_at=timezone.now() - dt.timedelta(hours=2))
    AgencyStatusRequest.objects.create(
        agency=agency, changes={"nmt_status": "implementing"}, note="Please."
    )
    AgencyMilestone.objects.create(agency=agency, milestone=milestone, done_on=dt.date(2026, 1, 5))


@pytest.mark.parametrize("n", [1, 12])
def test_the_desk_takes_one_query_per_count(superuser, django_assert_num_queries, n):
    _fill(n)

    # Five counts and one for the outbox's two: a superuser's permissions need no query.
    with django_assert_num_queries(6):
        desk = curator_desk(user=superuser)

    assert len(desk) == 7
    assert all(item.count >= 1 for item in desk)


def test_the_home_page_takes_as_many_queries_for_many_waiting_as_for_one(superuser_client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert superuser_client.get(INDEX).status_code == 200
        return len(captured)

    _fill(1)
    few = queries()
    _fill(15)

    assert queries() == few
