"""The iCalendar files, parsed back with the icalendar library as a calendar app would."""

import datetime as dt

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import County
from tests.factories import TrainingFactory, pacific
from trainings.models import Format, Kind, Session, Status
from trainings.services import training_cancel, training_publish, training_sync_schedule

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
ZONE = "America/Los_Angeles"


def _calendar(client, url: str, **params) -> icalendar.Calendar:
    response = client.get(url, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return icalendar.Calendar.from_ical(response.content)


def _training_calendar(client, training) -> icalendar.Calendar:
    return _calendar(client, reverse("trainings:ics", kwargs={"slug": training.slug}))


def _events(cal: icalendar.Calendar) -> list[icalendar.Event]:
    return cal.walk("VEVENT")


def _summaries(cal: icalendar.Calendar) -> set[str]:
    return {str(event["SUMMARY"]) for event in _events(cal)}


@pytest.fixture
def cohort():
    """Three sessions: two in PDT, the last after the clocks go back (first Sunday of November)."""
    year = timezone.now().year + 1
    days = [pacific(year, 10, 20, 9), pacific(year, 10, 27, 9), pacific(year, 11, 10, 9)]
    return TrainingFactory(title="Phase I Cohort", sessions=[(d, d + 7 * HOUR) for d in days])


def test_training_calendar_has_one_event_per_session(client, cohort):
    events = _events(_training_calendar(client, cohort))
    assert len(events) == 3
    assert [str(e["SUMMARY"]) for e in events] == [
        f"Phase I Cohort (session {n} of 3)" for n in (1, 2, 3)
    ]
    assert {str(e["UID"]) for e in events} == {s.uid for s in cohort.sessions.all()}


def test_single_session_event_is_titled_with_the_training(client, training):
    (event,) = _events(_training_calendar(client, training))
    assert str(event["SUMMARY"]) == training.title


def test_event_times_carry_the_pacific_zone_and_the_local_wall_clock_time(client, cohort):
    events = _events(_training_calendar(client, cohort))
    for event in events:
        assert event["DTSTART"].params["TZID"] == ZONE
        assert event["DTEND"].params["TZID"] == ZONE
    starts = [event.decoded("DTSTART") for event in events]
    assert [(s.hour, s.minute) for s in starts] == [(9, 0)] * 3
    assert [s.tzname() for s in starts] == ["PDT", "PDT", "PST"]
    assert starts == list(cohort.sessions.values_list("starts_at", flat=True))
    assert [e.decoded("DTEND").hour for e in events] == [16, 16, 16]


def test_calendar_carries_a_vtimezone_for_los_angeles(client, cohort):
    cal = _training_calendar(client, cohort)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == [ZONE]
    assert str(cal["X-WR-TIMEZONE"]) == ZONE
    assert str(cal["VERSION"]) == "2.0"


def test_event_uids_are_stable_across_requests_and_edits(client, cohort):
    before = [str(e["UID"]) for e in _events(_training_calendar(client, cohort))]
    assert before == [str(e["UID"]) for e in _events(_training_calendar(client, cohort))]

    session = cohort.sessions.order_by("starts_at").first()
    session.starts_at += HOUR
    session.save()
    cohort.title = "Phase I Cohort (moved)"
    cohort.save()
    training_sync_schedule(training=cohort)

    after = _events(_training_calendar(client, cohort))
    assert [str(e["UID"]) for e in after] == before
    assert after[0].decoded("DTSTART").hour == 10


def test_event_uids_differ_between_sessions_and_trainings(client, cohort, training):
    uids = [str(e["UID"]) for e in _events(_calendar(client, reverse("trainings:feed")))]
    assert len(uids) == 4
    assert len(set(uids)) == 4


def test_sequence_increases_when_the_training_is_cancelled(client, training):
    (before,) = _events(_training_calendar(client, training))
    training_cancel(training=training)
    (after,) = _events(_training_calendar(client, training))
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])


def test_sequence_increases_when_the_schedule_changes(client, training):
    (before,) = _events(_training_calendar(client, training))
    training.sessions.update(ends_at=training.ends_at + HOUR)
    training_sync_schedule(training=training)
    (after,) = _events(_training_calendar(client, training))
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1


def test_cancelled_training_events_are_marked_cancelled(client, cohort):
    training_cancel(training=cohort)
    events = _events(_training_calendar(client, cohort))
    assert [str(e["STATUS"]) for e in events] == ["CANCELLED"] * 3
    assert all(str(e["SUMMARY"]).startswith("CANCELLED: ") for e in events)


def test_published_training_events_are_confirmed(client, training):
    (event,) = _events(_training_calendar(client, training))
    assert str(event["STATUS"]) == "CONFIRMED"


def test_event_links_to_the_training_page_and_gives_the_venue(client, settings, training):
    (event,) = _events(_training_calendar(client, training))
    assert str(event["URL"]) == settings.SITE_URL + training.get_absolute_url()
    assert str(event["LOCATION"]) == f"{training.venue_name}, {training.venue_address}"
    assert training.summary in str(event["DESCRIPTION"])


def test_online_event_location_is_online_and_never_the_join_link(client):
    training = TrainingFactory(format=Format.ONLINE, online_url="https://meet.example.org/j/42")
    response = client.get(reverse("trainings:ics", kwargs={"slug": training.slug}))
    assert b"meet.example.org" not in response.content
    (event,) = _events(icalendar.Calendar.from_ical(response.content))
    assert str(event["LOCATION"]) == "Online"


def test_draft_calendar_answers_404_to_visitors(client):
    draft = TrainingFactory(status=Status.DRAFT)
    response = client.get(reverse("trainings:ics", kwargs={"slug": draft.slug}))
    assert response.status_code == 404
    training_publish(training=draft)
    assert len(_events(_training_calendar(client, draft))) == 1


# --- The feed ---------------------------------------------------------------------------------


def test_feed_carries_upcoming_public_trainings_one_event_per_session(client, cohort):
    TrainingFactory(title="Single day")
    TrainingFactory(title="Cancelled day", status=Status.CANCELLED)
    TrainingFactory(title="Draft day", status=Status.DRAFT)
    TrainingFactory(title="Ended day", days_ahead=-3)
    cal = _calendar(client, reverse("trainings:feed"))
    assert len(_events(cal)) == 3 + 1 + 1
    summaries = _summaries(cal)
    assert "Single day" in summaries
    assert "CANCELLED: Cancelled day" in summaries
    assert not any("Draft" in s or "Ended" in s for s in summaries)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == [ZONE]


def test_feed_honours_the_kind_filter(client):
    TrainingFactory(title="Phase I", kind=Kind.PHASE_1)
    TrainingFactory(title="Concepts", kind=Kind.CONCEPTS)
    cal = _calendar(client, reverse("trainings:feed"), kind="phase_1")
    assert _summaries(cal) == {"Phase I"}


def test_feed_honours_the_county_filter(client):
    TrainingFactory(title="In Napa", county=County.NAPA)
    TrainingFactory(title="In Marin", county=County.MARIN)
    cal = _calendar(client, reverse("trainings:feed"), county="napa", kind="concepts")
    assert _summaries(cal) == {"In Napa"}


def test_empty_feed_is_still_a_valid_calendar(client):
    cal = _calendar(client, reverse("trainings:feed"), county="sonoma")
    assert _events(cal) == []
    assert str(cal["PRODID"])


# A NUL byte never reaches the filters: RejectNulMiddleware answers 400 first
# (tests/portal/test_middleware.py).
@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"county": "los_angeles"}, "county: Select a valid choice."),
        ({"kind": "phase_9"}, "kind: Select a valid choice."),
        ({"start_after": "2026-99-01"}, "start_after: Enter a valid date."),
    ],
)
def test_feed_answers_400_with_the_reason_on_a_bad_filter(client, training, params, reason):
    response = client.get(reverse("trainings:feed"), params)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("Invalid filter — ")
    assert reason in body


def test_feed_and_training_file_give_a_session_the_same_uid(client, cohort):
    pks = Session.objects.filter(training=cohort).values_list("pk", flat=True)
    expected = {f"training-session-{pk}@nmt-cop-portal" for pk in pks}
    feed_uids = {str(e["UID"]) for e in _events(_calendar(client, reverse("trainings:feed")))}
    file_uids = {str(e["UID"]) for e in _events(_training_calendar(client, cohort))}
    assert feed_uids == file_uids == expected
