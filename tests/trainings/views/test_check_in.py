"""Check-in on the day: the host's page shows a session's code and QR code in its window
(30 minutes before the start to the end); a registered attendee who opens the link, signed in,
is checked in; outside the window, for someone not registered, with a forged or another
session's code, nothing changes and the page says why. The online join link checks in too."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from tests.factories import PersonFactory, TrainingFactory, days_from_today
from tests.trainings.factories import RegistrationFactory
from trainings import emails
from trainings.models import (
    Attendance,
    AttendanceMethod,
    Reminder,
    SessionAttendance,
    display_code,
)
from trainings.services import attendance_mark

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def day():
    """A training of two sessions, the first starting in 3 days, hosted by agency A."""
    return days_from_today(3)


@pytest.fixture
def training(day, agency_a):
    return TrainingFactory(
        host_agency=agency_a,
        sessions=[
            (day, day + 3 * HOUR),
            (day + dt.timedelta(days=7), day + dt.timedelta(days=7, hours=3)),
        ],
    )


def _link(session) -> str:
    return reverse("trainings:check_in_code", args=[display_code(session.check_in_code)])


def test_the_host_shows_the_code_and_qr_only_in_the_window(client, training, day, coordinator_a):
    url = reverse(
        "trainings:agency_hosted_check_in",
        kwargs={"slug": training.host_agency.slug, "training_slug": training.slug},
    )
    client.force_login(coordinator_a)
    session = training.sessions.order_by("starts_at").first()
    code = display_code(session.check_in_code)
    with time_machine.travel(day - 31 * MINUTE, tick=False):
        page = client.get(url).content.decode()
        assert code not in page
        assert "<svg" not in page
        assert "opens at" in page
    with time_machine.travel(day - 29 * MINUTE, tick=False):
        page = client.get(url).content.decode()
        assert code in page
        assert "<svg" in page
        assert "0 of 0 confirmed participants checked in" in page
    with time_machine.travel(day + 3 * HOUR + MINUTE, tick=False):
        page = client.get(url).content.decode()
        assert code not in page  # the next session's window is not open yet


def test_a_registered_attendee_checks_in_once_in_the_window(client, training, day):
    registration = RegistrationFactory(training=training)
    session = training.sessions.order_by("starts_at").first()
    client.force_login(registration.person.user)
    with time_machine.travel(day - 10 * MINUTE, tick=False):
        confirm = client.get(_link(session))
        assert "Check me in" in confirm.content.decode()
        assert not SessionAttendance.objects.exists()  # opening the link alone changes nothing
        done = client.post(_link(session))
        assert done.status_code == 200
        assert "You are checked in" in done.content.decode()
        again = client.post(_link(session))
        assert "already checked in" in again.content.decode()
    row = SessionAttendance.objects.get()
    assert (row.session, row.value, row.method) == (session, "attended", AttendanceMethod.CHECK_IN)
    assert row.recorded_by == registration.person.user
    registration.refresh_from_db()
    assert registration.attendance == ""  # one of two sessions


def test_typed_codes_with_spaces_and_lower_case_work(client, training, day):
    registration = RegistrationFactory(training=training)
    session = training.sessions.order_by("starts_at").first()
    client.force_login(registration.person.user)
    typed = " ".join(session.check_in_code.lower())
    with time_machine.travel(day + HOUR, tick=False):
        response = client.post(reverse("trainings:check_in"), {"code": typed})
    assert response.status_code == 200
    assert SessionAttendance.objects.filter(registration=registration).count() == 1


@pytest.mark.parametrize("moment", [-31 * MINUTE, 3 * HOUR + MINUTE])
def test_outside_the_window_the_code_changes_nothing(client, training, day, moment):
    registration = RegistrationFactory(training=training)
    session = training.sessions.order_by("starts_at").first()
    client.force_login(registration.person.user)
    with time_machine.travel(day + moment, tick=False):
        response = client.post(_link(session))
        typed = client.post(reverse("trainings:check_in"), {"code": session.check_in_code})
    assert response.status_code == 404
    assert typed.status_code == 400
    assert "not open" in typed.content.decode()
    assert not SessionAttendance.objects.exists()


def test_forged_and_foreign_codes_and_people_not_registered_change_nothing(client, training, day):
    registration = RegistrationFactory(training=training)
    other = TrainingFactory(sessions=[(day, day + 3 * HOUR)])
    other_session = other.sessions.get()
    session = training.sessions.order_by("starts_at").first()
    client.force_login(registration.person.user)
    with time_machine.travel(day + HOUR, tick=False):
        forged = "".join("A" if ch != "A" else "B" for ch in session.check_in_code)
        assert client.post(reverse("trainings:check_in"), {"code": forged}).status_code == 400
        foreign = client.post(_link(other_session))  # another training's code
        assert foreign.status_code == 409
        assert "not confirmed for this training" in foreign.content.decode()
        stranger = PersonFactory()
        client.force_login(stranger.user)
        assert client.post(_link(session)).status_code == 409
    assert not SessionAttendance.objects.exists()


def test_a_mark_the_host_made_stays_and_a_moved_session_gets_a_new_code(
    client, training, day, curator
):
    registration = RegistrationFactory(training=training)
    session = training.sessions.order_by("starts_at").first()
    with time_machine.travel(day + HOUR, tick=False):
        attendance_mark(
            training=training, session_marks={(registration.pk, session.pk): "absent"},
            marked_by=curator,
        )  # fmt: skip
        client.force_login(registration.person.user)
        response = client.post(_link(session))
    assert "The host has already recorded your attendance" in response.content.decode()
    assert SessionAttendance.objects.get().value == Attendance.ABSENT

    old = session.check_in_code
    session.starts_at += HOUR
    session.ends_at += HOUR
    assert session.check_in_code != old


def test_signed_out_visitors_are_sent_to_sign_in_first(client, training):
    session = training.sessions.order_by("starts_at").first()
    response = client.get(_link(session))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url
    assert "next=" in response.url


def test_the_online_join_link_checks_in_and_opens_the_meeting(client, day):
    training = TrainingFactory(
        format="online", online_url="https://meet.example.org/nmt-42", sessions=[(day, day + HOUR)]
    )
    registration = RegistrationFactory(training=training)
    url = reverse("trainings:join", args=[training.slug])
    client.force_login(registration.person.user)
    with time_machine.travel(day - dt.timedelta(days=1), tick=False):
        early = client.get(url)
    assert early.url == "https://meet.example.org/nmt-42"
    assert not SessionAttendance.objects.exists()
    with time_machine.travel(day + 5 * MINUTE, tick=False):
        response = client.get(url)
    assert response.status_code == 302
    assert response.url == "https://meet.example.org/nmt-42"
    assert SessionAttendance.objects.get().method == AttendanceMethod.JOIN_LINK

    client.force_login(PersonFactory().user)
    assert client.get(url).status_code == 404  # not registered: no link


def test_the_reminder_email_sends_the_portals_join_link_not_the_meeting_link(day):
    training = TrainingFactory(
        format="online", online_url="https://meet.example.org/nmt-42", sessions=[(day, day + HOUR)]
    )
    registration = RegistrationFactory(training=training)
    reminder = Reminder(registration=registration, kind="1d", due_at=day)
    message = emails.training_reminder(reminder=reminder)
    assert re.search(rf"/trainings/{training.slug}/join/", message.body)
    assert "meet.example.org" not in message.body
