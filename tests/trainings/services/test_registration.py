"""The registration services: every rule about seats, the waitlist, and what they send."""

import datetime as dt

import icalendar
import pytest
from django.db import transaction
from django.utils import timezone

from community.services import account_delete
from members.models import CredentialLevel, Person, PracticeModel
from tests.factories import CredentialFactory, PersonFactory, TrainingFactory, UserFactory
from tests.trainings.factories import RegistrationFactory, member
from trainings.models import Attendance, Kind, Model, Registration, RegistrationStatus, Status
from trainings.selectors import waitlist_position
from trainings.services import (
    RegistrationError,
    TrainingError,
    registration_cancel,
    registration_create,
    registration_create_batch,
    registration_substitute,
    training_cancel,
    training_save,
)

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
CONFIRMED = RegistrationStatus.CONFIRMED
WAITLISTED = RegistrationStatus.WAITLISTED
CANCELLED = RegistrationStatus.CANCELLED
PHASE_1_MISSING = "This training requires “Phase I certified” (NMT) on your record."
CONCEPTS_MISSING = "This training requires “Trained in NMT concepts” (NMT) on your record."


def _register(training, person=None, **kwargs) -> Registration:
    return registration_create(training=training, person=person or PersonFactory(), **kwargs)


def _statuses(training) -> list[str]:
    return list(training.registrations.in_arrival_order().values_list("status", flat=True))


def _seats(training) -> int:
    training.refresh_from_db()
    assert training.seats_taken == training.registrations.confirmed().count()
    return training.seats_taken


def _start_now(training) -> None:
    """Make the training start an hour ago (it still runs for a few hours)."""
    training.sessions.update(starts_at=timezone.now() - HOUR)
    type(training).objects.filter(pk=training.pk).update(starts_at=timezone.now() - HOUR)
    training.refresh_from_db()


# --- Seats and the waitlist -------------------------------------------------------------------


def test_registration_confirms_while_seats_last_then_waitlists():
    training = TrainingFactory(capacity=2)
    first, second, third = (_register(training) for _ in range(3))
    assert (first.status, second.status, third.status) == (CONFIRMED, CONFIRMED, WAITLISTED)
    assert first.confirmed_at is not None
    assert third.confirmed_at is None
    assert _seats(training) == 2
    assert waitlist_position(third) == 1


def test_registration_records_who_registered_whom_and_for_which_agency(home_agency, coordinator):
    training = TrainingFactory()
    person = member(home_agency)
    registration = _register(training, person, agency=home_agency, registered_by=coordinator.user)
    assert registration.agency == home_agency
    assert registration.registered_by == coordinator.user
    assert registration.arrived_at == registration.confirmed_at


def test_a_double_submit_returns_the_same_registration(training):
    person = PersonFactory()
    first = _register(training, person)
    again = _register(training, person)
    assert again.pk == first.pk
    assert training.registrations.count() == 1
    assert _seats(training) == 1


def test_a_double_submit_on_the_waitlist_keeps_the_place():
    training = TrainingFactory(capacity=1)
    _register(training)
    person = PersonFactory()
    first = _register(training, person)
    again = _register(training, person)
    assert (again.pk, again.status) == (first.pk, WAITLISTED)
    assert training.registrations.count() == 2


def test_a_person_who_cancelled_may_register_again(training):
    person = PersonFactory()
    registration_cancel(registration=_register(training, person), cancelled_by=person.user)
    again = _register(training, person)
    assert again.status == CONFIRMED
    assert training.registrations.filter(person=person).count() == 2
    assert _seats(training) == 1


# --- When registration is open ----------------------------------------------------------------


def test_registration_is_refused_before_it_opens():
    opens = timezone.now() + 2 * DAY
    training = TrainingFactory(registration_opens_at=opens)
    expected = timezone.localtime(opens).strftime("%b %-d, %Y")
    with pytest.raises(RegistrationError, match=f"Registration opens on {expected}."):
        _register(training)
    assert not Registration.objects.exists()


def test_registration_is_refused_after_it_closes():
    training = TrainingFactory(registration_closes_at=timezone.now() - HOUR)
    with pytest.raises(RegistrationError, match="Registration has closed"):
        _register(training)
    assert not Registration.objects.exists()


def test_registration_is_accepted_between_opening_and_closing():
    now = timezone.now()
    training = TrainingFactory(registration_opens_at=now - DAY, registration_closes_at=now + DAY)
    assert _register(training).status == CONFIRMED


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: TrainingFactory(status=Status.CANCELLED), "This training has been cancelled."),
        (
            lambda: TrainingFactory(status=Status.DRAFT),
            "This training is not open for registration.",
        ),
        (lambda: TrainingFactory(days_ahead=-30), "This training has already started."),
    ],
    ids=["cancelled", "draft", "past"],
)
def test_registration_is_refused_for_a_training_that_is_not_open(make, reason):
    training = make()
    with pytest.raises(RegistrationError, match=reason):
        _register(training)
    with pytest.raises(RegistrationError, match=reason):
        registration_create_batch(
            training=training, agency=None, people=[PersonFactory()], registered_by=None
        )
    assert not Registration.objects.exists()


def test_registration_is_refused_once_the_training_has_started(training):
    _start_now(training)
    with pytest.raises(RegistrationError, match="This training has already started"):
        _register(training)


# --- Credentials ------------------------------------------------------------------------------


def test_phase_2_requires_phase_1_by_default_and_says_so():
    training = TrainingFactory(kind=Kind.PHASE_2)
    person = PersonFactory()
    CredentialFactory(person=person, level=CredentialLevel.CONCEPTS)
    CredentialFactory(person=person, level=CredentialLevel.PHASE_1, model=PracticeModel.NME)
    with pytest.raises(RegistrationError) as error:
        _register(training, person)
    assert error.value.message == PHASE_1_MISSING
    assert not Registration.objects.exists()


@pytest.mark.parametrize("level", [CredentialLevel.PHASE_1, CredentialLevel.MENTOR])
def test_phase_2_accepts_phase_1_or_a_higher_stage_of_the_same_model(level):
    training = TrainingFactory(kind=Kind.PHASE_2)
    person = PersonFactory()
    CredentialFactory(person=person, level=level, model=PracticeModel.NMT)
    assert _register(training, person).status == CONFIRMED


def test_a_required_level_overrides_the_default():
    concepts_needed = TrainingFactory(
        kind=Kind.PHASE_2, required_level=CredentialLevel.CONCEPTS, model=Model.NME
    )
    person = PersonFactory()
    CredentialFactory(person=person, level=CredentialLevel.CONCEPTS, model=PracticeModel.NME)
    assert _register(concepts_needed, person).status == CONFIRMED

    community = TrainingFactory(
        kind=Kind.COMMUNITY_OF_PRACTICE, required_level=CredentialLevel.PHASE_1
    )
    with pytest.raises(RegistrationError, match="Phase I certified"):
        _register(community, person)


def test_a_training_with_no_requirement_is_open_to_anyone(training):
    assert training.effective_required_level == ""
    assert _register(training).status == CONFIRMED


def _concepts_holder(agency=None) -> Person:
    person = member(agency) if agency else PersonFactory()
    CredentialFactory(person=person, level=CredentialLevel.CONCEPTS)
    return person


def _phase_1(*, full: bool, **fields):
    """A Phase I training with one seat, taken (``full``) or free."""
    training = TrainingFactory(kind=Kind.PHASE_1, capacity=1, **fields)
    if full:
        _register(training, _concepts_holder())
    return training


def test_phase_1_requires_the_concepts_training_by_default():
    assert TrainingFactory(kind=Kind.PHASE_1).effective_required_level == CredentialLevel.CONCEPTS
    assert _register(_phase_1(full=False), _concepts_holder()).status == CONFIRMED


@pytest.mark.parametrize("full", [False, True], ids=["seat-free", "full"])
def test_the_prerequisite_holds_for_a_seat_and_the_waitlist_alike(full):
    training = _phase_1(full=full)
    with pytest.raises(RegistrationError) as error:
        _register(training, PersonFactory())
    assert error.value.message == CONCEPTS_MISSING
    assert training.registrations.count() == int(full)


@pytest.mark.parametrize("full", [False, True], ids=["seat-free", "full"])
def test_a_batch_skips_people_without_the_prerequisite_for_a_seat_or_the_waitlist(
    full, home_agency, coordinator
):
    training = _phase_1(full=full)
    eligible, missing = _concepts_holder(home_agency), member(home_agency)

    outcomes = registration_create_batch(
        training=training, agency=home_agency, people=[missing, eligible],
        registered_by=coordinator.user,
    )  # fmt: skip

    assert [(o.person, o.reason) for o in outcomes] == [(missing, CONCEPTS_MISSING), (eligible, "")]
    assert outcomes[1].registration.status == (WAITLISTED if full else CONFIRMED)


@pytest.mark.parametrize("full", [False, True], ids=["seat", "waitlist-place"])
def test_a_seat_or_a_waitlist_place_is_not_handed_to_someone_without_the_prerequisite(
    full, home_agency, coordinator
):
    training = _phase_1(full=full)
    original = _register(training, _concepts_holder(home_agency), agency=home_agency)
    with pytest.raises(RegistrationError) as error:
        registration_substitute(
            registration=original, person=member(home_agency), substituted_by=coordinator.user
        )
    assert error.value.message == CONCEPTS_MISSING
    original.refresh_from_db()
    assert original.status == (WAITLISTED if full else CONFIRMED)


def test_promotion_passes_over_someone_who_lost_the_prerequisite_who_keeps_their_place():
    training = _phase_1(full=False)
    seated = _register(training, _concepts_holder())
    lapsed = _register(training, _concepts_holder())
    behind = _register(training, _concepts_holder())
    lapsed.person.credentials.all().delete()

    registration_cancel(registration=seated, cancelled_by=seated.person.user)

    lapsed.refresh_from_db()
    behind.refresh_from_db()
    assert (lapsed.status, behind.status) == (WAITLISTED, CONFIRMED)
    assert waitlist_position(lapsed) == 1
    # Back on their record, the next freed seat is theirs.
    CredentialFactory(person=lapsed.person, level=CredentialLevel.CONCEPTS)
    registration_cancel(registration=behind, cancelled_by=behind.person.user)
    lapsed.refresh_from_db()
    assert lapsed.status == CONFIRMED
    assert _seats(training) == 1


# --- Agency seat cap --------------------------------------------------------------------------


def test_an_agency_cannot_take_more_than_its_seats_confirmed_or_waitlisted(
    home_agency, other_agency
):
    training = TrainingFactory(capacity=1, agency_seat_cap=2)
    staff = [member(home_agency) for _ in range(3)]
    _register(training, staff[0], agency=home_agency)
    waitlisted = _register(training, staff[1], agency=home_agency)
    assert waitlisted.status == WAITLISTED
    with pytest.raises(RegistrationError, match="Bayside Clinic has used its 2 seats"):
        _register(training, staff[2], agency=home_agency)
    # Another agency, and a cancelled place, are not counted.
    assert _register(training, member(other_agency), agency=other_agency).status == WAITLISTED
    registration_cancel(registration=waitlisted, cancelled_by=staff[1].user)
    assert _register(training, staff[2], agency=home_agency).status == WAITLISTED


def test_a_batch_stops_at_the_agency_seat_cap_with_the_reason(home_agency, coordinator):
    training = TrainingFactory(agency_seat_cap=2)
    staff = [member(home_agency, name=f"Staff {n}") for n in range(3)]
    _register(training, coordinator, agency=home_agency)
    outcomes = registration_create_batch(
        training=training, agency=home_agency, people=staff, registered_by=coordinator.user
    )
    assert [o.registration.status if o.registration else o.reason for o in outcomes] == [
        CONFIRMED,
        "Bayside Clinic has used its 2 seats for this training.",
        "Bayside Clinic has used its 2 seats for this training.",
    ]
    assert training.registrations.filter(agency=home_agency).count() == 2


# --- Batches ----------------------------------------------------------------------------------


def test_a_batch_skips_people_already_registered_or_not_eligible_with_the_reason(
    home_agency, coordinator
):
    training = TrainingFactory(kind=Kind.PHASE_2, capacity=2)
    ana, ben, cat, dan = (member(home_agency, name=n) for n in ("Ana", "Ben", "Cat", "Dan"))
    for person in (ana, ben, dan):
        CredentialFactory(person=person, level=CredentialLevel.PHASE_1)
    _register(training, ben)

    outcomes = registration_create_batch(
        training=training,
        agency=home_agency,
        people=[ana, ben, cat, dan],
        registered_by=coordinator.user,
    )

    summary = [
        (o.person, o.registration.status if o.registration else None, o.reason) for o in outcomes
    ]
    assert summary == [
        (ana, CONFIRMED, ""),
        (ben, None, "Already registered."),
        (cat, None, PHASE_1_MISSING),
        (dan, WAITLISTED, ""),
    ]
    assert outcomes[0].registration.registered_by == coordinator.user
    assert outcomes[0].registration.agency == home_agency
    assert _seats(training) == 2
    assert training.registrations.count() == 3


def test_a_batch_naming_someone_twice_registers_them_once(home_agency, coordinator):
    training = TrainingFactory()
    ana = member(home_agency)
    outcomes = registration_create_batch(
        training=training, agency=home_agency, people=[ana, ana], registered_by=coordinator.user
    )
    assert [o.reason for o in outcomes] == ["", "Already registered."]
    assert training.registrations.count() == 1


# --- Cancelling and promotion -----------------------------------------------------------------


def test_cancelling_a_seat_promotes_the_first_on_the_waitlist():
    training = TrainingFactory(capacity=2)
    seated = [_register(training) for _ in range(2)]
    waiting = [_register(training) for _ in range(3)]

    cancelled = registration_cancel(registration=seated[1], cancelled_by=seated[1].person.user)

    assert cancelled.status == CANCELLED
    assert cancelled.cancelled_at is not None
    assert cancelled.cancelled_by == seated[1].person.user
    for registration in waiting:
        registration.refresh_from_db()
    assert [r.status for r in waiting] == [CONFIRMED, WAITLISTED, WAITLISTED]
    assert waiting[0].confirmed_at >= cancelled.cancelled_at
    assert [waitlist_position(r) for r in waiting[1:]] == [1, 2]
    assert _seats(training) == 2


def test_leaving_the_waitlist_frees_no_seat():
    training = TrainingFactory(capacity=1)
    _register(training)
    first, second = _register(training), _register(training)
    registration_cancel(registration=first, cancelled_by=first.person.user)
    second.refresh_from_db()
    assert second.status == WAITLISTED
    assert waitlist_position(second) == 1
    assert _seats(training) == 1


def test_cancelling_twice_changes_nothing(django_capture_on_commit_callbacks, mailoutbox):
    training = TrainingFactory(capacity=1)
    registration = _register(training)
    waiting = [_register(training) for _ in range(2)]
    registration_cancel(registration=registration, cancelled_by=registration.person.user)
    first = Registration.objects.get(pk=registration.pk)

    with django_capture_on_commit_callbacks(execute=True):
        again = registration_cancel(registration=registration, cancelled_by=None)

    assert again.status == CANCELLED
    assert (again.cancelled_at, again.cancelled_by) == (first.cancelled_at, first.cancelled_by)
    assert [r.status for r in Registration.objects.filter(pk__in=[w.pk for w in waiting])] == [
        CONFIRMED,
        WAITLISTED,
    ]
    assert _seats(training) == 1
    assert mailoutbox == []


def test_cancelling_is_refused_once_the_training_has_started(training):
    registration = _register(training)
    _start_now(training)
    with pytest.raises(RegistrationError, match="can no longer be cancelled"):
        registration_cancel(registration=registration, cancelled_by=registration.person.user)
    registration.refresh_from_db()
    assert registration.status == CONFIRMED
    assert _seats(training) == 1


def test_raising_capacity_promotes_the_waitlist_in_order():
    training = TrainingFactory(capacity=1)
    _register(training)
    waiting = [_register(training) for _ in range(3)]

    # The admin edits a copy loaded before these seats were taken: its counter is stale.
    edited = type(training).objects.get(pk=training.pk)
    edited.seats_taken = 0
    edited.capacity = 3
    training_save(training=edited)

    assert [r.status for r in Registration.objects.filter(pk__in=[w.pk for w in waiting])] == [
        CONFIRMED,
        CONFIRMED,
        WAITLISTED,
    ]
    assert _seats(training) == 3
    assert training.capacity == 3


def test_lowering_capacity_below_the_confirmed_seats_is_refused():
    training = TrainingFactory(capacity=3)
    for _ in range(2):
        _register(training)
    edited = type(training).objects.get(pk=training.pk)
    edited.seats_taken = 0  # a stale copy must not let it through
    edited.capacity = 1
    with pytest.raises(
        TrainingError, match="Capacity cannot be lower than the 2 seats already confirmed"
    ):
        training_save(training=edited)
    training.refresh_from_db()
    assert training.capacity == 3

    edited = type(training).objects.get(pk=training.pk)
    edited.capacity = 2
    training_save(training=edited)
    training.refresh_from_db()
    assert (training.capacity, training.seats_taken) == (2, 2)


# --- Substitution -----------------------------------------------------------------------------


def test_a_substitute_keeps_the_seat_and_the_arrival_time(home_agency, coordinator):
    training = TrainingFactory(capacity=1)
    leaving, arriving = member(home_agency), member(home_agency)
    original = _register(training, leaving, agency=home_agency)
    waiting = _register(training)

    substitute = registration_substitute(
        registration=original, person=arriving, substituted_by=coordinator.user
    )

    assert substitute.person == arriving
    assert substitute.status == CONFIRMED
    assert substitute.arrived_at == original.arrived_at
    assert substitute.agency == home_agency
    assert substitute.registered_by == coordinator.user
    original.refresh_from_db()
    assert (original.status, original.cancelled_by) == (CANCELLED, coordinator.user)
    waiting.refresh_from_db()
    assert waiting.status == WAITLISTED  # the seat never came free
    assert _seats(training) == 1


def test_a_substitute_on_the_waitlist_keeps_the_place(home_agency, coordinator):
    training = TrainingFactory(capacity=1)
    _register(training)
    original = _register(training, member(home_agency), agency=home_agency)
    behind = _register(training)
    substitute = registration_substitute(
        registration=original, person=member(home_agency), substituted_by=coordinator.user
    )
    assert substitute.status == WAITLISTED
    assert waitlist_position(substitute) == 1
    assert waitlist_position(behind) == 2


def test_a_substitute_must_be_eligible(home_agency, coordinator):
    training = TrainingFactory(kind=Kind.PHASE_2)
    leaving, arriving = member(home_agency), member(home_agency)
    CredentialFactory(person=leaving, level=CredentialLevel.PHASE_1)
    original = _register(training, leaving, agency=home_agency)
    with pytest.raises(RegistrationError) as error:
        registration_substitute(
            registration=original, person=arriving, substituted_by=coordinator.user
        )
    assert error.value.message == PHASE_1_MISSING
    original.refresh_from_db()
    assert original.status == CONFIRMED
    assert training.registrations.count() == 1


def test_a_substitute_must_not_be_registered_already(home_agency, coordinator):
    training = TrainingFactory()
    leaving = member(home_agency)
    arriving = member(home_agency, name="Already Here")
    original = _register(training, leaving, agency=home_agency)
    _register(training, arriving, agency=home_agency)
    with pytest.raises(RegistrationError, match="Already Here is already registered"):
        registration_substitute(
            registration=original, person=arriving, substituted_by=coordinator.user
        )
    original.refresh_from_db()
    assert original.status == CONFIRMED


def test_a_substitution_is_refused_for_a_cancelled_place_itself_or_a_started_training(
    home_agency, coordinator
):
    training = TrainingFactory()
    leaving, gone = member(home_agency), member(home_agency)
    original = _register(training, leaving, agency=home_agency)
    with pytest.raises(RegistrationError, match="Choose someone else"):
        registration_substitute(
            registration=original, person=leaving, substituted_by=coordinator.user
        )
    cancelled = _register(training, gone, agency=home_agency)
    registration_cancel(registration=cancelled, cancelled_by=gone.user)
    with pytest.raises(RegistrationError, match="Only an active registration"):
        registration_substitute(
            registration=cancelled, person=member(home_agency), substituted_by=coordinator.user
        )
    _start_now(training)
    with pytest.raises(RegistrationError, match="substitutions are closed"):
        registration_substitute(
            registration=original, person=member(home_agency), substituted_by=coordinator.user
        )
    assert training.registrations.active().get() == original


# --- Account deletion -------------------------------------------------------------------------


def test_deleting_an_account_frees_upcoming_seats_and_anonymises_past_ones():
    person = PersonFactory()
    upcoming = TrainingFactory(capacity=1)
    seat = _register(upcoming, person)
    waiting = _register(upcoming)
    past_training = TrainingFactory(days_ahead=-30)
    past = RegistrationFactory(
        training=past_training, person=person, attendance=Attendance.ATTENDED
    )

    account_delete(user=person.user)

    seat.refresh_from_db()
    assert (seat.status, seat.person) == (CANCELLED, None)
    waiting.refresh_from_db()
    assert waiting.status == CONFIRMED
    assert _seats(upcoming) == 1
    past.refresh_from_db()
    assert past.person is None
    assert (past.status, past.attendance) == (CONFIRMED, Attendance.ATTENDED)
    assert _seats(past_training) == 1


# --- Emails -----------------------------------------------------------------------------------


def _sent(mailoutbox, subject_start: str) -> list:
    return [m for m in mailoutbox if m.subject.startswith(subject_start)]


def test_a_confirmation_email_carries_the_calendar_file(
    django_capture_on_commit_callbacks, mailoutbox
):
    start = timezone.now().replace(microsecond=0) + 10 * DAY
    training = TrainingFactory(
        title="Regulate and Relate",
        sessions=[(start, start + 6 * HOUR), (start + DAY, start + DAY + 6 * HOUR)],
    )
    person = PersonFactory(display_name="Ada Lovelace")
    with django_capture_on_commit_callbacks(execute=True):
        _register(training, person)

    (message,) = mailoutbox
    assert message.subject == "You're registered: Regulate and Relate"
    assert message.to == [person.user.email]
    assert "Hello Ada Lovelace," in message.body
    assert "Your seat is confirmed for:" in message.body
    assert message.alternatives[0][1] == "text/html"
    (filename, content, mimetype) = message.attachments[0]
    assert (filename, mimetype) == (f"{training.slug}.ics", "text/calendar")
    events = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert len(events) == 2
    assert all(str(e["SUMMARY"]).startswith("Regulate and Relate") for e in events)
    assert sorted(e.decoded("DTSTART") for e in events) == [start, start + DAY]


def test_a_waitlisted_email_says_the_position(django_capture_on_commit_callbacks, mailoutbox):
    training = TrainingFactory(capacity=1, title="Full House")
    for _ in range(2):
        _register(training)
    with django_capture_on_commit_callbacks(execute=True):
        _register(training)
    (message,) = mailoutbox
    assert message.subject == "You're on the waitlist: Full House"
    assert "you are number 2 on the waitlist" in message.body
    assert not message.attachments


def test_a_promoted_person_is_told_with_the_calendar_file(
    django_capture_on_commit_callbacks, mailoutbox
):
    training = TrainingFactory(capacity=1, title="Second Chance")
    seated = _register(training)
    waiting = _register(training)
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=seated, cancelled_by=seated.person.user)
    (promoted,) = _sent(mailoutbox, "A seat opened up")
    assert promoted.subject == "A seat opened up — you're confirmed: Second Chance"
    assert promoted.to == [waiting.person.user.email]
    assert promoted.attachments[0][0] == f"{training.slug}.ics"
    (cancelled,) = _sent(mailoutbox, "Registration cancelled")
    assert cancelled.to == [seated.person.user.email]


def test_a_cancellation_email_says_who_cancelled(
    django_capture_on_commit_callbacks, mailoutbox, home_agency, coordinator
):
    training = TrainingFactory(title="Who Cancelled")
    own = _register(training, member(home_agency), agency=home_agency)
    theirs = _register(training, member(home_agency), agency=home_agency)
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=own, cancelled_by=own.person.user)
        registration_cancel(registration=theirs, cancelled_by=coordinator.user)

    by_self, by_coordinator = mailoutbox
    assert by_self.subject == "Registration cancelled: Who Cancelled"
    assert by_self.to == [own.person.user.email]
    assert "As you asked, your registration is cancelled for:" in by_self.body
    assert by_coordinator.to == [theirs.person.user.email]
    assert "Cora Coordinator cancelled your registration for:" in by_coordinator.body
    assert "As you asked" not in by_coordinator.body


def test_cancelling_a_training_emails_everyone_registered(
    django_capture_on_commit_callbacks, mailoutbox
):
    training = TrainingFactory(capacity=1, title="Called Off")
    confirmed, waitlisted, gone = _register(training), _register(training), _register(training)
    registration_cancel(registration=gone, cancelled_by=gone.person.user)
    with django_capture_on_commit_callbacks(execute=True):
        training_cancel(training=training)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [confirmed.person.user.email, waitlisted.person.user.email]
    )
    assert {m.subject for m in mailoutbox} == {"Cancelled: Called Off"}
    assert all("this training has been cancelled" in m.body for m in mailoutbox)


def test_emails_wait_for_the_commit_and_a_rolled_back_registration_sends_nothing(
    django_capture_on_commit_callbacks, mailoutbox
):
    training = TrainingFactory()

    def register_then_fail() -> None:
        with transaction.atomic():
            _register(training)
            assert mailoutbox == []  # never sent from inside the transaction
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            register_then_fail()
        with pytest.raises(RegistrationError):
            _register(TrainingFactory(status=Status.DRAFT))
    assert callbacks == []
    assert mailoutbox == []
    assert not Registration.objects.exists()


def test_a_cancellation_by_a_curator_without_a_profile_names_their_address(
    django_capture_on_commit_callbacks, mailoutbox
):
    registration = _register(TrainingFactory())
    curator = UserFactory(email="desk@example.org", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=registration, cancelled_by=curator)
    (message,) = mailoutbox
    assert "desk@example.org cancelled your registration for:" in message.body


def test_a_batch_emails_each_person_registered(
    django_capture_on_commit_callbacks, mailoutbox, home_agency, coordinator
):
    training = TrainingFactory(capacity=1)
    ana, ben = member(home_agency), member(home_agency)
    with django_capture_on_commit_callbacks(execute=True):
        registration_create_batch(
            training=training, agency=home_agency, people=[ana, ben], registered_by=coordinator.user
        )
    assert [(m.to[0], m.subject.split(":")[0]) for m in mailoutbox] == [
        (ana.user.email, "You're registered"),
        (ben.user.email, "You're on the waitlist"),
    ]
