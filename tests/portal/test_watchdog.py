"""The workers' watchdog (portal/watchdog.py): a worker that stops consuming ends itself, and one
that works, or waits for its broker, is left alone.

Real worker processes, on the tests' own Redis, sending to the SMTP sink. "Not consuming" is made
the way a solo worker gets there: its one task is stuck (the sink holds the email's DATA), so
its main loop answers nothing, pings included, while the broker is fine.
"""

import os
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from portal.models import OutboxEmail, OutboxState
from portal.tasks import send_outbox_email
from portal.watchdog import EXIT_STUCK, Verdict, Watchdog, children
from tests.community.test_send_due_reminders import due_outbox_emails
from tests.portal.components import MANAGE, dispatcher_env, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

INTERVAL = 1  # seconds between pings
STRIKES = 3
# A solo worker: its tasks run in its main loop, the one that answers pings.
WORKER_OPTIONS = (
    "--pool=solo --queues=email,default --loglevel=INFO --without-mingle --without-gossip "
    "--hostname=watched@%h"
).split()


def start_worker(smtp_sink, own_redis, log, *, interval=INTERVAL) -> subprocess.Popen:
    env = {
        **dispatcher_env(smtp_sink),
        "REDIS_URL": own_redis.url,
        "CELERY_WORKER_WATCHDOG_INTERVAL": str(interval),
        "CELERY_WORKER_WATCHDOG_STRIKES": str(STRIKES),
        "CELERY_WORKER_WATCHDOG_GRACE": "2",
    }
    with log.open("w") as output:
        worker = subprocess.Popen(  # noqa: S603 - this interpreter running celery.
            [sys.executable, "-m", "celery", "-A", "portal", "worker", *WORKER_OPTIONS],
            cwd=MANAGE.parent,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    wait_until(lambda: " ready." in log.read_text(), timeout=60, message="the worker never started")
    return worker


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)


def hold_one_email(smtp_sink):
    """Queue an email for the worker and hold its DATA at the sink: the solo worker is stuck in
    that task until the sink lets go (after 30 s) or the worker dies."""
    smtp_sink.handler.hold_at = 1
    (email,) = due_outbox_emails(1)
    send_outbox_email.delay(email.pk)
    assert smtp_sink.handler.held.wait(timeout=30), "the worker never started sending"
    return email


def test_a_worker_stuck_while_the_broker_answers_ends_itself(
    smtp_sink, own_redis, celery_on, tmp_path
):
    log = tmp_path / "worker.log"
    worker = start_worker(smtp_sink, own_redis, log)
    try:
        started = time.monotonic()
        email = hold_one_email(smtp_sink)
        # Three missed pings (about a second each, plus a second between), then SIGTERM, which
        # the stuck task does not heed, then the exit after the 2 s grace: well before the sink
        # would let go of the email at 30 s.
        worker.wait(timeout=25)
        elapsed = time.monotonic() - started
    finally:
        stop(worker)
    output = log.read_text()
    assert "has not answered its own ping 3 times in a row" in output, output
    assert worker.returncode == EXIT_STUCK, output
    assert elapsed < 25
    # The email it held was never acknowledged by the sink: still due, for the next worker or
    # the dispatcher, never marked sent.
    email.refresh_from_db()
    assert email.state == OutboxState.PENDING
    assert smtp_sink.received == []


def test_a_worker_that_answers_is_left_alone(smtp_sink, own_redis, celery_on, tmp_path):
    """The negative control: the same watchdog, a worker doing its work, twice as long as the
    stuck one lived."""
    log = tmp_path / "worker.log"
    worker = start_worker(smtp_sink, own_redis, log)
    try:
        for email in due_outbox_emails(3):
            send_outbox_email.delay(email.pk)
            time.sleep(2)
        smtp_sink.wait_for(3, timeout=10)
        time.sleep(2 * STRIKES * INTERVAL)
        assert worker.poll() is None, log.read_text()
    finally:
        stop(worker)
    assert "has not answered" not in log.read_text()
    assert set(OutboxEmail.objects.values_list("state", flat=True)) == {OutboxState.SENT}


def test_a_worker_waiting_for_its_broker_is_not_stuck(smtp_sink, own_redis, celery_on, tmp_path):
    """With Redis down, no ping is answered, but that says nothing about the worker: it stays,
    and consumes again when Redis is back."""
    log = tmp_path / "worker.log"
    worker = start_worker(smtp_sink, own_redis, log)
    try:
        own_redis.stop()
        time.sleep(3 * STRIKES * INTERVAL)
        assert worker.poll() is None, log.read_text()
        own_redis.start()
        (email,) = due_outbox_emails(1)
        wait_until(
            lambda: _published(email.pk), timeout=20, message="could not publish after the restart"
        )
        smtp_sink.wait_for(1, timeout=30)
    finally:
        stop(worker)
    assert "has not answered" not in log.read_text()


def _published(email_id: int) -> bool:
    try:
        send_outbox_email.apply_async(args=[email_id], retry=False)
    except Exception:
        return False
    return True


def test_the_verdict_counts_only_misses_in_a_row_while_the_broker_answers():
    verdict = Verdict(strikes=3)
    assert not verdict.record(answered=False, broker_up=True)
    assert not verdict.record(answered=False, broker_up=True)
    assert not verdict.record(answered=True, broker_up=True)  # an answer starts the count again
    assert not verdict.record(answered=False, broker_up=True)
    assert not verdict.record(answered=False, broker_up=False)  # the broker's outage: no count
    assert not verdict.record(answered=False, broker_up=True)
    assert verdict.record(answered=False, broker_up=True)


def test_the_watchdog_is_off_where_its_interval_is_0():
    def worker(interval):
        return SimpleNamespace(app=SimpleNamespace(conf={"worker_watchdog_interval": interval}))

    assert not Watchdog.include_if(None, worker(0))
    assert Watchdog.include_if(None, worker(30))


def test_children_lists_a_process_s_children():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in children(os.getpid())
    finally:
        child.kill()
        child.wait()
