"""The date-sensitive paths at the hours and on the days where a UTC date is not the local one.

Each test runs with the clock pinned (time-machine) at 23:30 and at 00:30 Pacific time, in
winter and in summer, and on both nights of a DST change. From 16:00 to 24:00 Pacific the UTC
date is already tomorrow's, so anything that takes ``.date()`` of a stored (UTC) time, or builds
"now + N days" at the current hour, shows here as the wrong day.
"""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from community import services as digests
from members.models import Membership, MembershipState, Person, Role
from portal.models import OutboxEmail
from tests.factories import AgencyFactory, TrainingFactory, UserFactory, pacific
from trainings.models import Reminder, Training
from trainings.rules import registration_closed_reason
from trainings.services import registration_create
from trainings.services.registration import RegistrationError
from trainings.services.reminders import planned

pytestmark = pytest.mark.django_db

MOMENTS = {
    "winter-23:30": pacific(2026, 12, 2, 23, 30),
    "winter-00:30": pacific(2026, 12, 3, 0, 30),
    "summer-23:30": pacific(2026, 7, 15, 23, 30),
    "summer-00:30": pacific(2026, 7, 16, 0, 30),
    # DST starts at 02:00 on Sunday, March 8, 2026, and ends at 02:00 on Sunday, November 1.
    "spring-forward-eve-23:30": pacific(2026, 3, 7, 23, 30),
    "spring-forward-00:30": pacific(2026, 3, 8, 0, 30),
    "fall-back-eve-23:30": pacific(2026, 10, 31, 23, 30),
    "fall-back-00:30": pacific(2026, 11, 1, 0, 30),
}


@pytest.fixture(params=list(MOMENTS.values()), ids=list(MOMENTS))
def moment(request):
    """The clock, pinned. Tests read the local day from it; the UTC day differs at 23:30."""
    with time_machine.travel(request.param, tick=False):
        yield timezone.localtime(request.param)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return pacific(day.year, day.month, day.day, hour, minute)


def _member(agency, email: str, *, role=Role.STAFF, weekly_digest=False) -> Person:
    person = Person.objects.create(user=UserFactory(email=email), display_name=email.split("@")[0])
    Membership.objects.create(
        person=person,
        agency=agency,
        role=role,
        state=MembershipState.ACTIVE,
        weekly_digest=weekly_digest,
    )
    return person


def test_the_clock_is_really_pinned_on_a_day_whose_utc_date_differs_at_23_30(moment):
    assert timezone.now() == moment
    if moment.hour == 23:
        assert timezone.now().date() != timezone.localdate()


def test_roster_csv_says_members_joined_on_their_local_day(client, moment):
    agency = AgencyFactory(slug="bayside")
    coordinator = _member(agency, "cora@example.org", role=Role.COORDINATOR)
    client.force_login(coordinator.user)

    response = client.get(reverse("members:manage_staff_export", kwargs={"slug": agency.slug}))

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["Member since"] for row in rows] == [moment.date().isoformat()]


def test_calendar_marks_the_local_today_and_puts_a_late_session_on_its_local_day(client, moment):
    tomorrow = moment.date() + dt.timedelta(days=1)
    TrainingFactory(title="Late circle", sessions=[(at(tomorrow, 22, 30), at(tomorrow, 23, 45))])

    response = client.get(reverse("trainings:calendar"), {"month": f"{tomorrow:%Y-%m}"})

    month = response.context["month"]
    assert [day.date for day in month.days_with_sessions] == [tomorrow]
    today = [day.date for week in month.weeks for day in week if day.is_today]
    assert today == ([moment.date()] if moment.month == tomorrow.month else [])


def test_the_calendar_opens_on_the_local_month(client, moment):
    response = client.get(reverse("trainings:calendar"))
    assert response.context["month"].first == moment.date().replace(day=1)


def test_a_training_that_just_ended_is_past_and_one_that_ends_soon_is_upcoming(client, moment):
    ended = TrainingFactory(
        title="Ended a moment ago",
        sessions=[(moment - dt.timedelta(hours=3), moment - dt.timedelta(minutes=15))],
    )
    running = TrainingFactory(
        title="Ends in a moment",
        sessions=[(moment - dt.timedelta(hours=3), moment + dt.timedelta(minutes=15))],
    )

    upcoming = client.get(reverse("trainings:list")).content.decode()
    past = client.get(reverse("trainings:past")).content.decode()

    assert running.title in upcoming
    assert ended.title not in upcoming
    assert ended.title in past
    assert running.title not in past


def test_registration_opens_on_the_local_day_it_says(moment):
    tomorrow = moment.date() + dt.timedelta(days=1)
    training = TrainingFactory(
        registration_opens_at=at(tomorrow, 0, 0), sessions=[(at(tomorrow, 10), at(tomorrow, 16))]
    )
    expected = f"Registration opens on {tomorrow:%b} {tomorrow.day}, {tomorrow.year}."
    assert registration_closed_reason(training, now=timezone.now()) == expected


def test_registration_closes_at_the_minute_given_not_at_a_utc_midnight(moment):
    tomorrow = moment.date() + dt.timedelta(days=1)
    sessions = [(at(tomorrow, 10), at(tomorrow, 16))]
    still_open = TrainingFactory(
        registration_closes_at=moment + dt.timedelta(minutes=1), sessions=sessions
    )
    closed = TrainingFactory(
        registration_closes_at=moment - dt.timedelta(minutes=1), sessions=sessions
    )
    person = Person.objects.create(user=UserFactory(), display_name="Pat")

    assert registration_create(training=still_open, person=person).pk
    with pytest.raises(RegistrationError, match="Registration has closed"):
        registration_create(training=closed, person=person)


def test_reminders_fall_at_the_same_local_hour_on_the_local_days_before(moment):
    in_two_days = moment.date() + dt.timedelta(days=2)
    training = TrainingFactory(
        reminder_offsets="7d, 1d, 2h", sessions=[(at(in_two_days, 9), at(in_two_days, 12))]
    )
    plan = {kind: timezone.localtime(due) for kind, due in planned(training).items()}

    assert plan["1d"] == at(in_two_days - dt.timedelta(days=1), 9)
    assert plan["7d"] == at(in_two_days - dt.timedelta(days=7), 9)
    assert plan["2h"] == at(in_two_days, 7)
    assert plan["followup"] == at(in_two_days + dt.timedelta(days=1), 10)

    person = Person.objects.create(user=UserFactory(), display_name="Pat")
    registration_create(training=training, person=person)
    # The 7-day reminder's time has passed: a late registration gets no stale reminder.
    kinds = set(Reminder.objects.values_list("kind", flat=True))
    assert kinds == {"1d", "2h", "followup"}


def test_the_weekly_digest_covers_today_and_six_local_days(moment):
    agency = AgencyFactory(name="Bayside Clinic")
    _member(agency, "cora@example.org", role=Role.COORDINATOR, weekly_digest=True)
    staff = _member(agency, "sam@example.org")
    last_day = moment.date() + dt.timedelta(days=6)
    after = last_day + dt.timedelta(days=1)
    inside = TrainingFactory(
        title="Last evening of the week", sessions=[(at(last_day, 22), at(last_day, 23, 45))]
    )
    outside = TrainingFactory(
        title="Just after the week", sessions=[(at(after, 0, 15), at(after, 1))]
    )
    for training in (inside, outside):
        registration_create(training=training, person=staff, agency=agency)

    assert digests.weekly_digests_queue() == 1

    (email,) = OutboxEmail.objects.filter(subject__startswith="This week at")
    assert "Last evening of the week" in email.body_text
    assert "Just after the week" not in email.body_text
    year, week, _ = moment.isocalendar()
    assert email.dedupe_key.endswith(f"{year}-W{week:02d}")


def test_trainings_are_ordered_and_dated_by_local_start(moment):
    tomorrow = moment.date() + dt.timedelta(days=1)
    late = TrainingFactory(sessions=[(at(tomorrow, 23), at(tomorrow, 23, 30))])
    assert Training.objects.upcoming().get() == late
    assert timezone.localdate(late.starts_at) == tomorrow
