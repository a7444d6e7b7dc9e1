"""The host agency's coordinators keep the roster, attendance and notes of the trainings their
agency hosts, as curators do in the admin; another agency's trainings answer 404."""

import csv
import io

import pytest
from django.urls import reverse

from members.models import Credential, CredentialSource
from tests.factories import TrainingFactory
from tests.trainings.factories import RegistrationFactory, member, start_now
from trainings.models import Attendance, Kind, RegistrationStatus, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator.user)
    return client


@pytest.fixture
def hosted(home_agency):
    return TrainingFactory(
        title="Sensory Regulation Strategies", slug="sensory", host_agency=home_agency
    )


@pytest.fixture
def started(hosted):
    """``hosted``, begun an hour ago: attendance can be marked."""
    return start_now(hosted)


def hosted_url(agency) -> str:
    return reverse("trainings:agency_hosted", kwargs={"slug": agency.slug})


def roster_url(agency, training) -> str:
    return reverse(
        "trainings:agency_hosted_roster",
        kwargs={"slug": agency.slug, "training_slug": training.slug},
    )


def sheet_url(agency, training) -> str:
    return reverse(
        "trainings:agency_hosted_sign_in_sheet",
        kwargs={"slug": agency.slug, "training_slug": training.slug},
    )


def notes_url(agency, training) -> str:
    return reverse(
        "trainings:agency_hosted_notes",
        kwargs={"slug": agency.slug, "training_slug": training.slug},
    )


# --- The list ---------------------------------------------------------------------------------


def test_the_list_shows_the_agency_trainings_with_their_state_and_no_one_else_s(
    coordinator_client, home_agency, other_agency, hosted
):
    TrainingFactory(title="Our Proposal", host_agency=home_agency, status=Status.SUBMITTED)
    TrainingFactory(title="Their Training", host_agency=other_agency)
    TrainingFactory(title="Past One", host_agency=home_agency, days_ahead=-30)

    upcoming = coordinator_client.get(hosted_url(home_agency))
    past = coordinator_client.get(hosted_url(home_agency), {"when": "past"}).content.decode()

    page = upcoming.content.decode()
    assert upcoming.status_code == 200
    assert "Sensory Regulation Strategies" in page
    assert "Our Proposal" in page
    assert "Submitted for review" in page
    assert "Their Training" not in page
    assert "Past One" not in page
    assert "Past One" in past


def test_a_submitted_training_is_not_linked_to_its_public_page(coordinator_client, home_agency):
    proposal = TrainingFactory(
        title="Our Proposal", slug="our-proposal", host_agency=home_agency, status=Status.SUBMITTED
    )

    page = coordinator_client.get(hosted_url(home_agency)).content.decode()

    assert proposal.get_absolute_url() not in page
    assert roster_url(home_agency, proposal) in page


def test_a_bad_filter_answers_400(coordinator_client, home_agency):
    response = coordinator_client.get(hosted_url(home_agency), {"when": "someday"})

    assert response.status_code == 400


@pytest.mark.parametrize("count", [1, 200])
def test_the_list_queries_do_not_grow_with_the_trainings(
    coordinator_client, home_agency, count, django_assert_num_queries
):
    for n in range(count):
        TrainingFactory(title=f"Hosted {n}", host_agency=home_agency)
    person = member(home_agency)
    RegistrationFactory(training=TrainingFactory(host_agency=home_agency), person=person)

    # Session and user, the coordinator's agency, the count and the page.
    with django_assert_num_queries(5):
        response = coordinator_client.get(hosted_url(home_agency))
    assert response.status_code == 200


def test_the_manage_nav_links_to_hosted_trainings_and_proposals(coordinator_client, home_agency):
    page = coordinator_client.get(reverse("members:manage_home", kwargs={"slug": home_agency.slug}))

    content = page.content.decode()
    assert hosted_url(home_agency) in content
    assert (
        reverse("trainings:agency_propose_training", kwargs={"slug": home_agency.slug}) in content
    )


# --- The roster and attendance ------------------------------------------------------------------


def test_the_host_marks_attendance_from_the_roster(
    coordinator_client, home_agency, other_agency, started
):
    ours = RegistrationFactory(training=started, person=member(home_agency, name="Ann Ours"))
    theirs = RegistrationFactory(
        training=started, person=member(other_agency, name="Ben Theirs"), agency=other_agency
    )

    page = coordinator_client.get(roster_url(home_agency, started)).content.decode()
    response = coordinator_client.post(
        roster_url(home_agency, started),
        {
            f"attendance-{ours.pk}": Attendance.ATTENDED,
            f"attendance-{theirs.pk}": Attendance.EXCUSED,
        },
        follow=True,
    )

    assert "Ann Ours" in page
    assert "Ben Theirs" in page  # the host sees everyone registered, whatever their agency
    assert response.status_code == 200
    assert "Attendance saved for 2 people." in response.content.decode()
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert (ours.attendance, theirs.attendance) == (Attendance.ATTENDED, Attendance.EXCUSED)


def test_attending_a_hosted_concepts_training_records_the_credential(
    coordinator_client, coordinator, home_agency, other_agency
):
    training = TrainingFactory(
        kind=Kind.CONCEPTS, model="nme", host_agency=home_agency, days_ahead=-1
    )
    person = member(other_agency, name="Visiting Teacher")
    registration = RegistrationFactory(training=training, person=person, agency=other_agency)

    coordinator_client.post(
        roster_url(home_agency, training), {f"attendance-{registration.pk}": Attendance.ATTENDED}
    )

    credential = Credential.objects.get(person=person)
    assert (credential.level, credential.model) == ("concepts", "nme")
    assert credential.source == CredentialSource.ATTENDANCE
    assert credential.recorded_by == coordinator.user


def test_an_unknown_attendance_value_changes_nothing_and_says_so(
    coordinator_client, home_agency, started
):
    registration = RegistrationFactory(training=started, person=member(home_agency, name="Ann"))

    response = coordinator_client.post(
        roster_url(home_agency, started), {f"attendance-{registration.pk}": "asleep"}, follow=True
    )

    assert response.status_code == 200
    assert "Ann: Unknown attendance value." in response.content.decode()
    registration.refresh_from_db()
    assert registration.attendance == ""


def test_waitlisted_people_cannot_be_marked(coordinator_client, home_agency, started):
    waiting = RegistrationFactory(
        training=started, person=member(home_agency), status=RegistrationStatus.WAITLISTED
    )

    coordinator_client.post(
        roster_url(home_agency, started), {f"attendance-{waiting.pk}": Attendance.ATTENDED}
    )

    waiting.refresh_from_db()
    assert waiting.attendance == ""


def test_registrations_of_other_trainings_cannot_be_marked_through_this_roster(
    coordinator_client, home_agency, started
):
    elsewhere = RegistrationFactory(
        training=TrainingFactory(days_ahead=-1), person=member(home_agency)
    )

    coordinator_client.post(
        roster_url(home_agency, started), {f"attendance-{elsewhere.pk}": Attendance.ATTENDED}
    )

    elsewhere.refresh_from_db()
    assert elsewhere.attendance == ""


def test_the_sign_in_sheet_lists_the_confirmed_people(coordinator_client, home_agency, hosted):
    RegistrationFactory(training=hosted, person=member(home_agency, name="=Ann Formula"))
    RegistrationFactory(
        training=hosted,
        person=member(home_agency, name="Wes Waiting"),
        status=RegistrationStatus.WAITLISTED,
    )

    response = coordinator_client.get(sheet_url(home_agency, hosted))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="sensory-sign-in.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Name", "Email", "Agency"]
    assert [row[0] for row in rows[1:]] == ["'=Ann Formula"]  # spreadsheet-safe


@pytest.mark.parametrize("page", ["roster", "sheet", "notes"])
def test_another_agency_hosted_training_answers_404(
    coordinator_client, home_agency, other_agency, page
):
    theirs = TrainingFactory(host_agency=other_agency)
    url = {"roster": roster_url, "sheet": sheet_url, "notes": notes_url}[page](home_agency, theirs)

    response = coordinator_client.post(url) if page == "notes" else coordinator_client.get(url)

    assert response.status_code == 404


def test_a_coordinator_of_the_other_agency_cannot_open_our_roster(
    client, rival_coordinator, home_agency, other_agency, hosted
):
    client.force_login(rival_coordinator.user)

    assert client.get(roster_url(home_agency, hosted)).status_code == 404
    # Nor through their own agency's address: the training is not theirs.
    assert client.get(roster_url(other_agency, hosted)).status_code == 404


# --- Notes ------------------------------------------------------------------------------------


def test_the_host_writes_notes_that_members_read_on_the_training_page(
    coordinator_client, home_agency, hosted, client
):
    response = coordinator_client.post(
        notes_url(home_agency, hosted), {"notes": "  Slides are in the **library**.  "}
    )

    assert response.status_code == 302
    assert response["Location"].endswith("#notes")
    hosted.refresh_from_db()
    assert hosted.notes == "Slides are in the **library**."
    page = coordinator_client.get(hosted.get_absolute_url()).content.decode()
    assert "Slides are in the <strong>library</strong>." in page


def test_notes_that_are_too_long_are_refused_with_a_message(
    coordinator_client, home_agency, hosted
):
    response = coordinator_client.post(
        notes_url(home_agency, hosted), {"notes": "x" * 20_001}, follow=True
    )

    assert "at most 20000 characters" in response.content.decode()
    hosted.refresh_from_db()
    assert hosted.notes == ""
