import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import TrainingFactory, UserFactory, pacific
from trainings.models import Kind, Model, Status
from trainings.selectors import (
    sessions_between,
    training_archive,
    training_catalogue,
    training_detail_queryset,
    training_feed,
    training_next,
    training_other_dates,
)

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def test_catalogue_lists_upcoming_trainings_soonest_first():
    later = TrainingFactory(days_ahead=30)
    soonest = TrainingFactory(days_ahead=2)
    middle = TrainingFactory(days_ahead=9)
    TrainingFactory(days_ahead=-3)
    assert list(training_catalogue().qs) == [soonest, middle, later]


def test_catalogue_lists_published_and_cancelled_but_never_drafts():
    published = TrainingFactory(days_ahead=2)
    cancelled = TrainingFactory(days_ahead=3, status=Status.CANCELLED)
    TrainingFactory(days_ahead=4, status=Status.DRAFT)
    assert list(training_catalogue().qs) == [published, cancelled]


def test_multi_day_training_that_has_started_but_not_ended_is_still_upcoming():
    now = timezone.now()
    week_ago, next_week = now - 7 * DAY, now + 7 * DAY
    cohort = TrainingFactory(
        sessions=[(week_ago, week_ago + 6 * HOUR), (next_week, next_week + 6 * HOUR)]
    )
    assert list(training_catalogue().qs) == [cohort]
    assert list(training_archive().qs) == []


def test_training_moves_to_the_archive_once_its_last_session_has_ended():
    training = TrainingFactory(days_ahead=3)
    after = training.ends_at + HOUR
    assert list(training_catalogue(now=after).qs) == []
    assert list(training_archive(now=after).qs) == [training]


def test_archive_lists_past_trainings_most_recent_first():
    oldest = TrainingFactory(days_ahead=-60)
    recent = TrainingFactory(days_ahead=-2)
    middle = TrainingFactory(days_ahead=-20)
    TrainingFactory(days_ahead=5)
    TrainingFactory(days_ahead=-5, status=Status.DRAFT)
    assert list(training_archive().qs) == [recent, middle, oldest]


def test_feed_carries_the_catalogue_with_its_filters():
    wanted = TrainingFactory(kind=Kind.PHASE_1)
    TrainingFactory(kind=Kind.CONCEPTS)
    assert list(training_feed(data={"kind": "phase_1"}).qs) == [wanted]


def test_sessions_come_prefetched_in_order():
    day = pacific(2030, 4, 1, 9)
    TrainingFactory(sessions=[(day + 2 * DAY, day + 2 * DAY + HOUR), (day, day + HOUR)])
    training = training_catalogue(now=pacific(2030, 1, 1)).qs.get()
    assert [s.starts_at for s in training.sessions.all()] == [day, day + 2 * DAY]


def test_home_shows_the_next_published_trainings_only():
    first = TrainingFactory(days_ahead=1)
    TrainingFactory(days_ahead=2, status=Status.CANCELLED)
    TrainingFactory(days_ahead=3, status=Status.DRAFT)
    second = TrainingFactory(days_ahead=4)
    third = TrainingFactory(days_ahead=5)
    TrainingFactory(days_ahead=-1)
    assert list(training_next(limit=2)) == [first, second]
    assert list(training_next(limit=6)) == [first, second, third]


def test_detail_queryset_hides_drafts_from_visitors_but_not_from_staff():
    draft = TrainingFactory(status=Status.DRAFT)
    cancelled = TrainingFactory(status=Status.CANCELLED)
    member = UserFactory()
    staff = UserFactory(is_staff=True)
    assert set(training_detail_queryset(user=None)) == {cancelled}
    assert set(training_detail_queryset(user=member)) == {cancelled}
    assert set(training_detail_queryset(user=staff)) == {draft, cancelled}


def test_other_dates_are_upcoming_published_trainings_of_the_same_kind_and_model():
    training = TrainingFactory(kind=Kind.PHASE_1, model=Model.NMT, days_ahead=10)
    later = TrainingFactory(kind=Kind.PHASE_1, model=Model.NMT, days_ahead=40)
    sooner = TrainingFactory(kind=Kind.PHASE_1, model=Model.NMT, days_ahead=5)
    TrainingFactory(kind=Kind.PHASE_1, model=Model.NME, days_ahead=20)
    TrainingFactory(kind=Kind.PHASE_2, model=Model.NMT, days_ahead=20)
    TrainingFactory(kind=Kind.PHASE_1, model=Model.NMT, days_ahead=-20)
    TrainingFactory(kind=Kind.PHASE_1, model=Model.NMT, days_ahead=20, status=Status.DRAFT)
    TrainingFactory(kind=Kind.PHASE_1, model=Model.NMT, days_ahead=20, status=Status.CANCELLED)
    assert list(training_other_dates(training=training)) == [sooner, later]
    assert list(training_other_dates(training=training, limit=1)) == [sooner]


def test_sessions_between_takes_public_sessions_starting_in_the_window():
    start = pacific(2030, 9, 1)
    end = pacific(2030, 10, 1)
    inside = pacific(2030, 9, 15, 10)
    published = TrainingFactory(sessions=[(inside, inside + HOUR)])
    cancelled = TrainingFactory(sessions=[(inside, inside + HOUR)], status=Status.CANCELLED)
    TrainingFactory(sessions=[(inside, inside + HOUR)], status=Status.DRAFT)
    # Starts just before the window (ends inside it), and exactly at its end: both left out.
    TrainingFactory(sessions=[(start - HOUR, start + HOUR)])
    TrainingFactory(sessions=[(end, end + HOUR)])
    edge = TrainingFactory(sessions=[(start, start + HOUR)])
    found = list(sessions_between(start=start, end=end))
    assert [s.training for s in found] == [edge, published, cancelled]
