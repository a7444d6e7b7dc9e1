import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from members.models import County, CredentialLevel
from tests.factories import AgencyFactory, PersonFactory, TrainingFactory, pacific
from trainings.models import Format, Kind, Model, Session, Status, Training
from trainings.services import (
    TrainingError,
    training_cancel,
    training_create,
    training_duplicate,
    training_publish,
    training_save,
    training_sync_schedule,
)
from trainings.services.catalogue import DUPLICATE_SKIPPED_FIELDS

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(weeks=1)


def _fields(**overrides) -> dict:
    return {
        "title": "Regulate, Relate, Reason",
        "kind": Kind.CONCEPTS,
        "summary": "The order of engagement after trauma.",
        **overrides,
    }


# --- training_create --------------------------------------------------------------------------


def test_training_create_stores_sessions_and_syncs_first_start_and_last_end():
    day1 = pacific(2030, 3, 4, 9)
    day2 = pacific(2030, 3, 11, 9)
    training = training_create(
        sessions=[(day2, day2 + 7 * HOUR), (day1, day1 + 7 * HOUR)], **_fields()
    )
    training.refresh_from_db()
    assert training.starts_at == day1
    assert training.ends_at == day2 + 7 * HOUR
    assert list(training.sessions.values_list("starts_at", flat=True)) == [day1, day2]
    assert training.status == Status.DRAFT
    assert training.sequence == 0


def test_training_create_derives_a_unique_slug_from_the_title():
    start = pacific(2030, 3, 4, 9)
    first = training_create(sessions=[(start, start + HOUR)], **_fields())
    second = training_create(sessions=[(start, start + HOUR)], **_fields())
    assert first.slug == "regulate-relate-reason"
    assert second.slug == "regulate-relate-reason-2"


def test_training_create_never_derives_a_reserved_slug():
    start = pacific(2030, 3, 4, 9)
    training = training_create(sessions=[(start, start + HOUR)], **_fields(title="Calendar"))
    assert training.slug == "calendar-training"


def test_training_create_refuses_a_reserved_slug_given_explicitly():
    start = pacific(2030, 3, 4, 9)
    with pytest.raises(TrainingError, match="reserved"):
        training_create(sessions=[(start, start + HOUR)], **_fields(slug="past"))
    assert not Training.objects.exists()


def test_training_create_refuses_a_training_without_sessions():
    with pytest.raises(TrainingError, match="at least one session"):
        training_create(sessions=[], **_fields())
    assert not Training.objects.exists()


def test_training_create_refuses_naive_datetimes():
    naive = dt.datetime(2030, 3, 4, 9)  # noqa: DTZ001 - the naive value is what is under test.
    with pytest.raises(TrainingError, match="time zone"):
        training_create(sessions=[(naive, naive + HOUR)], **_fields())
    assert not Training.objects.exists()


@pytest.mark.parametrize("length", [dt.timedelta(0), -HOUR])
def test_training_create_refuses_a_session_ending_before_it_starts(length):
    start = pacific(2030, 3, 4, 9)
    with pytest.raises(TrainingError, match="end after it starts"):
        training_create(sessions=[(start, start + length)], **_fields())
    assert not Training.objects.exists()
    assert not Session.objects.exists()


# --- training_publish -------------------------------------------------------------------------


def test_training_publish_publishes_a_draft_and_bumps_the_sequence():
    draft = TrainingFactory(status=Status.DRAFT)
    published = training_publish(training=draft)
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED == published.status
    assert draft.sequence == 1


def test_training_publish_refuses_a_training_without_sessions():
    draft = TrainingFactory(status=Status.DRAFT, sessions=[])
    with pytest.raises(TrainingError, match="at least one session"):
        training_publish(training=draft)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert draft.sequence == 0


def test_training_publish_refuses_a_cancelled_training():
    cancelled = TrainingFactory(status=Status.CANCELLED)
    with pytest.raises(TrainingError, match="cancelled"):
        training_publish(training=cancelled)
    cancelled.refresh_from_db()
    assert cancelled.status == Status.CANCELLED
    assert cancelled.sequence == 0


def test_training_publish_is_idempotent():
    draft = TrainingFactory(status=Status.DRAFT)
    training_publish(training=draft)
    training_publish(training=draft)
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED
    assert draft.sequence == 1


# --- training_cancel --------------------------------------------------------------------------


def test_training_cancel_cancels_and_bumps_the_sequence(training):
    training_cancel(training=training)
    training.refresh_from_db()
    assert training.status == Status.CANCELLED
    assert training.sequence == 1


def test_training_cancel_is_idempotent(training):
    training_cancel(training=training)
    training_cancel(training=training)
    training.refresh_from_db()
    assert training.status == Status.CANCELLED
    assert training.sequence == 1


# --- training_duplicate -----------------------------------------------------------------------


def test_training_duplicate_makes_a_draft_copy_with_a_new_slug_and_empty_seats():
    original = TrainingFactory(
        title="Phase I Cohort",
        slug="phase-i-cohort",
        kind=Kind.PHASE_1,
        format=Format.HYBRID,
        online_url="https://meet.example.org/private",
        capacity=24,
        prerequisites="Phase I support from your agency.",
    )
    Training.objects.filter(pk=original.pk).update(seats_taken=24)
    original.refresh_from_db()

    copy = training_duplicate(training=original)

    copy.refresh_from_db()
    assert copy.pk != original.pk
    assert copy.status == Status.DRAFT
    assert copy.slug == "phase-i-cohort-2"
    assert copy.seats_taken == 0
    assert copy.sequence == 0
    for name in ["title", "kind", "format", "online_url", "capacity", "prerequisites"]:
        assert getattr(copy, name) == getattr(original, name)
    assert copy.host_agency_id == original.host_agency_id
    original.refresh_from_db()
    assert original.seats_taken == 24
    assert original.status == Status.PUBLISHED


def test_training_duplicate_shifts_every_session_by_the_same_whole_weeks():
    now = pacific(2030, 5, 1, 12)
    days = [pacific(2030, 5, 6, 9), pacific(2030, 5, 13, 9), pacific(2030, 5, 20, 13)]
    original = TrainingFactory(sessions=[(day, day + 6 * HOUR) for day in days])

    copy = training_duplicate(training=original, now=now)

    copied = list(copy.sessions.order_by("starts_at"))
    assert [s.starts_at - d for s, d in zip(copied, days, strict=True)] == [WEEK] * 3
    assert [s.ends_at - s.starts_at for s in copied] == [6 * HOUR] * 3
    copy.refresh_from_db()
    assert copy.starts_at == copied[0].starts_at
    assert copy.ends_at == copied[-1].ends_at


def test_training_duplicate_keeps_the_local_time_across_the_autumn_dst_change():
    # 09:00 PDT on Thursday 29 October; a week later the clocks have gone back (1 November).
    start = pacific(2026, 10, 29, 9)
    original = TrainingFactory(sessions=[(start, start + 3 * HOUR)])

    copy = training_duplicate(training=original, now=pacific(2026, 10, 20, 9))

    session = copy.sessions.get()
    local_start = timezone.localtime(session.starts_at)
    local_end = timezone.localtime(session.ends_at)
    assert local_start.date() == dt.date(2026, 11, 5)
    assert (local_start.hour, local_start.minute, local_start.tzname()) == (9, 0, "PST")
    assert (local_end.hour, local_end.minute) == (12, 0)
    assert session.starts_at - start == WEEK + HOUR  # an hour longer in UTC, same on the clock


def test_training_duplicate_keeps_the_local_time_across_the_spring_dst_change():
    # 09:00 PST on Thursday 5 March; the clocks go forward on 8 March.
    start = pacific(2026, 3, 5, 9)
    original = TrainingFactory(sessions=[(start, start + 3 * HOUR)])

    copy = training_duplicate(training=original, now=pacific(2026, 2, 20, 9))

    local_start = timezone.localtime(copy.sessions.get().starts_at)
    assert local_start.date() == dt.date(2026, 3, 12)
    assert (local_start.hour, local_start.tzname()) == (9, "PDT")


def test_training_duplicate_of_a_past_training_starts_at_least_a_week_from_now():
    now = timezone.now()
    original = TrainingFactory(days_ahead=-30)

    copy = training_duplicate(training=original)

    copy.refresh_from_db()
    assert now + WEEK <= copy.starts_at < now + 2 * WEEK
    local_copy = timezone.localtime(copy.starts_at)
    local_original = timezone.localtime(original.starts_at)
    assert local_copy.weekday() == local_original.weekday()
    assert local_copy.time() == local_original.time()


def test_training_duplicate_starts_at_least_a_week_from_now_even_when_dst_shortens_the_week():
    # The original starts "now"; one week later in local time is an hour less than 7 × 24 h,
    # because the clocks go forward in between, so one week is not enough.
    start = pacific(2026, 3, 5, 9)
    original = TrainingFactory(sessions=[(start, start + HOUR)])
    now = start.astimezone(dt.UTC)  # as timezone.now() gives it: UTC arithmetic below

    copy = training_duplicate(training=original, now=now)

    copy.refresh_from_db()
    assert copy.starts_at >= now + WEEK
    assert timezone.localtime(copy.starts_at).hour == 9


def test_training_duplicate_moves_the_registration_window_with_the_sessions():
    start = pacific(2030, 5, 6, 9)
    original = TrainingFactory(
        sessions=[(start, start + HOUR)],
        registration_opens_at=start - 30 * DAY,
        registration_closes_at=start - 2 * DAY,
    )

    copy = training_duplicate(training=original, now=pacific(2030, 5, 1))

    copy.refresh_from_db()
    assert copy.registration_opens_at == original.registration_opens_at + WEEK
    assert copy.registration_closes_at == original.registration_closes_at + WEEK


def test_training_duplicate_copies_every_field_it_does_not_have_to_change():
    # A value unlike the default for every field the copy keeps: a field added to the model
    # later must be given one here (the first assertion), and is then checked to be copied.
    lead = PersonFactory()
    kept = {
        "title": "Phase II Train-the-Trainer",
        "kind": Kind.PHASE_2,
        "model": Model.NME,
        "summary": "Certify trainers inside your agency.",
        "description": "Three **days**.",
        "format": Format.HYBRID,
        "language": "bilingual",
        "venue_name": "County Learning Center",
        "venue_address": "1 Main St, Oakland, CA",
        "county": County.ALAMEDA,
        "online_url": "https://meet.example.org/private",
        "capacity": 17,
        "host_agency": AgencyFactory(),
        "contact_email": "phase2@example.org",
        "lead_trainer": lead,
        "prerequisites": "Phase I.",
        "required_level": CredentialLevel.MENTOR,
        "reminder_offsets": "5d, 3h",
        "agency_seat_cap": 3,
        "ce_hours": Decimal("6.5"),
        "ce_approving_body": "the California Board of Behavioral Sciences",
        "ce_provider_number": "PCE 1234",
        "ce_licences": "LMFT, LCSW",
        "evaluation_required": True,
    }
    copied = {
        field.name
        for field in Training._meta.concrete_fields
        if field.name not in DUPLICATE_SKIPPED_FIELDS
    }
    assert set(kept) == copied, "give the new field a value here, or skip it in the service"
    original = TrainingFactory(**kept, notes="What we said last time.")

    copy = training_duplicate(training=original)

    copy.refresh_from_db()
    for field in Training._meta.concrete_fields:
        if field.name in copied:
            assert getattr(copy, field.attname) == getattr(original, field.attname), field.name
            assert getattr(copy, field.attname) != field.get_default(), field.name
    assert copy.notes == ""


def test_training_duplicate_refuses_a_training_without_sessions():
    original = TrainingFactory(sessions=[])
    with pytest.raises(TrainingError, match="no sessions"):
        training_duplicate(training=original)
    assert Training.objects.count() == 1


# --- training_save ----------------------------------------------------------------------------


def test_training_save_refuses_capacity_below_the_seats_taken(training):
    Training.objects.filter(pk=training.pk).update(seats_taken=8)
    training.refresh_from_db()
    training.capacity = 7
    with pytest.raises(TrainingError, match="8 seats"):
        training_save(training=training)
    training.refresh_from_db()
    assert training.capacity == 20


def test_training_save_accepts_capacity_equal_to_the_seats_taken(training):
    Training.objects.filter(pk=training.pk).update(seats_taken=8)
    training.refresh_from_db()
    training.capacity = 8
    training_save(training=training)
    training.refresh_from_db()
    assert training.capacity == 8


def test_training_save_checks_capacity_against_the_seats_confirmed_meanwhile(training):
    edited = Training.objects.get(pk=training.pk)  # loaded before the seats were confirmed
    Training.objects.filter(pk=training.pk).update(seats_taken=8)
    edited.capacity = 5
    with pytest.raises(TrainingError, match="8 seats"):
        training_save(training=edited)


def test_training_save_does_not_write_back_a_stale_seat_count_or_sequence(training):
    edited = Training.objects.get(pk=training.pk)
    Training.objects.filter(pk=training.pk).update(seats_taken=8)
    training_cancel(training=training)
    edited.title = "Renamed"

    training_save(training=edited)

    training.refresh_from_db()
    assert training.title == "Renamed"
    assert training.seats_taken == 8
    assert training.sequence == 1


def test_training_save_creates_a_new_training():
    training = Training(
        title="New", slug="new", kind=Kind.OTHER, summary="s", host_agency=AgencyFactory()
    )
    training_save(training=training)
    assert Training.objects.filter(slug="new").exists()


# --- training_sync_schedule -------------------------------------------------------------------


def test_training_sync_schedule_follows_added_sessions_and_bumps_the_sequence(training):
    later = training.ends_at + 7 * DAY
    earlier = training.starts_at - 2 * DAY
    Session.objects.create(training=training, starts_at=later, ends_at=later + 2 * HOUR)
    Session.objects.create(training=training, starts_at=earlier, ends_at=earlier + HOUR)

    training_sync_schedule(training=training)

    training.refresh_from_db()
    assert training.starts_at == earlier
    assert training.ends_at == later + 2 * HOUR
    assert training.sequence == 1


def test_training_sync_schedule_can_leave_the_sequence_alone(training):
    training.sessions.update(ends_at=training.ends_at + HOUR)
    training_sync_schedule(training=training, bump_sequence=False)
    training.refresh_from_db()
    assert training.ends_at == training.sessions.get().ends_at
    assert training.sequence == 0


def test_training_sync_schedule_clears_the_dates_when_no_session_is_left(training):
    training.sessions.all().delete()
    training_sync_schedule(training=training)
    training.refresh_from_db()
    assert training.starts_at is None
    assert training.ends_at is None
