"""Reminders are rows with a due time: when they are due, and what the dispatcher does with them.

The services take ``now``, so most tests here run on fixed dates around the DST changes of
America/Los_Angeles (the portal's zone). "Days before" keep the local time of day; "hours
before" are exact hours.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.models import OutboxEmail
from resources.models import Resource, ResourceStatus
from tests.factories import TrainingFactory, pacific
from tests.trainings.factories import eligible_person
from trainings.models import (
    FOLLOW_UP,
    PRACTICE_FOLLOW_UP,
    Format,
    Kind,
    Registration,
    RegistrationStatus,
    ReminderPolicy,
    ReminderState,
    Session,
)
from trainings.services import (
    registration_cancel,
    registration_create,
    training_cancel,
    training_sync_schedule,
)
from trainings.services.reminders import reminders_enqueue_due

pytestmark = pytest.mark.django_db

SCHEDULED = ReminderState.SCHEDULED


def local(moment: dt.datetime) -> dt.datetime:
    """The wall-clock time in the portal's zone, without the zone (to compare local days)."""
    return timezone.localtime(moment).replace(tzinfo=None)


def training_at(start: dt.datetime, *, hours: int = 6, **fields):
    return TrainingFactory(sessions=[(start, start + dt.timedelta(hours=hours))], **fields)


def register(training, *, now: dt.datetime, person=None) -> Registration:
    return registration_create(
        training=training, person=person or eligible_person(training), now=now
    )


def due_times(registration: Registration, *, state=SCHEDULED) -> dict[str, dt.datetime]:
    """Each reminder's due time, in the portal's zone (compare with ``pacific(...)``)."""
    return {
        r.kind: timezone.localtime(r.due_at)
        for r in registration.reminders.filter(state=state).order_by("kind")
    }


def reminder_emails() -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(kind="training_reminder"))


# --- When reminders are due -----------------------------------------------------------------------


def test_a_confirmed_seat_gets_7_day_and_1_day_reminders_and_a_follow_up_by_default():
    training = training_at(pacific(2027, 2, 17, 9))  # A Wednesday.

    registration = register(training, now=pacific(2027, 1, 20, 12))

    assert due_times(registration) == {
        "7d": pacific(2027, 2, 10, 9),
        "1d": pacific(2027, 2, 16, 9),
        # 10:00 on the day after the last session.
        FOLLOW_UP: pacific(2027, 2, 18, 10),
    }


def test_a_reminder_one_day_before_a_session_after_the_november_change_keeps_the_local_time():
    # DST ends on Sunday 1 November 2026 at 2:00; a session on that Sunday at 9:00 (PST).
    start = pacific(2026, 11, 1, 9)
    registration = register(training_at(start), now=pacific(2026, 10, 1, 12))

    due = registration.reminders.get(kind="1d").due_at
    assert timezone.localtime(due) == pacific(2026, 10, 31, 9)  # 9:00 PDT the day before…
    assert start - due == dt.timedelta(hours=25)  # …which is 25 hours, not 24, before.


def test_reminders_for_the_monday_after_the_november_change_are_at_9_local():
    start = pacific(2026, 11, 2, 9)  # Monday, 9:00 PST.
    registration = register(training_at(start), now=pacific(2026, 10, 1, 12))

    assert due_times(registration)["1d"] == pacific(2026, 11, 1, 9)  # Sunday, after the change.
    assert due_times(registration)["7d"] == pacific(2026, 10, 26, 9)  # Monday, still PDT.
    assert start - registration.reminders.get(kind="7d").due_at == dt.timedelta(hours=7 * 24 + 1)


def test_a_reminder_across_the_march_change_is_23_hours_early_in_utc():
    # DST starts on Sunday 14 March 2027 at 2:00; a session that Sunday at 9:00 (PDT).
    start = pacific(2027, 3, 14, 9)
    registration = register(training_at(start), now=pacific(2027, 2, 1, 12))

    due = registration.reminders.get(kind="1d").due_at
    assert timezone.localtime(due) == pacific(2027, 3, 13, 9)
    assert start - due == dt.timedelta(hours=23)


def test_the_dispatcher_sends_the_reminder_across_the_change_at_9_local_not_an_hour_off():
    start = pacific(2026, 11, 1, 9)  # Sunday, 9:00 PST, hours after the change.
    register(training_at(start), now=pacific(2026, 10, 29, 12))  # Only the 1-day one is ahead.

    assert reminders_enqueue_due(now=pacific(2026, 10, 31, 8, 59)) == 0
    assert reminders_enqueue_due(now=pacific(2026, 10, 31, 9, 0)) == 1
    (email,) = reminder_emails()
    assert "Sun, Nov 1" in email.subject


def test_hours_offsets_are_exact_hours():
    training = training_at(pacific(2026, 11, 1, 9), reminder_offsets="2h, 26h")

    registration = register(training, now=pacific(2026, 10, 1, 12))

    assert due_times(registration) == {
        "2h": pacific(2026, 11, 1, 7),
        # 26 hours before 9:00 PST on the day DST ends is 8:00 PDT the day before.
        "26h": pacific(2026, 10, 31, 8),
        FOLLOW_UP: pacific(2026, 11, 2, 10),
    }


def test_a_registration_made_5_days_before_gets_the_1_day_reminder_only():
    start = pacific(2027, 2, 17, 9)

    registration = register(training_at(start), now=start - dt.timedelta(days=5))

    assert set(due_times(registration)) == {"1d", FOLLOW_UP}
    assert not registration.reminders.filter(kind="7d").exists()


def test_a_waitlisted_person_gets_reminders_once_promoted():
    training = training_at(pacific(2027, 2, 17, 9), capacity=1)
    now = pacific(2027, 1, 20, 12)
    first = register(training, now=now)
    waiting = register(training, now=now)
    assert waiting.status == RegistrationStatus.WAITLISTED
    assert not waiting.reminders.exists()

    # Promoted 5 days before: the 7-day reminder's time has passed.
    registration_cancel(
        registration=first, cancelled_by=first.person.user, now=pacific(2027, 2, 12, 12)
    )

    assert set(due_times(waiting)) == {"1d", FOLLOW_UP}
    assert set(due_times(first, state=ReminderState.CANCELLED)) == {"7d", "1d", FOLLOW_UP}


# --- Policies -----------------------------------------------------------------------------------


def test_a_kind_policy_sets_the_offsets_and_a_training_overrides_it():
    ReminderPolicy.objects.create(kind=Kind.PHASE_1, offsets="3d, 2h")
    start = pacific(2027, 2, 17, 9)
    now = pacific(2027, 1, 20, 12)

    by_policy = register(training_at(start, kind=Kind.PHASE_1), now=now)
    overridden = register(training_at(start, kind=Kind.PHASE_1, reminder_offsets="1d"), now=now)
    other_kind = register(training_at(start, kind=Kind.CONCEPTS), now=now)

    assert due_times(by_policy) == {
        "3d": pacific(2027, 2, 14, 9),
        "2h": pacific(2027, 2, 17, 7),
        FOLLOW_UP: pacific(2027, 2, 18, 10),
        # Phase I and II also ask attendees, 30 days on, what they have put into practice.
        PRACTICE_FOLLOW_UP: pacific(2027, 3, 19, 10),
    }
    assert set(due_times(overridden)) == {"1d", FOLLOW_UP, PRACTICE_FOLLOW_UP}
    assert set(due_times(other_kind)) == {"7d", "1d", FOLLOW_UP}


def test_an_empty_policy_means_no_reminders_for_that_kind_but_the_follow_up():
    ReminderPolicy.objects.create(kind=Kind.COMMUNITY_OF_PRACTICE, offsets="")
    training = training_at(pacific(2027, 2, 17, 9), kind=Kind.COMMUNITY_OF_PRACTICE)

    registration = register(training, now=pacific(2027, 1, 20, 12))

    assert set(due_times(registration)) == {FOLLOW_UP}


# --- Moves and cancellations --------------------------------------------------------------------


def _move(training, delta: dt.timedelta) -> None:
    """Move every session, as the admin does, then let the service resync the training."""
    for session in training.sessions.all():
        Session.objects.filter(pk=session.pk).update(
            starts_at=session.starts_at + delta, ends_at=session.ends_at + delta
        )
    training_sync_schedule(training=training)


def test_a_training_rescheduled_by_14_days_moves_its_reminders():
    # Rescheduling runs on the real clock: a training 20 days from now, moved to 34 days.
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=20)
    training = training_at(start)
    registration = registration_create(training=training, person=eligible_person(training))
    before = {kind: local(due) for kind, due in due_times(registration).items()}
    ids = set(registration.reminders.values_list("pk", flat=True))

    _move(training, dt.timedelta(days=14))

    after = {kind: local(due) for kind, due in due_times(registration).items()}
    assert set(after) == {"7d", "1d", FOLLOW_UP}
    # The same rows, each 14 local days later (the same local time of day, across any DST change).
    assert set(registration.reminders.values_list("pk", flat=True)) == ids
    assert {kind: after[kind] - before[kind] for kind in after} == {
        kind: dt.timedelta(days=14) for kind in after
    }
    # The person is told about the new dates.
    assert OutboxEmail.objects.filter(kind="training_changed").count() == 1


def test_a_training_moved_closer_cancels_the_reminders_whose_time_has_passed():
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=20)
    training = training_at(start)
    registration = registration_create(training=training, person=eligible_person(training))

    _move(training, -dt.timedelta(days=17))  # Now 3 days from now.

    assert set(due_times(registration)) == {"1d", FOLLOW_UP}
    assert set(due_times(registration, state=ReminderState.CANCELLED)) == {"7d"}


def test_a_cancelled_registration_gets_no_reminder():
    start = pacific(2027, 2, 17, 9)
    registration = register(training_at(start), now=pacific(2027, 1, 20, 12))

    registration_cancel(
        registration=registration,
        cancelled_by=registration.person.user,
        now=pacific(2027, 1, 21, 12),
    )

    assert set(due_times(registration, state=ReminderState.CANCELLED)) == {"7d", "1d", FOLLOW_UP}
    assert reminders_enqueue_due(now=start + dt.timedelta(days=2)) == 0
    assert not OutboxEmail.objects.filter(kind__in=["training_reminder", "training_follow_up"])


def test_a_cancelled_training_sends_no_reminder():
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=20)
    training = training_at(start)
    registration = registration_create(training=training, person=eligible_person(training))

    training_cancel(training=training)

    assert not due_times(registration)
    assert reminders_enqueue_due(now=start + dt.timedelta(days=2)) == 0
    assert reminder_emails() == []


def test_the_dispatcher_checks_the_registration_again_before_sending():
    """A scheduled reminder whose registration was cancelled by some other path is dropped."""
    start = pacific(2027, 2, 17, 9)
    registration = register(training_at(start), now=pacific(2027, 1, 20, 12))
    Registration.objects.filter(pk=registration.pk).update(status=RegistrationStatus.CANCELLED)

    assert reminders_enqueue_due(now=pacific(2027, 2, 16, 9)) == 0

    assert reminder_emails() == []
    assert set(due_times(registration, state=ReminderState.CANCELLED)) == {"7d", "1d"}


# --- Late and on time -----------------------------------------------------------------------------


def test_a_reminder_more_than_12_hours_late_is_missed_and_not_sent():
    start = pacific(2027, 2, 17, 9)
    registration = register(training_at(start), now=pacific(2027, 2, 1, 12))
    seven = registration.reminders.get(kind="7d")
    one = registration.reminders.get(kind="1d")

    # The dispatcher was down for a while: it comes back 12 h 1 min after the 7-day reminder was
    # due, and 11 h 59 min before the 1-day one is.
    queued = reminders_enqueue_due(now=seven.due_at + dt.timedelta(hours=12, minutes=1))
    assert queued == 0
    seven.refresh_from_db()
    assert seven.state == ReminderState.MISSED

    # Just inside the grace period: still sent.
    assert reminders_enqueue_due(now=one.due_at + dt.timedelta(hours=11, minutes=59)) == 1
    one.refresh_from_db()
    assert one.state == ReminderState.SENT
    (email,) = reminder_emails()
    assert email.dedupe_key == f"reminder:{one.pk}"


def test_a_reminder_is_queued_once_however_often_the_dispatcher_runs():
    start = pacific(2027, 2, 17, 9)
    register(training_at(start), now=pacific(2027, 2, 1, 12))

    runs = [reminders_enqueue_due(now=pacific(2027, 2, 16, 9, minute)) for minute in range(5)]

    assert runs == [1, 0, 0, 0, 0]
    assert len(reminder_emails()) == 1


# --- What the reminder says -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("format_", "carries_link"),
    [(Format.ONLINE, True), (Format.HYBRID, True), (Format.IN_PERSON, False)],
)
def test_only_online_and_hybrid_reminders_carry_the_join_link(format_, carries_link):
    """The join link is the portal's door to the meeting (it checks the attendee in), never
    the meeting's own address."""
    meeting = "https://meet.example.org/nmt-cohort-7"
    start = pacific(2027, 2, 17, 9)
    # The in-person training has a link on file too (left over from an online plan): never sent.
    training = training_at(start, format=format_, online_url=meeting)
    register(training, now=pacific(2027, 2, 1, 12))
    link = f"/trainings/{training.slug}/join/"

    reminders_enqueue_due(now=pacific(2027, 2, 16, 9))

    (email,) = reminder_emails()
    assert (link in email.body_text) is carries_link
    assert (link in email.body_html) is carries_link
    assert meeting not in email.body_text
    assert meeting not in email.body_html
    # Pacific time with the zone named, and the calendar file attached.
    assert "PST" in email.body_text
    assert [a["filename"] for a in email.attachments] == [f"{training.slug}.ics"]


def test_the_day_after_follow_up_links_the_published_materials():
    start = pacific(2027, 2, 17, 9)
    training = training_at(start)
    registration = register(training, now=pacific(2027, 2, 1, 12))
    published = Resource.objects.create(
        title="Regulation worksheet", slug="regulation-worksheet", summary="A worksheet.",
        kind="worksheet", external_url="https://example.org/worksheet",
        status=ResourceStatus.PUBLISHED, published_at=pacific(2027, 1, 1),
    )  # fmt: skip
    draft = Resource.objects.create(
        title="Unfinished slides", slug="unfinished-slides", summary="Not ready.",
        kind="slides", external_url="https://example.org/slides", status=ResourceStatus.DRAFT,
    )  # fmt: skip
    published.trainings.add(training)
    draft.trainings.add(training)

    assert reminders_enqueue_due(now=pacific(2027, 2, 18, 9, 59)) == 0  # Not due yet.
    queued = reminders_enqueue_due(now=pacific(2027, 2, 18, 10))

    assert queued == 1
    follow_up = registration.reminders.get(kind=FOLLOW_UP)
    assert follow_up.state == ReminderState.SENT
    email = OutboxEmail.objects.get(kind="training_follow_up")
    assert email.dedupe_key == f"reminder:{follow_up.pk}"
    assert email.to == [registration.person.user.email]
    assert "Regulation worksheet" in email.body_text
    assert reverse("resources:detail", args=["regulation-worksheet"]) in email.body_text
    assert "Unfinished slides" not in email.body_text


def test_the_follow_ups_of_a_whole_cohort_read_its_materials_once():
    training = training_at(pacific(2027, 2, 17, 9), capacity=30)
    for _ in range(12):
        register(training, now=pacific(2027, 2, 1, 12))
    material = Resource.objects.create(
        title="Regulation worksheet", slug="regulation-worksheet", summary="A worksheet.",
        kind="worksheet", external_url="https://example.org/worksheet",
        status=ResourceStatus.PUBLISHED, published_at=pacific(2027, 1, 1),
    )  # fmt: skip
    material.trainings.add(training)

    with CaptureQueriesContext(connection) as queries:
        assert reminders_enqueue_due(now=pacific(2027, 2, 18, 10)) == 12

    reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "resources_resource"')]
    assert len(reads) == 1, reads
    assert (
        OutboxEmail.objects.filter(
            kind="training_follow_up", body_text__contains="Regulation worksheet"
        ).count()
        == 12
    )


# --- Admin ----------------------------------------------------------------------------------------


def test_the_reminder_changelist_filters_by_state(admin_client):
    start = pacific(2027, 2, 17, 9)
    registration = register(training_at(start), now=pacific(2027, 2, 1, 12))
    registration.reminders.filter(kind="7d").update(state=ReminderState.MISSED)

    response = admin_client.get(
        reverse("admin:trainings_reminder_changelist"), {"state__exact": "missed"}
    )

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert "?state__exact=scheduled" in response.content.decode()


def test_one_dispatcher_run_builds_a_trainings_calendar_file_once(monkeypatch):
    """The .ics of a training is built once per run, however many reminders carry it, and
    every reminder still has it attached."""
    from trainings import emails

    training = training_at(pacific(2027, 2, 17, 9))
    for _ in range(3):
        register(training, now=pacific(2027, 1, 20, 12))
    built = []
    real = emails.ics.build_calendar
    monkeypatch.setattr(
        emails.ics, "build_calendar", lambda *a, **k: built.append(1) or real(*a, **k)
    )

    queued = reminders_enqueue_due(now=pacific(2027, 2, 10, 9, 1))

    assert queued == 3
    assert len(built) == 1
    assert all(
        [a["filename"] for a in email.attachments] == [f"{training.slug}.ics"]
        for email in reminder_emails()
    )
