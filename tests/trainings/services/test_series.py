"""Community-of-practice series: the recurrence rule, generating meetings (local time across DST,
idempotent), the admin, and the series' calendar feed."""

import datetime as dt

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tests.factories import AgencyFactory, TrainingFactory
from trainings.models import Format, Kind, Series, Status, Training
from trainings.recurrence import occurrence_dates, validate_rule
from trainings.services import TrainingError, series_generate, training_cancel, training_create

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture
def host(db):
    return AgencyFactory(name="Santa Clara County BHS", slug="santa-clara")


def make_series(host, **overrides) -> Series:
    fields = {
        "title": "South Bay NMT peer consultation, first Tuesday",
        "slug": "south-bay-peer-consultation",
        "summary": "Bring a case question or an implementation win.",
        "description": "Monthly **peer consultation**.",
        "model": "nmt",
        "format": Format.HYBRID,
        "venue_name": "Learning Center",
        "venue_address": "1075 E Santa Clara St, San Jose, CA",
        "county": "santa_clara",
        "online_url": "https://meet.example.org/south-bay",
        "host_agency": host,
        "capacity": 25,
        "rule": "FREQ=MONTHLY;BYDAY=1TU",
        "start_time": dt.time(12, 0),
        "duration_minutes": 90,
        "first_date": dt.date(2030, 9, 1),
        **overrides,
    }
    series = Series(**fields)
    series.full_clean()
    series.save()
    return series


def local_starts(series: Series) -> list[dt.datetime]:
    return [timezone.localtime(t.starts_at) for t in series.meetings.order_by("series_date", "pk")]


# --- The rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MONTHLY;BYDAY=1TU",
        "freq=weekly; interval=2; byday=we",
        "RRULE:FREQ=MONTHLY;BYDAY=-1FR",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=DAILY",
    ],
)
def test_validate_rule_accepts_at_most_daily_rules(rule):
    validate_rule(rule)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "Enter a recurrence rule"),
        ("garbage", "NAME=VALUE"),
        ("FREQ=HOURLY", "FREQ must be"),
        ("BYDAY=TU", "FREQ must be"),
        ("FREQ=MONTHLY;BYDAY=1XX", "not a recurrence rule we can read"),
        ("FREQ=MONTHLY;BYDAY=9TU", "not a recurrence rule we can read"),
        ("FREQ=MONTHLY;COUNT=3", "set “number of meetings” instead"),
        ("FREQ=MONTHLY;UNTIL=20301231", "set “until” instead"),
        ("FREQ=DAILY;BYHOUR=9", "set the start time instead"),
        ("FREQ=WEEKLY;X-NAME=1", "not supported"),
        ("FREQ=WEEKLY;FREQ=DAILY", "given twice"),
        # Never matches: refused quickly, not searched until the year 9999.
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31", "never produces a date"),
    ],
)
def test_validate_rule_refuses_what_it_cannot_use_with_a_reason(rule, message):
    with pytest.raises(ValidationError) as caught:
        validate_rule(rule)
    assert message in " ".join(caught.value.messages)


def test_occurrences_follow_the_first_tuesday_and_respect_since_until_and_count():
    dates = occurrence_dates(
        rule="FREQ=MONTHLY;BYDAY=1TU",
        first_date=dt.date(2030, 9, 1),
        since=dt.date(2030, 10, 2),
        until=dt.date(2031, 1, 31),
    )
    assert dates == [dt.date(2030, 11, 5), dt.date(2030, 12, 3), dt.date(2031, 1, 7)]
    counted = occurrence_dates(
        rule="FREQ=MONTHLY;BYDAY=1TU",
        first_date=dt.date(2030, 9, 1),
        since=dt.date(2030, 10, 2),
        until=dt.date(2031, 12, 31),
        count=3,  # Sep 3, Oct 1, Nov 5: counted from the first date, not from ``since``
    )
    assert counted == [dt.date(2030, 11, 5)]


def test_a_series_whose_until_is_before_its_first_date_is_refused(host):
    with pytest.raises(ValidationError):
        make_series(host, until=dt.date(2030, 1, 1))


# --- Generating meetings ----------------------------------------------------------------------


def test_first_tuesday_noon_stays_noon_local_across_the_november_dst_change(host):
    series = make_series(host)  # first Tuesdays from September 2030; DST ends on 3 Nov 2030

    series_generate(series=series, since=dt.date(2030, 9, 1), until=dt.date(2030, 12, 31))

    starts = local_starts(series)
    assert [s.date() for s in starts] == [
        dt.date(2030, 9, 3),
        dt.date(2030, 10, 1),
        dt.date(2030, 11, 5),
        dt.date(2030, 12, 3),
    ]
    assert {(s.hour, s.minute) for s in starts} == {(12, 0)}
    # The same wall-clock time is a different UTC instant on each side of the change.
    utc_hours = [s.astimezone(UTC).hour for s in starts]
    assert utc_hours == [19, 19, 20, 20]
    assert [s.tzname() for s in starts] == ["PDT", "PDT", "PST", "PST"]


def test_weekly_meetings_keep_their_local_time_across_the_march_dst_change(host):
    series = make_series(
        host,
        rule="FREQ=WEEKLY;BYDAY=SA",
        start_time=dt.time(9, 30),
        first_date=dt.date(2031, 3, 1),
        count=3,
    )

    series_generate(series=series, since=dt.date(2031, 3, 1), until=dt.date(2031, 4, 30))

    starts = local_starts(series)  # DST starts on Sunday 9 March 2031
    assert [(s.date(), s.hour, s.minute, s.tzname()) for s in starts] == [
        (dt.date(2031, 3, 1), 9, 30, "PST"),
        (dt.date(2031, 3, 8), 9, 30, "PST"),
        (dt.date(2031, 3, 15), 9, 30, "PDT"),
    ]


def test_meetings_are_published_community_of_practice_trainings_from_the_template(host):
    series = make_series(host)

    created = series_generate(series=series, since=dt.date(2030, 9, 1), until=dt.date(2030, 9, 30))

    assert len(created) == 1
    meeting = Training.objects.get(pk=created[0].pk)
    assert meeting.kind == Kind.COMMUNITY_OF_PRACTICE
    assert meeting.status == Status.PUBLISHED
    assert meeting.series == series
    assert meeting.series_date == dt.date(2030, 9, 3)
    assert meeting.title == "South Bay NMT peer consultation, first Tuesday — Sep 3, 2030"
    assert meeting.slug == "south-bay-peer-consultation-2030-09-03"
    assert (meeting.host_agency, meeting.capacity, meeting.format) == (host, 25, Format.HYBRID)
    assert (meeting.venue_name, meeting.county) == ("Learning Center", "santa_clara")
    assert meeting.online_url == "https://meet.example.org/south-bay"
    assert meeting.description == "Monthly **peer consultation**."
    (session,) = meeting.sessions.all()
    assert session.ends_at - session.starts_at == dt.timedelta(minutes=90)
    assert (meeting.starts_at, meeting.ends_at) == (session.starts_at, session.ends_at)


def test_generating_again_creates_no_duplicates_and_only_adds_new_dates(host):
    series = make_series(host)
    first = series_generate(series=series, since=dt.date(2030, 9, 1), until=dt.date(2030, 11, 30))

    again = series_generate(series=series, since=dt.date(2030, 9, 1), until=dt.date(2030, 11, 30))
    longer = series_generate(series=series, since=dt.date(2030, 9, 1), until=dt.date(2031, 1, 31))

    assert len(first) == 3
    assert again == []
    assert [m.series_date for m in longer] == [dt.date(2030, 12, 3), dt.date(2031, 1, 7)]
    assert series.meetings.count() == 5
    assert Training.objects.count() == 5


def test_a_cancelled_meeting_is_not_created_again(host):
    series = make_series(host)
    (meeting,) = series_generate(
        series=series, since=dt.date(2030, 9, 1), until=dt.date(2030, 9, 30)
    )
    training_cancel(training=meeting)

    assert (
        series_generate(series=series, since=dt.date(2030, 9, 1), until=dt.date(2030, 9, 30)) == []
    )
    assert series.meetings.get().status == Status.CANCELLED


def test_dates_before_today_are_not_generated_by_default(host):
    today = timezone.localdate()
    series = make_series(
        host, rule="FREQ=DAILY", first_date=today - dt.timedelta(days=3), start_time=dt.time(23)
    )

    created = series_generate(series=series, until=today + dt.timedelta(days=2))

    assert [m.series_date for m in created] == [today + dt.timedelta(days=n) for n in range(3)]


def test_the_series_until_and_count_bound_the_meetings(host):
    until = make_series(host, until=dt.date(2030, 10, 15))
    counted = make_series(host, slug="counted", count=2)

    series_generate(series=until, since=dt.date(2030, 9, 1), until=dt.date(2031, 6, 30))
    series_generate(series=counted, since=dt.date(2030, 9, 1), until=dt.date(2031, 6, 30))

    assert until.meetings.count() == 2
    assert counted.meetings.count() == 2


def test_the_database_refuses_a_second_meeting_for_the_same_series_date(host):
    series = make_series(host)
    (meeting,) = series_generate(
        series=series, since=dt.date(2030, 9, 1), until=dt.date(2030, 9, 30)
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingFactory(series=series, series_date=meeting.series_date)


def test_series_is_a_reserved_training_slug():
    start = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(TrainingError):
        training_create(
            sessions=[(start, start + dt.timedelta(hours=1))],
            slug="series",
            title="Series",
            kind=Kind.OTHER,
            summary="x",
        )


# --- The series feed --------------------------------------------------------------------------


def test_series_feed_has_one_event_per_public_meeting(client, host):
    series = make_series(host, first_date=timezone.localdate() + dt.timedelta(days=1))
    meetings = series_generate(series=series, until=timezone.localdate() + dt.timedelta(days=150))
    training_cancel(training=meetings[-1])
    other = make_series(host, slug="another-series", title="Another")
    series_generate(series=other, until=timezone.localdate() + dt.timedelta(days=150))
    TrainingFactory(title="Not in the series")

    response = client.get(reverse("trainings:series_feed", kwargs={"slug": series.slug}))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == len(meetings) >= 4
    assert str(calendar["X-WR-CALNAME"]) == series.title
    uids = {str(event["UID"]) for event in events}
    assert uids == {m.sessions.get().uid for m in meetings}
    assert {str(event["STATUS"]) for event in events} == {"CONFIRMED", "CANCELLED"}
    starts = [event.decoded("DTSTART") for event in events]
    assert {(s.hour, s.minute) for s in starts} == {(12, 0)}
    assert {str(s.tzinfo) for s in starts} == {"America/Los_Angeles"}
    assert calendar.walk("VTIMEZONE")
    assert b"meet.example.org" not in response.content  # the join link is never public


def test_series_feed_of_an_unknown_series_answers_404(client):
    response = client.get(reverse("trainings:series_feed", kwargs={"slug": "nope"}))
    assert response.status_code == 404


def test_a_meeting_page_offers_to_subscribe_to_its_series(client, host):
    series = make_series(host, first_date=timezone.localdate() + dt.timedelta(days=1))
    meeting = series_generate(series=series, until=timezone.localdate() + dt.timedelta(days=40))[0]

    page = client.get(meeting.get_absolute_url()).content.decode()
    plain = client.get(TrainingFactory().get_absolute_url()).content.decode()

    feed_url = reverse("trainings:series_feed", kwargs={"slug": series.slug})
    assert "Subscribe to this series" in page
    assert f'href="{feed_url}"' in page
    assert "Subscribe to this series" not in plain


def test_meeting_notes_are_shown_to_signed_in_members_only(client, host, user):
    meeting = TrainingFactory(
        kind=Kind.COMMUNITY_OF_PRACTICE, notes="We discussed **state-dependent** functioning."
    )

    anonymous = client.get(meeting.get_absolute_url()).content.decode()
    client.force_login(user)
    signed_in = client.get(meeting.get_absolute_url()).content.decode()

    assert "state-dependent" not in anonymous
    assert "Sign in to read them" in anonymous
    assert "<strong>state-dependent</strong>" in signed_in
    assert "Meeting notes" in signed_in


def test_notes_are_sanitised_when_shown(client, user):
    meeting = TrainingFactory(notes='Hello <script>alert("x")</script> [link](javascript:alert(1))')
    client.force_login(user)

    page = client.get(meeting.get_absolute_url()).content.decode()

    assert "<script>alert" not in page
    assert "javascript:alert" not in page


# --- The admin --------------------------------------------------------------------------------


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def test_admin_generate_action_creates_six_months_of_meetings_once(curator_client, host):
    series = make_series(host, first_date=timezone.localdate())
    url = reverse("admin:trainings_series_changelist")
    data = {"action": "generate_meetings", "_selected_action": [series.pk]}

    first = curator_client.post(url, data, follow=True)
    count = series.meetings.count()
    curator_client.post(url, data, follow=True)

    assert first.status_code == 200
    assert 5 <= count <= 7
    assert series.meetings.count() == count
    last = series.meetings.order_by("-series_date").first().series_date
    assert last <= timezone.localdate() + dt.timedelta(days=186)


def test_admin_add_form_refuses_a_rule_it_cannot_use(curator_client, host):
    response = curator_client.post(
        reverse("admin:trainings_series_add"),
        {
            "title": "Hourly",
            "slug": "hourly",
            "summary": "x",
            "model": "nmt",
            "format": "online",
            "host_agency": host.pk,
            "capacity": 10,
            "rule": "FREQ=HOURLY",
            "start_time": "12:00",
            "duration_minutes": 60,
            "first_date": "2030-01-01",
            "meetings-TOTAL_FORMS": 0,
            "meetings-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 200
    assert "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY." in response.content.decode()
    assert not Series.objects.filter(slug="hourly").exists()


def test_admin_stores_the_rule_normalised_and_previews_its_dates(curator_client, host):
    today = timezone.localdate()
    response = curator_client.post(
        reverse("admin:trainings_series_add"),
        {
            "title": "Peer consultation",
            "slug": "peer-consultation",
            "summary": "x",
            "model": "nmt",
            "format": "online",
            "host_agency": host.pk,
            "capacity": 10,
            "rule": "rrule:freq=monthly; byday=1tu",
            "start_time": "12:00",
            "duration_minutes": 60,
            "first_date": f"{today:%Y-%m-%d}",
            "meetings-TOTAL_FORMS": 0,
            "meetings-INITIAL_FORMS": 0,
        },
    )
    series = Series.objects.get(slug="peer-consultation")
    change = curator_client.get(reverse("admin:trainings_series_change", args=[series.pk]))

    assert response.status_code == 302
    assert series.rule == "FREQ=MONTHLY;BYDAY=1TU"
    first = occurrence_dates(
        rule=series.rule, first_date=today, since=today, until=today + dt.timedelta(days=40)
    )[0]
    assert f"{first:%a, %b %-d, %Y}" in change.content.decode()
    assert series.get_feed_url() in change.content.decode()
