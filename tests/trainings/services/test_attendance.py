"""Attendance means someone was there: one service (``attendance_mark``) marks it for the admin's
roster and the host agency's, refuses it before the training starts, and records (and on
unmarking, removes) the concepts credential that attending records, and no other."""

import datetime as dt

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from members.models import Credential, CredentialLevel, CredentialSource, PracticeModel
from members.services import credential_record, credential_verify
from tests.factories import CredentialFactory, PersonFactory, TrainingFactory, days_from_today
from tests.trainings.factories import RegistrationFactory, member, start_now
from trainings import services
from trainings.models import (
    Attendance,
    AttendanceMethod,
    Kind,
    Model,
    Registration,
    RegistrationStatus,
)
from trainings.services import AttendanceError, attendance_mark, registration_create

pytestmark = pytest.mark.django_db

NOT_STARTED = "attendance can be marked once it has started"


def _register(training, person=None) -> Registration:
    return registration_create(training=training, person=person or PersonFactory())


def _mark(registration, value, *, by=None, **kwargs):
    return attendance_mark(
        training=registration.training, marks={registration.pk: value}, marked_by=by, **kwargs
    )


def _started_concepts(**fields):
    """A concepts training that ran yesterday."""
    return TrainingFactory(kind=Kind.CONCEPTS, days_ahead=-1, **fields)


# --- When ------------------------------------------------------------------------------------


def test_attendance_is_refused_before_the_first_session_starts_and_nothing_is_saved(
    curator, other_agency
):
    training = TrainingFactory(kind=Kind.CONCEPTS)  # in 10 days
    ours = _register(training)
    theirs = _register(training, member(other_agency))

    with pytest.raises(AttendanceError, match=NOT_STARTED):
        attendance_mark(
            training=training,
            marks={ours.pk: Attendance.ATTENDED, theirs.pk: Attendance.ABSENT},
            marked_by=curator,
        )

    assert set(training.registrations.values_list("attendance", flat=True)) == {""}
    assert not Credential.objects.exists()


def test_attendance_opens_the_moment_the_first_session_starts(curator):
    start = days_from_today(3)
    week = dt.timedelta(days=7)
    training = TrainingFactory(
        kind=Kind.CONCEPTS,
        sessions=[
            (start, start + dt.timedelta(hours=3)),
            (start + week, start + week + dt.timedelta(hours=3)),
        ],
    )
    registration = _register(training)

    with pytest.raises(AttendanceError):
        _mark(registration, Attendance.ATTENDED, now=start - dt.timedelta(seconds=1))
    with time_machine.travel(start, tick=False):
        outcome = _mark(registration, Attendance.ATTENDED)

    assert outcome.changed == 1
    registration.refresh_from_db()
    # The first session is marked; the training counts once the second one is attended too.
    assert registration.session_attendance.get().value == Attendance.ATTENDED
    assert registration.attendance == ""
    with time_machine.travel(start + week, tick=False):
        _mark(registration, Attendance.ATTENDED)
    registration.refresh_from_db()
    assert registration.attendance == Attendance.ATTENDED
    assert registration.session_attendance.count() == 2


def test_a_training_without_sessions_takes_no_attendance(curator):
    training = TrainingFactory(sessions=[])
    registration = RegistrationFactory(training=training)

    with pytest.raises(AttendanceError, match="no sessions yet"):
        _mark(registration, Attendance.ATTENDED)


def test_marks_that_change_nothing_are_no_error_even_before_the_start(curator):
    registration = _register(TrainingFactory())

    outcome = _mark(registration, "")

    assert outcome.changed == 0


# --- What is marked ----------------------------------------------------------------------------


def test_one_refused_mark_leaves_the_others_saved(curator):
    training = TrainingFactory(capacity=1)
    confirmed, waitlisted, other = _register(training), _register(training), _register(training)
    start_now(training)

    outcome = attendance_mark(
        training=training,
        marks={
            confirmed.pk: Attendance.ATTENDED,
            waitlisted.pk: Attendance.ATTENDED,
            other.pk: "maybe",
        },
        marked_by=curator,
    )

    assert outcome.changed == 1
    assert [note.message for note in outcome.refused] == [
        "Only confirmed participants can be marked.",
        "Unknown attendance value.",
    ]
    assert str(outcome.refused[0]) == f"{waitlisted.person.display_name}: " + (
        "Only confirmed participants can be marked."
    )
    assert dict(training.registrations.values_list("pk", "attendance")) == {
        confirmed.pk: Attendance.ATTENDED,
        waitlisted.pk: "",
        other.pk: "",
    }


def test_registrations_of_another_training_are_not_marked(curator):
    training = start_now(TrainingFactory())
    elsewhere = RegistrationFactory(training=TrainingFactory(days_ahead=-1))

    outcome = attendance_mark(
        training=training, marks={elsewhere.pk: Attendance.ATTENDED}, marked_by=curator
    )

    assert outcome.changed == 0
    elsewhere.refresh_from_db()
    assert elsewhere.attendance == ""


# --- The credential ----------------------------------------------------------------------------


def test_attending_a_concepts_training_records_the_concepts_credential(curator):
    training = _started_concepts(model=Model.NME)
    registration = RegistrationFactory(training=training)

    _mark(registration, Attendance.ATTENDED, by=curator)

    credential = Credential.objects.get(person=registration.person)
    assert (credential.level, credential.model) == (CredentialLevel.CONCEPTS, PracticeModel.NME)
    assert credential.source == CredentialSource.ATTENDANCE
    assert credential.recorded_by == curator
    assert credential.earned_on == timezone.localdate(training.ends_at)
    registration.refresh_from_db()
    assert registration.credential == credential


def test_attendance_records_no_credential_when_one_is_already_on_record(curator):
    registration = RegistrationFactory(training=_started_concepts())
    CredentialFactory(person=registration.person, source=CredentialSource.COORDINATOR)

    _mark(registration, Attendance.ATTENDED, by=curator)

    assert Credential.objects.get(person=registration.person).source == CredentialSource.COORDINATOR
    registration.refresh_from_db()
    assert registration.credential is None


@pytest.mark.parametrize(
    ("kind", "attendance"),
    [
        (Kind.PHASE_1, Attendance.ATTENDED),
        (Kind.COMMUNITY_OF_PRACTICE, Attendance.ATTENDED),
        (Kind.CONCEPTS, Attendance.ABSENT),
        (Kind.CONCEPTS, Attendance.EXCUSED),
    ],
)
def test_only_attending_a_concepts_training_records_a_credential(curator, kind, attendance):
    registration = RegistrationFactory(training=TrainingFactory(kind=kind, days_ahead=-1))
    _mark(registration, attendance, by=curator)
    assert registration.person.credentials.count() == 0


@pytest.mark.parametrize("unmarked", [Attendance.ABSENT, Attendance.EXCUSED, ""])
def test_unmarking_removes_the_credential_that_attending_recorded(curator, unmarked):
    registration = RegistrationFactory(training=_started_concepts())
    _mark(registration, Attendance.ATTENDED, by=curator)
    assert Credential.objects.filter(person=registration.person).exists()

    outcome = _mark(registration, unmarked, by=curator)

    assert (outcome.changed, outcome.kept) == (1, [])
    assert not Credential.objects.filter(person=registration.person).exists()
    registration.refresh_from_db()
    assert (registration.attendance, registration.credential) == (unmarked, None)


def test_marking_again_after_unmarking_records_the_credential_again(curator):
    registration = RegistrationFactory(training=_started_concepts())
    for value in (Attendance.ATTENDED, Attendance.ABSENT, Attendance.ATTENDED):
        _mark(registration, value, by=curator)
    credential = Credential.objects.get(person=registration.person)
    registration.refresh_from_db()
    assert registration.credential == credential


def test_unmarking_keeps_a_coordinator_recorded_credential_of_the_same_level(curator):
    registration = RegistrationFactory(training=_started_concepts())
    recorded = CredentialFactory(person=registration.person, source=CredentialSource.COORDINATOR)
    _mark(registration, Attendance.ATTENDED, by=curator)

    _mark(registration, Attendance.ABSENT, by=curator)

    assert list(Credential.objects.filter(person=registration.person)) == [recorded]


def test_unmarking_keeps_the_credential_once_an_admin_verified_it_and_says_so(curator):
    registration = RegistrationFactory(
        training=_started_concepts(), person=PersonFactory(display_name="Vera")
    )
    _mark(registration, Attendance.ATTENDED, by=curator)
    credential = Credential.objects.get(person=registration.person)
    credential_verify(credential=credential, verified_by=curator)

    outcome = _mark(registration, Attendance.ABSENT, by=curator)

    assert [str(note) for note in outcome.kept] == [
        "Vera: “Trained in NMT concepts” stays on their record: an admin has verified it."
    ]
    assert Credential.objects.filter(pk=credential.pk).exists()
    registration.refresh_from_db()
    assert registration.credential is None  # attendance's no longer: marking again adds none


def test_unmarking_keeps_the_credential_once_a_coordinator_recorded_it_again(curator, coordinator):
    registration = RegistrationFactory(training=_started_concepts())
    _mark(registration, Attendance.ATTENDED, by=curator)
    credential_record(
        person=registration.person,
        level=CredentialLevel.CONCEPTS,
        model=PracticeModel.NMT,
        earned_on=dt.date(2024, 5, 1),
        source=CredentialSource.COORDINATOR,
        recorded_by=coordinator.user,
    )

    outcome = _mark(registration, Attendance.EXCUSED, by=curator)

    assert len(outcome.kept) == 1
    credential = Credential.objects.get(person=registration.person)
    assert (credential.source, credential.earned_on) == (
        CredentialSource.COORDINATOR,
        dt.date(2024, 5, 1),
    )


def test_unmarking_one_of_two_attended_trainings_moves_the_credential_to_the_other(curator):
    person = PersonFactory()
    earlier = RegistrationFactory(
        training=TrainingFactory(kind=Kind.CONCEPTS, days_ahead=-20), person=person
    )
    later = RegistrationFactory(training=_started_concepts(), person=person)
    _mark(later, Attendance.ATTENDED, by=curator)
    _mark(earlier, Attendance.ATTENDED, by=curator)  # the credential exists: none recorded

    _mark(later, Attendance.ABSENT, by=curator)

    credential = Credential.objects.get(person=person)
    assert credential.earned_on == timezone.localdate(earlier.training.ends_at)
    earlier.refresh_from_db()
    assert earlier.credential == credential
    _mark(earlier, Attendance.ABSENT, by=curator)
    assert not Credential.objects.filter(person=person).exists()


def test_existing_attendance_credentials_are_linked_to_the_attendance_that_recorded_them():
    link_existing = __import__(
        "trainings.migrations.0007_registration_credential_from_attendance", fromlist=["x"]
    ).link_existing
    person = PersonFactory()
    first = RegistrationFactory(
        training=TrainingFactory(kind=Kind.CONCEPTS, days_ahead=-30),
        person=person,
        attendance=Attendance.ATTENDED,
    )
    second = RegistrationFactory(
        training=TrainingFactory(kind=Kind.CONCEPTS, days_ahead=-10),
        person=person,
        attendance=Attendance.ATTENDED,
    )
    credential = CredentialFactory(
        person=person,
        source=CredentialSource.ATTENDANCE,
        earned_on=timezone.localdate(second.training.ends_at),
    )
    coordinators = CredentialFactory(source=CredentialSource.COORDINATOR)
    RegistrationFactory(
        training=first.training, person=coordinators.person, attendance=Attendance.ATTENDED
    )

    link_existing(apps, None)

    assert dict(Registration.objects.exclude(credential=None).values_list("pk", "credential")) == {
        second.pk: credential.pk
    }


# --- Both rosters go through the service ----------------------------------------------------------


@pytest.fixture
def spy(monkeypatch):
    calls = []

    def recording(**kwargs):
        calls.append(kwargs)
        return attendance_mark(**kwargs)

    monkeypatch.setattr(services, "attendance_mark", recording)
    return calls


def test_the_admin_roster_marks_through_the_service(client, curator, spy):
    training = _started_concepts()
    registration = RegistrationFactory(training=training)
    client.force_login(curator)

    response = client.post(
        reverse("admin:trainings_training_roster", args=[training.pk]),
        {f"attendance-{registration.pk}": Attendance.ATTENDED},
        follow=True,
    )

    assert "Attendance saved for 1 person." in response.content.decode()
    assert spy == [
        {
            "training": training,
            "marks": {registration.pk: Attendance.ATTENDED},
            "session_marks": {},
            "marked_by": curator,
            "method": AttendanceMethod.ADMIN,
        }
    ]


def test_the_host_roster_marks_through_the_service(client, coordinator, home_agency, spy):
    training = _started_concepts(host_agency=home_agency)
    registration = RegistrationFactory(training=training)
    client.force_login(coordinator.user)
    url = reverse(
        "trainings:agency_hosted_roster",
        kwargs={"slug": home_agency.slug, "training_slug": training.slug},
    )

    response = client.post(url, {f"attendance-{registration.pk}": Attendance.ABSENT}, follow=True)

    assert "Attendance saved for 1 person." in response.content.decode()
    assert [call["marks"] for call in spy] == [{registration.pk: Attendance.ABSENT}]
    assert spy[0]["marked_by"] == coordinator.user


def test_the_admin_roster_says_why_it_marks_nothing_before_the_start(client, curator):
    training = TrainingFactory(kind=Kind.CONCEPTS)
    registration = _register(training)
    client.force_login(curator)
    url = reverse("admin:trainings_training_roster", args=[training.pk])

    page = client.get(url).content.decode()
    response = client.post(url, {f"attendance-{registration.pk}": "attended"}, follow=True)

    assert "Attendance can be marked once the training has started." in page
    assert f'name="attendance-{registration.pk}"' not in page
    assert NOT_STARTED in response.content.decode()
    registration.refresh_from_db()
    assert registration.attendance == ""
    assert not Credential.objects.exists()


def test_the_host_roster_says_why_it_marks_nothing_before_the_start(
    client, coordinator, home_agency, other_agency
):
    training = TrainingFactory(kind=Kind.CONCEPTS, host_agency=home_agency)
    guest = _register(training, member(other_agency, name="Visiting Teacher"))
    client.force_login(coordinator.user)
    url = reverse(
        "trainings:agency_hosted_roster",
        kwargs={"slug": home_agency.slug, "training_slug": training.slug},
    )

    page = client.get(url).content.decode()
    response = client.post(url, {f"attendance-{guest.pk}": "attended"}, follow=True)

    assert "Attendance can be marked once the training has started." in page
    assert "Save attendance" not in page
    assert response.status_code == 200
    assert NOT_STARTED in response.content.decode()
    guest.refresh_from_db()
    assert (guest.attendance, guest.status) == ("", RegistrationStatus.CONFIRMED)
    assert not Credential.objects.exists()
