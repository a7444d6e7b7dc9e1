"""The practice follow-up: 30 days after a Phase I or Phase II training, attendees are asked what
they have put into practice and what got in the way.

Its reminder ("practice30") is a row like the others, created, moved and cancelled with them;
the dispatcher opens the person's ``PracticeReport`` and emails the form's link, once. The form
needs no sign-in (the token is the key) and stays open 60 days. The answers are counted, without
names, for an agency and for the region (``/community/``).
"""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from members.models import CredentialLevel
from portal.models import OutboxEmail
from portal.services import outbox_dispatch
from tests.factories import (
    AgencyFactory,
    CredentialFactory,
    PersonFactory,
    TrainingFactory,
    pacific,
)
from tests.trainings.factories import RegistrationFactory, eligible_person
from trainings.models import (
    PRACTICE_FOLLOW_UP,
    Attendance,
    Kind,
    Obstacle,
    Practice,
    PracticeReport,
    Registration,
    ReminderState,
    Session,
    Training,
)
from trainings.selectors import practice_figures
from trainings.services import (
    attendance_mark,
    registration_cancel,
    registration_create,
    training_cancel,
    training_sync_schedule,
)
from trainings.services.practice import (
    PracticeReportClosed,
    PracticeReportError,
    practice_report_open,
    practice_report_submit,
)
from trainings.services.reminders import reminders_enqueue_due

pytestmark = pytest.mark.django_db

KIND = "practice_follow_up"  # The outbox kind of the email.


def phase_1(*sessions: tuple[dt.datetime, dt.datetime], **fields):
    return TrainingFactory(kind=Kind.PHASE_1, sessions=list(sessions), **fields)


def day(start: dt.datetime, hours: int = 7) -> tuple[dt.datetime, dt.datetime]:
    return (start, start + dt.timedelta(hours=hours))


def register(training, *, now: dt.datetime, person=None) -> Registration:
    return registration_create(
        training=training, person=person or eligible_person(training), now=now
    )


def practice_reminder(registration: Registration):
    return registration.reminders.filter(kind=PRACTICE_FOLLOW_UP).first()


# --- When it is due ----------------------------------------------------------------------------


def test_the_practice_follow_up_is_due_at_10_local_30_days_after_the_last_session():
    # A three-day Phase I cohort; the last day is Friday 19 February 2027.
    training = phase_1(
        day(pacific(2027, 2, 5, 9)), day(pacific(2027, 2, 12, 9)), day(pacific(2027, 2, 19, 9))
    )

    registration = register(training, now=pacific(2027, 1, 10, 12))

    reminder = practice_reminder(registration)
    assert timezone.localtime(reminder.due_at) == pacific(2027, 3, 21, 10)
    assert reminder.state == ReminderState.SCHEDULED


def test_a_phase_2_training_has_a_practice_follow_up_too():
    person = PersonFactory()
    CredentialFactory(person=person, level=CredentialLevel.PHASE_1)
    training = TrainingFactory(kind=Kind.PHASE_2, sessions=[day(pacific(2027, 2, 17, 9))])

    registration = register(training, now=pacific(2027, 1, 10, 12), person=person)

    assert timezone.localtime(practice_reminder(registration).due_at) == pacific(2027, 3, 19, 10)


def test_the_follow_up_across_the_november_change_is_at_10_pst_not_an_hour_off():
    # Last session 15 October 2026 (PDT); 30 days later is 14 November, after DST ends.
    registration = register(phase_1(day(pacific(2026, 10, 15, 9))), now=pacific(2026, 9, 1, 12))

    due = practice_reminder(registration).due_at
    assert timezone.localtime(due) == pacific(2026, 11, 14, 10)
    assert timezone.localtime(due).utcoffset() == dt.timedelta(hours=-8)
    assert due.astimezone(dt.UTC).hour == 18


def test_the_follow_up_across_the_march_change_is_at_10_pdt():
    # Last session 20 February 2027 (PST); 30 days later is 22 March, after DST starts.
    registration = register(phase_1(day(pacific(2027, 2, 20, 9))), now=pacific(2027, 1, 10, 12))

    due = practice_reminder(registration).due_at
    assert timezone.localtime(due) == pacific(2027, 3, 22, 10)
    assert due.astimezone(dt.UTC).hour == 17


def test_a_session_ending_late_in_the_evening_counts_its_local_day():
    # 18:00–22:00 PST on 17 February is already 18 February in UTC: the local day counts.
    training = phase_1((pacific(2027, 2, 17, 18), pacific(2027, 2, 17, 22)))

    registration = register(training, now=pacific(2027, 1, 10, 12))

    assert timezone.localtime(practice_reminder(registration).due_at) == pacific(2027, 3, 19, 10)


@pytest.mark.parametrize("kind", [Kind.CONCEPTS, Kind.COMMUNITY_OF_PRACTICE, Kind.OTHER])
def test_other_kinds_of_training_get_no_practice_follow_up(kind):
    training = TrainingFactory(kind=kind, sessions=[day(pacific(2027, 2, 17, 9))])

    registration = register(training, now=pacific(2027, 1, 10, 12))

    assert registration.reminders.exists()  # The usual reminders…
    assert practice_reminder(registration) is None  # …but not this one.


def test_a_waitlisted_person_has_no_practice_follow_up_until_promoted():
    training = phase_1(day(pacific(2027, 2, 17, 9)), capacity=1)
    now = pacific(2027, 1, 10, 12)
    first = register(training, now=now)
    waiting = register(training, now=now)
    assert practice_reminder(waiting) is None

    registration_cancel(registration=first, cancelled_by=first.person.user, now=now)

    assert practice_reminder(waiting).state == ReminderState.SCHEDULED
    assert practice_reminder(first).state == ReminderState.CANCELLED


# --- Moved and cancelled with the other reminders -----------------------------------------------


def _move(training, delta: dt.timedelta) -> None:
    for session in training.sessions.all():
        Session.objects.filter(pk=session.pk).update(
            starts_at=session.starts_at + delta, ends_at=session.ends_at + delta
        )
    training_sync_schedule(training=training)


def test_the_practice_follow_up_moves_with_a_reschedule():
    # Rescheduling runs on the real clock.
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=20)
    training = phase_1(day(start))
    registration = registration_create(training=training, person=eligible_person(training))
    reminder = practice_reminder(registration)
    before = timezone.localtime(reminder.due_at)

    _move(training, dt.timedelta(days=14))

    reminder.refresh_from_db()
    after = timezone.localtime(reminder.due_at)
    assert reminder.state == ReminderState.SCHEDULED
    # The same row, 14 local days later, still at 10:00 (whatever DST did meanwhile).
    assert after.date() - before.date() == dt.timedelta(days=14)
    assert (after.hour, after.minute) == (10, 0)
    assert after.date() == timezone.localtime(training.ends_at).date() + dt.timedelta(days=30)


def test_the_practice_follow_up_is_cancelled_with_the_registration():
    registration = register(phase_1(day(pacific(2027, 2, 17, 9))), now=pacific(2027, 1, 10, 12))

    registration_cancel(
        registration=registration,
        cancelled_by=registration.person.user,
        now=pacific(2027, 1, 11, 12),
    )

    assert practice_reminder(registration).state == ReminderState.CANCELLED
    assert reminders_enqueue_due(now=pacific(2027, 3, 19, 10)) == 0
    assert not OutboxEmail.objects.filter(kind=KIND).exists()
    assert not PracticeReport.objects.exists()


def test_the_practice_follow_up_is_cancelled_with_the_training():
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=20)
    training = phase_1(day(start))
    registration = registration_create(training=training, person=eligible_person(training))

    training_cancel(training=training)

    assert practice_reminder(registration).state == ReminderState.CANCELLED


# --- Delivered once, to attendees only ---------------------------------------------------------


def test_the_follow_up_is_delivered_exactly_once_however_often_the_dispatchers_run(
    mailoutbox, django_capture_on_commit_callbacks
):
    registration = register(phase_1(day(pacific(2027, 2, 17, 9))), now=pacific(2027, 1, 10, 12))
    attendance_mark(
        training=registration.training,
        marks={registration.pk: Attendance.ATTENDED},
        marked_by=None,
        now=pacific(2027, 2, 17, 12),
    )
    due = practice_reminder(registration).due_at
    outbox_dispatch()  # The registration's own confirmation goes out first.
    mailoutbox.clear()

    runs = []
    for minute in (0, 1):
        with django_capture_on_commit_callbacks(execute=True):
            runs.append(reminders_enqueue_due(now=due + dt.timedelta(minutes=minute)))
            outbox_dispatch()

    assert runs == [1, 0]
    (message,) = mailoutbox
    report = PracticeReport.objects.get(registration=registration)
    link = settings.SITE_URL + reverse("trainings:practice_report", args=[report.token])
    assert link in message.body
    assert f'href="{link}"' in message.alternatives[0][0]
    assert message.to == [registration.person.user.email]
    assert "A month after" in message.subject
    email = OutboxEmail.objects.get(kind=KIND)
    assert email.dedupe_key == f"reminder:{practice_reminder(registration).pk}"
    assert practice_reminder(registration).state == ReminderState.SENT
    assert report.opened_at == due
    assert report.submitted_at is None


@pytest.mark.parametrize("attendance", [Attendance.ABSENT, Attendance.EXCUSED])
def test_people_marked_absent_or_excused_get_no_follow_up(attendance):
    training = phase_1(day(pacific(2027, 2, 17, 9)))
    now = pacific(2027, 1, 10, 12)
    away = register(training, now=now)
    unmarked = register(training, now=now)  # Attendance not marked: still asked.
    attendance_mark(
        training=training, marks={away.pk: attendance}, marked_by=None, now=pacific(2027, 2, 17, 12)
    )

    queued = reminders_enqueue_due(now=practice_reminder(away).due_at)

    assert practice_reminder(away).state == ReminderState.CANCELLED
    assert practice_reminder(unmarked).state == ReminderState.SENT
    assert queued == 1  # The unmarked person's email; the others were missed long ago.
    assert list(OutboxEmail.objects.filter(kind=KIND).values_list("to", flat=True)) == [
        [unmarked.person.user.email]
    ]
    assert list(PracticeReport.objects.values_list("registration", flat=True)) == [unmarked.pk]


def test_a_training_no_longer_phase_1_or_2_sends_no_follow_up():
    registration = register(phase_1(day(pacific(2027, 2, 17, 9))), now=pacific(2027, 1, 10, 12))
    # A curator corrects the kind without moving the dates: the row is still scheduled.
    Training.objects.filter(pk=registration.training_id).update(kind=Kind.CONCEPTS)

    assert reminders_enqueue_due(now=practice_reminder(registration).due_at) == 0

    assert practice_reminder(registration).state == ReminderState.CANCELLED
    assert not PracticeReport.objects.exists()


def test_a_follow_up_more_than_12_hours_late_is_missed():
    registration = register(phase_1(day(pacific(2027, 2, 17, 9))), now=pacific(2027, 1, 10, 12))
    due = practice_reminder(registration).due_at

    assert reminders_enqueue_due(now=due + dt.timedelta(hours=12, minutes=1)) == 0

    assert practice_reminder(registration).state == ReminderState.MISSED
    assert not PracticeReport.objects.exists()


# --- The form ----------------------------------------------------------------------------------


@pytest.fixture
def report():
    """An open report for an attendee of a Phase I training that ended 30 days ago."""
    start = timezone.now() - dt.timedelta(days=30, hours=8)
    training = phase_1(day(start), title="Phase I cohort, spring")
    registration = RegistrationFactory(training=training, attendance=Attendance.ATTENDED)
    return practice_report_open(registration=registration)


def form_url(report) -> str:
    return reverse("trainings:practice_report", args=[report.token])


def test_the_form_opens_without_signing_in_and_shows_the_training_and_questions(client, report):
    response = client.get(form_url(report))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Phase I cohort, spring" in page
    assert 'value="sensory_tools"' in page
    assert 'value="leadership"' in page
    assert 'name="not_started"' in page
    assert 'name="note"' in page
    assert '<meta name="robots" content="noindex">' in page


def test_answers_are_saved_in_choice_order_with_a_thank_you(client, report):
    response = client.post(
        form_url(report),
        {
            "practices": [Practice.TEAM_TRAINING, Practice.SENSORY_TOOLS],
            "obstacles": [Obstacle.TIME],
            "note": "  Our calm room opened in May.  ",
        },
        follow=True,
    )

    assert response.redirect_chain == [(form_url(report), 302)]
    assert "Thank you: your answers are saved." in response.content.decode()
    report.refresh_from_db()
    assert report.practices == ["sensory_tools", "team_training"]
    assert report.obstacles == ["time"]
    assert report.not_started is False
    assert report.note == "Our calm room opened in May."
    assert report.submitted_at is not None


def test_answers_can_be_changed_while_the_form_is_open(client, report):
    client.post(form_url(report), {"practices": ["nmt_metrics"], "obstacles": ["cost"]})
    report.refresh_from_db()
    first_answer = report.submitted_at

    response = client.post(form_url(report), {"not_started": "on", "obstacles": ["caseload"]})

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.practices, report.not_started, report.obstacles) == ([], True, ["caseload"])
    assert report.submitted_at == first_answer  # The first answer's time is kept.
    page = client.get(form_url(report)).content.decode()
    assert "We have your answers" in page
    assert 'value="caseload" id="id_obstacles_1" checked' in page


def test_an_unknown_choice_answers_400_with_a_message_and_saves_nothing(client, report):
    response = client.post(form_url(report), {"practices": ["yoga"], "obstacles": ["time"]})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Select a valid choice. yoga is not one of the available choices." in page
    assert "Please check the answers marked below." in page
    report.refresh_from_db()
    assert report.submitted_at is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"obstacles": ["time"]}, "Tick what you have put into practice, or “I haven"),
        (
            {"practices": ["supervision"], "not_started": "on", "obstacles": ["time"]},
            "keep one or the other",
        ),
        ({"practices": ["supervision"]}, "Tick what got in the way"),
        (
            {"practices": ["supervision"], "obstacles": ["nothing", "time"]},
            "can't go with other answers",
        ),
        (
            {"practices": ["supervision"], "obstacles": ["time"], "note": "x" * 1001},
            "Ensure this value has at most 1000 characters",
        ),
    ],
)
def test_answers_that_contradict_each_other_answer_400_beside_the_field(
    client, report, data, message
):
    response = client.post(form_url(report), data)

    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    report.refresh_from_db()
    assert report.submitted_at is None


def test_every_broken_rule_is_shown_at_once(client, report):
    response = client.post(form_url(report), {"obstacles": ["nothing", "time"]})

    assert response.status_code == 400
    page = response.content.decode().replace("&#x27;", "'")
    assert "Tick what you have put into practice" in page
    assert "“Nothing got in the way” can't go with other answers." in page


def test_the_service_checks_the_choices_and_the_window_itself(report):
    with pytest.raises(PracticeReportError) as unknown:
        practice_report_submit(report=report, practices=["yoga"], obstacles=["time"])
    with pytest.raises(PracticeReportClosed):
        practice_report_submit(
            report=report, practices=["sharing"], obstacles=["time"], now=report.closes_at
        )

    assert unknown.value.extra["field"] == "practices"
    done = practice_report_submit(
        report=report,
        practices=["sharing"],
        obstacles=["time"],
        now=report.closes_at - dt.timedelta(seconds=1),
    )
    assert done.practices == ["sharing"]


def test_an_unknown_token_answers_404(client, report):
    url = reverse("trainings:practice_report", args=["not-a-real-token"])

    assert client.get(url).status_code == 404
    assert client.post(url, {"practices": ["sensory_tools"]}).status_code == 404


def test_the_form_closes_60_days_after_the_email(client, report):
    # Still open a minute before the end of the window.
    PracticeReport.objects.filter(pk=report.pk).update(
        opened_at=timezone.now() - dt.timedelta(days=60) + dt.timedelta(minutes=1)
    )
    assert client.get(form_url(report)).status_code == 200

    PracticeReport.objects.filter(pk=report.pk).update(
        opened_at=timezone.now() - dt.timedelta(days=60, minutes=1)
    )
    response = client.get(form_url(report))
    posted = client.post(form_url(report), {"practices": ["sensory_tools"], "obstacles": ["time"]})

    assert response.status_code == 410
    assert "This form is closed" in response.content.decode()
    assert posted.status_code == 410
    report.refresh_from_db()
    assert report.submitted_at is None


# --- The figures ---------------------------------------------------------------------------------


def answered(agency, practices, obstacles, *, not_started=False, training=None):
    registration = RegistrationFactory(
        agency=agency,
        training=training or TrainingFactory(kind=Kind.PHASE_1),
        attendance=Attendance.ATTENDED,
    )
    return PracticeReport.objects.create(
        registration=registration,
        practices=practices,
        obstacles=obstacles,
        not_started=not_started,
        submitted_at=timezone.now(),
    )


def counts(figures, key) -> dict[str, int]:
    return {value: count for _label, count, value in figures[key] if count}


@pytest.fixture
def answers():
    """Agency A: four answers (two the same) and one person who has not answered; agency B: two
    answers; one answer from an independent practitioner (no agency)."""
    a, b = AgencyFactory(slug="bayside"), AgencyFactory(slug="hilltop")
    training = TrainingFactory(kind=Kind.PHASE_1)
    answered(a, ["sensory_tools", "nmt_metrics"], ["time", "caseload"], training=training)
    answered(a, ["sensory_tools"], ["time"], training=training)
    answered(a, ["sensory_tools"], ["time"], training=training)
    answered(a, [], ["leadership"], not_started=True, training=training)
    practice_report_open(registration=RegistrationFactory(agency=a, training=training))
    answered(b, ["sharing", "sensory_tools"], ["nothing"])
    answered(b, ["sharing"], ["cost", "time"])
    answered(None, ["team_training"], ["time"])
    return a, b


def test_an_agencys_figures_count_its_staffs_answers(answers):
    a, b = answers

    figures = practice_figures(agency=a)

    assert figures["respondents"] == 4
    assert figures["not_started"] == 1
    assert counts(figures, "practices") == {"sensory_tools": 3, "nmt_metrics": 1}
    assert counts(figures, "obstacles") == {"time": 3, "caseload": 1, "leadership": 1}
    assert figures["enough"] is False  # Fewer than five answers: not shown.
    assert counts(practice_figures(agency=b), "obstacles") == {"nothing": 1, "cost": 1, "time": 1}


def test_the_region_counts_every_answer_in_choice_order_with_no_names(answers):
    figures = practice_figures()

    assert figures["respondents"] == 7
    assert figures["not_started"] == 1
    assert counts(figures, "practices") == {
        "sensory_tools": 4,
        "nmt_metrics": 1,
        "sharing": 2,
        "team_training": 1,
    }
    assert counts(figures, "obstacles") == {
        "time": 5,
        "caseload": 1,
        "leadership": 1,
        "cost": 1,
        "nothing": 1,
    }
    assert [value for _label, _count, value in figures["practices"]] == Practice.values
    assert [value for _label, _count, value in figures["obstacles"]] == Obstacle.values
    assert figures["enough"] is True


def test_the_figures_are_one_query(django_assert_num_queries, answers):
    with django_assert_num_queries(1):
        practice_figures()


# --- The community page --------------------------------------------------------------------------


def test_the_community_page_shows_the_region_wide_charts_in_at_most_12_queries(
    client, django_assert_max_num_queries
):
    agency = AgencyFactory()
    training = TrainingFactory(kind=Kind.PHASE_1)
    registrations = Registration.objects.bulk_create(
        Registration(training=training, agency=agency, status="confirmed", attendance="attended")
        for _ in range(400)
    )
    PracticeReport.objects.bulk_create(
        PracticeReport(
            registration=registration,
            token=f"token-{n}",
            practices=[Practice.values[n % 6], Practice.values[(n + 2) % 6]] if n % 5 else [],
            not_started=n % 5 == 0,
            obstacles=[Obstacle.values[n % 5]],
            submitted_at=timezone.now(),
        )
        for n, registration in enumerate(registrations)
    )
    # By hand: every fifth person (80) has not started; each of the first five obstacles is
    # named 80 times; "sensory tools" (value 1) is named when n % 6 is 1 (67 people) or 5 (66),
    # less those who had not started (13 and 14): 106.

    with django_assert_max_num_queries(12):
        response = client.get(reverse("community"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "400 people answered the follow-up" in page
    assert "80 had not started yet" in page
    assert '<title id="practice-chart-title">' in page
    assert '<title id="obstacle-chart-title">' in page
    assert '<th scope="row">Time</th><td>80</td>' in page
    assert '<th scope="row">Sensory tools or spaces</th><td>106</td>' in page
    assert '<th scope="row">Nothing got in the way</th><td>0</td>' in page


def test_the_community_page_waits_for_five_answers(client):
    for _ in range(4):
        answered(None, ["sensory_tools"], ["time"])

    page = client.get(reverse("community")).content.decode()

    assert "The totals appear here once enough people have answered." in page
    assert "practice-chart" not in page
