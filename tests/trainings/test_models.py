import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tests.factories import TrainingFactory
from trainings.models import (
    RESERVED_SLUGS,
    SeatsState,
    Session,
    Status,
    Training,
    validate_slug_not_reserved,
)

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


# --- Database constraints ---------------------------------------------------------------------


def test_session_ending_when_it_starts_is_refused_by_the_database(training):
    start = timezone.now() + 3 * DAY
    with pytest.raises(IntegrityError, match="session_ends_after_start"), transaction.atomic():
        Session.objects.create(training=training, starts_at=start, ends_at=start)


def test_session_ending_before_it_starts_is_refused_by_the_database(training):
    start = timezone.now() + 3 * DAY
    with pytest.raises(IntegrityError, match="session_ends_after_start"), transaction.atomic():
        Session.objects.create(training=training, starts_at=start, ends_at=start - HOUR)


def test_seats_taken_cannot_pass_capacity_even_through_a_raw_update(training):
    with (
        pytest.raises(IntegrityError, match="training_seats_within_capacity"),
        transaction.atomic(),
    ):
        Training.objects.filter(pk=training.pk).update(seats_taken=F("capacity") + 1)
    training.refresh_from_db()
    assert training.seats_taken == 0


def test_seats_taken_may_reach_capacity_exactly(training):
    Training.objects.filter(pk=training.pk).update(seats_taken=F("capacity"))
    training.refresh_from_db()
    assert training.seats_taken == training.capacity


def test_registration_closing_before_it_opens_is_refused_by_the_database(training):
    opens = timezone.now() + DAY
    with (
        pytest.raises(IntegrityError, match="training_registration_closes_after_opens"),
        transaction.atomic(),
    ):
        Training.objects.filter(pk=training.pk).update(
            registration_opens_at=opens, registration_closes_at=opens - HOUR
        )


def test_registration_window_may_have_only_one_end(training):
    Training.objects.filter(pk=training.pk).update(
        registration_opens_at=None, registration_closes_at=timezone.now() + DAY
    )
    training.refresh_from_db()
    assert training.registration_closes_at is not None


# --- Reserved slugs ---------------------------------------------------------------------------


@pytest.mark.parametrize("slug", sorted(RESERVED_SLUGS))
def test_reserved_slug_is_refused_by_the_validator(slug):
    with pytest.raises(ValidationError, match="reserved"):
        validate_slug_not_reserved(slug)


def test_ordinary_slug_passes_the_validator():
    validate_slug_not_reserved("calendar-basics")


def test_model_validation_reports_a_reserved_slug_on_the_slug_field(training):
    training.slug = "calendar"
    with pytest.raises(ValidationError) as excinfo:
        training.full_clean()
    assert "slug" in excinfo.value.message_dict


# --- Seats state ------------------------------------------------------------------------------


def _training(**fields) -> Training:
    """An unsaved training starting in ten days with 20 seats, open for registration."""
    now = timezone.now()
    defaults = {
        "capacity": 20,
        "seats_taken": 0,
        "status": Status.PUBLISHED,
        "starts_at": now + 10 * DAY,
        "ends_at": now + 10 * DAY + 6 * HOUR,
    }
    return Training(**{**defaults, **fields})


def test_seats_state_is_available_with_free_seats_and_open_registration():
    training = _training(seats_taken=5)
    assert training.seats_state() == SeatsState.AVAILABLE
    assert training.seats_left == 15


def test_seats_state_is_full_when_every_seat_is_taken():
    training = _training(seats_taken=20)
    assert training.seats_state() == SeatsState.FULL
    assert training.seats_left == 0


def test_seats_state_is_not_yet_open_before_registration_opens():
    training = _training(registration_opens_at=timezone.now() + DAY)
    assert training.seats_state() == SeatsState.NOT_YET_OPEN


def test_seats_state_is_available_once_registration_has_opened():
    training = _training(registration_opens_at=timezone.now() - DAY)
    assert training.seats_state() == SeatsState.AVAILABLE


def test_seats_state_is_closed_after_the_registration_deadline():
    training = _training(registration_closes_at=timezone.now() - HOUR)
    assert training.seats_state() == SeatsState.CLOSED


def test_seats_state_is_closed_once_the_training_has_started():
    now = timezone.now()
    training = _training(starts_at=now - HOUR, ends_at=now + 5 * HOUR)
    assert training.seats_state() == SeatsState.CLOSED


def test_seats_state_is_closed_when_the_training_has_no_sessions():
    training = _training(starts_at=None, ends_at=None)
    assert training.seats_state() == SeatsState.CLOSED


def test_seats_state_is_cancelled_for_a_cancelled_training_even_with_free_seats():
    training = _training(status=Status.CANCELLED)
    assert training.seats_state() == SeatsState.CANCELLED


def test_seats_state_uses_the_given_time():
    training = _training(registration_closes_at=timezone.now() + DAY)
    assert training.seats_state() == SeatsState.AVAILABLE
    assert training.seats_state(now=timezone.now() + 2 * DAY) == SeatsState.CLOSED


# --- QuerySets --------------------------------------------------------------------------------


def test_listed_keeps_published_and_cancelled_but_never_drafts():
    published = TrainingFactory(status=Status.PUBLISHED)
    cancelled = TrainingFactory(status=Status.CANCELLED)
    TrainingFactory(status=Status.DRAFT)
    assert set(Training.objects.listed()) == {published, cancelled}


def test_published_keeps_only_published_trainings():
    published = TrainingFactory(status=Status.PUBLISHED)
    TrainingFactory(status=Status.CANCELLED)
    TrainingFactory(status=Status.DRAFT)
    assert list(Training.objects.published()) == [published]


def test_upcoming_and_past_split_on_the_end_of_the_last_session():
    now = timezone.now()
    future = TrainingFactory(days_ahead=5)
    running = TrainingFactory(
        sessions=[(now - 2 * DAY, now - 2 * DAY + HOUR), (now + DAY, now + DAY + HOUR)]
    )
    ended = TrainingFactory(days_ahead=-5)
    assert set(Training.objects.upcoming()) == {future, running}
    assert list(Training.objects.past()) == [ended]


def test_upcoming_and_past_use_the_given_time():
    training = TrainingFactory(days_ahead=5)
    later = timezone.now() + 30 * DAY
    assert list(Training.objects.upcoming(now=later)) == []
    assert list(Training.objects.past(now=later)) == [training]


def test_with_free_seats_keeps_only_trainings_one_can_still_get_a_seat_in():
    now = timezone.now()
    open_training = TrainingFactory(capacity=20)
    not_yet_open = TrainingFactory(registration_opens_at=now + DAY)
    full = TrainingFactory(capacity=20)
    Training.objects.filter(pk=full.pk).update(seats_taken=20)
    TrainingFactory(registration_closes_at=now - HOUR)  # deadline passed
    TrainingFactory(sessions=[(now - HOUR, now + 5 * HOUR)])  # already started
    TrainingFactory(status=Status.CANCELLED)
    TrainingFactory(status=Status.DRAFT)
    assert set(Training.objects.with_free_seats()) == {open_training, not_yet_open}


def test_querysets_chain():
    TrainingFactory(days_ahead=5, status=Status.DRAFT)
    wanted = TrainingFactory(days_ahead=5)
    TrainingFactory(days_ahead=-5)
    assert list(Training.objects.listed().upcoming().with_free_seats()) == [wanted]


def test_registration_closes_when_the_training_starts_even_if_closing_time_is_later():
    now = timezone.now()
    training = TrainingFactory(
        sessions=[(now - dt.timedelta(hours=1), now + dt.timedelta(hours=5))],
        registration_closes_at=now + dt.timedelta(days=2),
    )
    assert training.registration_deadline == training.starts_at
    assert training.seats_state() == SeatsState.CLOSED
