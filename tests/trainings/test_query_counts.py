"""Each catalogue page issues a fixed number of queries, whether it shows 1 training or 200.

Measured on PostgreSQL (anonymous visitor, no session cookie):

- ``/trainings/`` (list, 20 a page): 3 — count, the page of trainings with their host agency,
  their sessions (one prefetch). Filters add none.
- ``/trainings/past/``: 3, the same three.
- ``/trainings/calendar/?month=``: 1 — the month's sessions with their training and host agency.
- ``/trainings/feed.ics``: 2 — the trainings with their host agency, their sessions.
- ``/`` (home, next 6): 8 — the trainings with their host agency, their sessions, the
  featured resources (their topics add one more when there are any), and the five queries of
  the community's headline figures.
- ``/trainings/<slug>/`` (detail): 4 — the training, its sessions, its other dates, its
  materials from the library.

A per-row query (seats, sessions, host agency) would multiply with the rows and break these.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import Agency, County
from portal.models import ContentLanguage
from tests.factories import pacific
from trainings.models import Format, Kind, Session, Status, Training

pytestmark = pytest.mark.django_db

LIST_QUERIES = 3
ARCHIVE_QUERIES = 3
CALENDAR_QUERIES = 1
FEED_QUERIES = 2
HOME_QUERIES = 8
DETAIL_QUERIES = 4
# PRODUCT budget: no catalogue page needs more than this.
MAX_QUERIES = 10

YEAR = timezone.now().year + 1  # upcoming; the calendar test opens this month of that year
MONTH = 6
HOUR = dt.timedelta(hours=1)
LANGUAGES = [ContentLanguage.ES, ContentLanguage.BILINGUAL] + [ContentLanguage.EN] * 3


def _make_trainings(count: int, *, year: int = YEAR, month: int = MONTH) -> list[Training]:
    """``count`` public trainings starting in the given month, each with its own host agency.

    Every third one has three sessions, every fourth is in person; one in ten is cancelled;
    one in five is in Spanish and one in five bilingual. Built in bulk to keep the 200-row
    case quick.
    """
    agencies = Agency.objects.bulk_create(
        Agency(name=f"Agency {n}", slug=f"qc-agency-{year}-{month}-{n}", county=County.NAPA)
        for n in range(count)
    )
    trainings, sessions = [], []
    for n, agency in enumerate(agencies):
        start = pacific(year, month, 1 + n % 28, 9)
        days = (0, 1, 2) if n % 3 == 0 else (0,)
        times = [
            (start + dt.timedelta(days=d), start + dt.timedelta(days=d) + 6 * HOUR) for d in days
        ]
        training = Training(
            title=f"Training {year}-{month} #{n}",
            slug=f"qc-training-{year}-{month}-{n}",
            kind=Kind.PHASE_1 if n % 2 else Kind.CONCEPTS,
            summary="For the query counts.",
            format=Format.IN_PERSON if n % 4 == 0 else Format.HYBRID,
            language=LANGUAGES[n % 5],
            venue_name="Hall",
            county=County.NAPA,
            capacity=20,
            seats_taken=n % 21,
            status=Status.CANCELLED if n % 10 == 9 else Status.PUBLISHED,
            host_agency=agency,
            starts_at=times[0][0],
            ends_at=times[-1][1],
        )
        trainings.append(training)
        sessions.append(times)
    Training.objects.bulk_create(trainings)
    Session.objects.bulk_create(
        Session(training=training, starts_at=start, ends_at=end)
        for training, times in zip(trainings, sessions, strict=True)
        for start, end in times
    )
    return trainings


def test_query_budgets_stay_within_the_limit():
    budgets = [LIST_QUERIES, ARCHIVE_QUERIES, CALENDAR_QUERIES, FEED_QUERIES, HOME_QUERIES]
    assert max([*budgets, DETAIL_QUERIES]) <= MAX_QUERIES


@pytest.mark.parametrize("count", [1, 200])
def test_list_page_queries_do_not_grow_with_the_trainings(client, django_assert_num_queries, count):
    _make_trainings(count)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("trainings:list"))
    assert response.status_code == 200
    assert response.content.count(b'<article class="training-row') == min(count, 20)


@pytest.mark.parametrize("count", [1, 200])
def test_filtered_list_page_queries_do_not_grow_with_the_trainings(
    client, django_assert_num_queries, count
):
    _make_trainings(count)
    matching = Training.objects.filter(
        kind=Kind.CONCEPTS,
        county=County.NAPA,
        language__in=[ContentLanguage.ES, ContentLanguage.BILINGUAL],
    ).with_free_seats()
    expected_rows = min(matching.count(), 20)
    params = {"kind": "concepts", "county": "napa", "open": "1", "q": "training", "language": "es"}
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("trainings:list"), params)
    assert response.status_code == 200
    assert response.content.count(b'<article class="training-row') == expected_rows > 0


@pytest.mark.parametrize("count", [1, 200])
def test_archive_page_queries_do_not_grow_with_the_trainings(
    client, django_assert_num_queries, count
):
    _make_trainings(count, year=YEAR - 5)
    with django_assert_num_queries(ARCHIVE_QUERIES):
        response = client.get(reverse("trainings:past"))
    assert response.status_code == 200
    assert response.content.count(b'<article class="training-row') == min(count, 20)


@pytest.mark.parametrize("count", [1, 200])
def test_calendar_page_queries_do_not_grow_with_the_sessions(
    client, django_assert_num_queries, count
):
    trainings = _make_trainings(count)
    with django_assert_num_queries(CALENDAR_QUERIES):
        response = client.get(reverse("trainings:calendar"), {"month": f"{YEAR}-{MONTH:02d}"})
    assert response.status_code == 200
    assert trainings[-1].title.encode() in response.content


@pytest.mark.parametrize("count", [1, 200])
def test_feed_queries_do_not_grow_with_the_trainings(client, django_assert_num_queries, count):
    trainings = _make_trainings(count)
    with django_assert_num_queries(FEED_QUERIES):
        response = client.get(reverse("trainings:feed"))
    assert response.status_code == 200
    sessions = Session.objects.filter(training__in=trainings).count()
    assert response.content.count(b"BEGIN:VEVENT") == sessions


@pytest.mark.parametrize("count", [1, 200])
def test_home_page_queries_do_not_grow_with_the_trainings(client, django_assert_num_queries, count):
    _make_trainings(count)
    with django_assert_num_queries(HOME_QUERIES):
        response = client.get(reverse("home"))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 200])
def test_detail_page_queries_do_not_grow_with_other_dates(client, django_assert_num_queries, count):
    trainings = _make_trainings(count)
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(trainings[0].get_absolute_url())
    assert response.status_code == 200
