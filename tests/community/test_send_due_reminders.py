"""``manage.py send_due_reminders`` and Celery workers as separate processes, the way they run
in production: several at once, killed with SIGKILL, started again.

Each process has its own PostgreSQL connection, so the data is committed (``transaction=True``).
The dispatcher processes run the local settings with no ``REDIS_URL``, on the test database,
sending to the SMTP sink of the test.
"""

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from unittest import mock

import pytest
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.utils import timezone

from community.tasks import dispatch_due
from portal import notifications
from portal.models import OutboxEmail, OutboxState
from portal.watchdog import children
from tests.factories import TrainingFactory
from tests.portal.components import (
    MANAGE,
    dispatcher_env,
    finish,
    start_dispatcher,
    wait_until,
)
from tests.trainings.factories import people_in_bulk
from trainings.models import Registration, RegistrationStatus, Reminder, ReminderState, Training

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

# A production-like worker (prefork: tasks run in a child process), one child, no cluster chatter.
WORKER_OPTIONS = (
    "--pool=prefork --concurrency=1 --queues=email,default --loglevel=INFO --without-mingle "
    "--without-gossip "
    "--without-heartbeat"
).split()
SUMMARY = re.compile(r"Queued (\d+) reminders, issued \d+ certificates, sent (\d+) emails\.")


def due_outbox_emails(count: int) -> list[OutboxEmail]:
    """``count`` due emails whose publish never reached a worker: the dispatcher's job."""
    with mock.patch.object(notifications, "publish"):
        return [
            notifications.queue(
                EmailMultiAlternatives(f"Email {n}", f"Body {n}", to=[f"person{n}@example.org"])
            )
            for n in range(count)
        ]


def due_reminders(count: int) -> list[Reminder]:
    """``count`` confirmed people at a training tomorrow, each with a 1-day reminder due now."""
    training = TrainingFactory(
        capacity=count, days_ahead=1, format="online", online_url="https://meet.example.org/nmt"
    )
    now = timezone.now()
    registrations = Registration.objects.bulk_create(
        Registration(
            training=training,
            person=person,
            status=RegistrationStatus.CONFIRMED,
            arrived_at=now,
            confirmed_at=now,
        )
        for person in people_in_bulk(count)
    )
    Training.objects.filter(pk=training.pk).update(seats_taken=F("seats_taken") + count)
    return Reminder.objects.bulk_create(
        Reminder(registration=r, kind="1d", due_at=now - dt.timedelta(minutes=1))
        for r in registrations
    )


def test_send_due_reminders_needs_no_redis(smtp_sink):
    (email,) = due_outbox_emails(1)
    (reminder,) = due_reminders(1)
    env = dispatcher_env(smtp_sink)
    assert "REDIS_URL" not in env

    stdout, _stderr = finish(start_dispatcher(smtp_sink))

    assert SUMMARY.search(stdout)
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.SENT
    reminder_email = OutboxEmail.objects.get(dedupe_key=f"reminder:{reminder.pk}")
    assert sorted(smtp_sink.message_ids) == sorted([email.message_id, reminder_email.message_id])
    assert set(OutboxEmail.objects.values_list("state", flat=True)) == {OutboxState.SENT}


def test_four_dispatcher_processes_on_500_due_reminders_send_500_emails_once_each(smtp_sink):
    due_reminders(500)

    processes = [start_dispatcher(smtp_sink) for _ in range(4)]
    outputs = [finish(process, timeout=120)[0] for process in processes]

    summaries = [tuple(map(int, SUMMARY.search(out).groups())) for out in outputs]
    queued = [reminders for reminders, _sent in summaries]
    assert sum(queued) == 500
    # They really raced: the reminders were shared out, not all taken by the first to start.
    assert sum(1 for n in queued if n) >= 2, summaries
    ids = smtp_sink.message_ids
    assert len(ids) == 500
    assert Counter(ids).most_common(1)[0][1] == 1
    assert set(ids) == set(OutboxEmail.objects.values_list("message_id", flat=True))
    assert OutboxEmail.objects.filter(state=OutboxState.SENT).count() == 500
    assert Reminder.objects.filter(state=ReminderState.SENT).count() == 500


def test_a_dispatcher_killed_mid_batch_and_started_again_loses_nothing_and_sends_nothing_twice(
    smtp_sink,
):
    emails = due_outbox_emails(200)
    sink = smtp_sink.handler
    sink.delay = 0.002  # A slow server: most of the dispatcher's time is spent waiting on it.
    sink.hold_at = 60  # Hold the 60th message: the dispatcher is killed while it is in flight.

    first = start_dispatcher(smtp_sink)
    assert sink.held.wait(timeout=60), "the dispatcher never reached the 60th email"
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=10)

    # Everything the server accepted was marked sent; the row in flight went back to pending,
    # without an attempt counted (its transaction died with the process).
    assert len(smtp_sink.received) == 59
    wait_until(lambda: OutboxEmail.objects.filter(state=OutboxState.SENT).count() == 59, timeout=5)
    assert OutboxEmail.objects.filter(state=OutboxState.PENDING, attempts=0).count() == 141

    sink.hold_at = None
    finish(start_dispatcher(smtp_sink), timeout=60)

    ids = smtp_sink.message_ids
    assert len(ids) == 200
    assert Counter(ids).most_common(1)[0][1] == 1
    assert set(ids) == {email.message_id for email in emails}
    assert set(OutboxEmail.objects.values_list("state", "attempts")) == {(OutboxState.SENT, 1)}


def test_a_worker_process_killed_mid_batch_gets_its_task_back_and_finishes_the_batch(
    smtp_sink, own_redis, celery_on, tmp_path
):
    """A prefork worker whose child is SIGKILLed: acks_late and reject_on_worker_lost put the
    dispatch task back on the queue, a new child runs it again, and it carries on where the
    dead one stopped."""
    emails = due_outbox_emails(100)
    sink = smtp_sink.handler
    sink.hold_at = 40
    env = {**dispatcher_env(smtp_sink), "REDIS_URL": own_redis.url}
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        worker = subprocess.Popen(  # noqa: S603 - this interpreter running celery.
            [sys.executable, "-m", "celery", "-A", "portal", "worker", *WORKER_OPTIONS],
            cwd=MANAGE.parent,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        dispatch_due.delay()
        assert sink.held.wait(timeout=60), f"the worker never reached email 40:\n{log.read_text()}"
        (child,) = children(worker.pid)
        os.kill(child, signal.SIGKILL)
        smtp_sink.wait_for(100, timeout=60)
        time.sleep(0.3)  # Room for a duplicate to show up.
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    output = log.read_text()
    assert "WorkerLostError" in output or "Process 'ForkPoolWorker" in output, output
    ids = smtp_sink.message_ids
    assert len(ids) == 100
    assert set(ids) == {email.message_id for email in emails}
    assert set(OutboxEmail.objects.values_list("state", flat=True)) == {OutboxState.SENT}
