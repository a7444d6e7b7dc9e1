"""The Celery wiring: what beat schedules exists, and the tasks give their message back when a
worker dies."""

import pytest
from django.conf import settings

from community.tasks import dispatch_due
from portal.celery import app as celery_app
from portal.tasks import send_outbox_email


def registered_tasks() -> set[str]:
    # What a worker does at start-up: import every app's tasks module (autodiscover_tasks).
    celery_app.loader.import_default_modules()
    return set(celery_app.tasks)


def test_the_beat_schedule_names_only_tasks_the_worker_knows():
    schedule = celery_app.conf.beat_schedule

    assert schedule == settings.CELERY_BEAT_SCHEDULE
    missing = {entry["task"] for entry in schedule.values()} - registered_tasks()
    assert not missing, f"beat would send tasks no worker runs: {sorted(missing)}"


def test_beat_runs_the_outbox_safety_net_every_minute():
    (entry,) = [e for e in celery_app.conf.beat_schedule.values() if e["task"] == dispatch_due.name]

    assert entry["schedule"] == 60.0


def test_tasks_are_acknowledged_after_running_and_given_back_by_a_dead_worker():
    for task in (send_outbox_email, dispatch_due):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True


def test_the_broker_is_never_waited_on_for_long():
    conf = celery_app.conf
    options = conf.broker_transport_options

    assert conf.broker_connection_timeout <= 1
    assert options["socket_connect_timeout"] <= 1
    assert options["socket_timeout"] <= 1
    assert options["max_retries"] == 0
    # Only short tasks go through Redis; reminders are rows. An unacknowledged message comes back
    # after this, so it must exceed the task time limit.
    assert options["visibility_timeout"] > conf.task_time_limit


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("portal.tasks.send_outbox_email", "email"),
        ("community.tasks.dispatch_due", "default"),
        ("community.tasks.queue_weekly_digests", "default"),
        ("community.tasks.queue_monthly_digest", "default"),
    ],
)
def test_sending_email_has_its_own_queue_and_everything_else_the_default_one(task, queue):
    """Workers scale apart: `-Q email` for sending, `-Q default` for the rest (README)."""
    route = celery_app.amqp.router.route({}, task, args=(), kwargs={})
    assert route["queue"].name == queue
