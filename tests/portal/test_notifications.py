"""Queueing an email: the row is written with the change, the publish happens after commit, and
Redis is never on the request path.

These tests run a Redis server of their own (``own_redis``) so they can stop it; the shared
Redis of this machine serves other test runs. A real Celery worker (``celery_worker``) and a
real SMTP server (``smtp_sink``) do the sending.
"""

import io
import logging
import os
import signal
import time

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from community.tasks import dispatch_due
from portal import notifications
from portal.models import OutboxEmail, OutboxState
from tests.factories import TrainingFactory, UserFactory
from tests.trainings.factories import PersonFactory
from trainings.models import Registration
from trainings.services import registration_create

from .components import QUEUES, celery_worker, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

CONFIRMATION = "registration_confirmed"


def broker_warnings(caplog) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.name == "portal.notifications" and record.levelno == logging.WARNING
    ]


def queued_tasks(redis_server) -> int:
    """Messages waiting in the Celery queues of our Redis."""
    client = redis_server.client()
    return sum(client.llen(queue) for queue in QUEUES)


@pytest.fixture
def signed_in(client):
    person = PersonFactory(user=UserFactory(email="ada@example.org"), display_name="Ada")
    client.force_login(person.user)
    return person


def register(client, training) -> tuple[float, object]:
    started = time.monotonic()
    response = client.post(reverse("trainings:register", args=[training.slug]))
    return time.monotonic() - started, response


def test_a_registration_that_rolls_back_queues_nothing(celery_on, own_redis):
    training = TrainingFactory()
    person = PersonFactory()

    inside = {}

    class Abort(Exception):
        pass

    @transaction.atomic
    def register_then_fail():
        registration_create(training=training, person=person)
        inside["rows"] = OutboxEmail.objects.filter(kind=CONFIRMATION).count()
        inside["published"] = queued_tasks(own_redis)
        raise Abort

    with pytest.raises(Abort):
        register_then_fail()

    # Written inside the transaction, not published before the commit: a worker could not see it.
    assert inside == {"rows": 1, "published": 0}

    assert not Registration.objects.exists()
    assert not OutboxEmail.objects.exists()
    assert queued_tasks(own_redis) == 0

    # The same registration committed publishes exactly one task, after the commit.
    registration_create(training=training, person=person)
    assert OutboxEmail.objects.filter(kind=CONFIRMATION).count() == 1
    assert queued_tasks(own_redis) == 1


def test_a_worker_sends_the_confirmation_once(client, signed_in, smtp_sink, own_redis, celery_on):
    training = TrainingFactory()

    with celery_worker():
        _elapsed, response = register(client, training)
        assert response.status_code == 302
        (received,) = smtp_sink.wait_for(1)
        # The safety net running as well (beat, every minute) finds nothing left to send.
        dispatch_due.delay()
        wait_until(lambda: queued_tasks(own_redis) == 0, timeout=10)

    email = OutboxEmail.objects.get(kind=CONFIRMATION)
    assert email.state == OutboxState.SENT
    assert received.message_id == email.message_id
    assert received.to == ["ada@example.org"]
    assert received.subject == f"You're registered: {training.title}"
    assert smtp_sink.message_ids == [email.message_id]


def test_with_redis_stopped_registering_answers_fast_and_the_email_goes_out_once_redis_is_back(
    client, signed_in, smtp_sink, own_redis, celery_on, caplog
):
    trainings = TrainingFactory.create_batch(3)
    own_redis.stop()

    for training in trainings:
        elapsed, response = register(client, training)
        assert response.status_code == 302
        assert elapsed < 3, f"registering took {elapsed:.1f} s with Redis stopped"

    emails = OutboxEmail.objects.filter(kind=CONFIRMATION)
    assert emails.count() == 3
    assert set(emails.values_list("state", flat=True)) == {OutboxState.PENDING}
    assert smtp_sink.received == []
    # One warning for the outage, not one per email.
    assert len(broker_warnings(caplog)) == 1

    own_redis.start()
    with celery_worker():
        dispatch_due.delay()  # What beat sends every minute.
        smtp_sink.wait_for(3)
        dispatch_due.delay()  # And a minute later: nothing left to send.
        wait_until(lambda: queued_tasks(own_redis) == 0, timeout=10)
        time.sleep(0.2)

    assert sorted(smtp_sink.message_ids) == sorted(e.message_id for e in emails)
    assert set(emails.values_list("state", flat=True)) == {OutboxState.SENT}


def test_with_redis_down_send_due_reminders_sends_the_email_once(
    client, signed_in, smtp_sink, own_redis, celery_on
):
    training = TrainingFactory()
    own_redis.stop()
    elapsed, _response = register(client, training)
    assert elapsed < 3

    call_command("send_due_reminders", stdout=io.StringIO())
    call_command("send_due_reminders", stdout=io.StringIO())

    email = OutboxEmail.objects.get(kind=CONFIRMATION)
    assert email.state == OutboxState.SENT
    assert smtp_sink.message_ids == [email.message_id]

    # Redis comes back with a worker and beat: nothing is sent again.
    own_redis.start()
    with celery_worker():
        dispatch_due.delay()
        wait_until(lambda: queued_tasks(own_redis) == 0, timeout=10)
        time.sleep(0.2)
    assert smtp_sink.message_ids == [email.message_id]


def test_with_redis_hung_registering_still_answers_within_3_seconds(
    client, signed_in, own_redis, celery_on, caplog
):
    """A Redis that accepts connections but never answers (frozen with SIGSTOP, as a hung
    server or a half-open connection behaves) is bounded by the broker's socket timeout."""
    training = TrainingFactory()
    os.kill(own_redis.process.pid, signal.SIGSTOP)
    try:
        elapsed, response = register(client, training)
    finally:
        os.kill(own_redis.process.pid, signal.SIGCONT)

    assert response.status_code == 302
    assert elapsed < 3, f"registering took {elapsed:.1f} s with Redis hung"
    assert OutboxEmail.objects.get(kind=CONFIRMATION).state == OutboxState.PENDING
    assert len(broker_warnings(caplog)) == 1


def test_the_outage_is_logged_again_after_redis_came_back_in_between(own_redis, celery_on, caplog):
    own_redis.stop()
    notifications.publish(1)
    notifications.publish(2)
    own_redis.start()
    notifications.publish(3)
    own_redis.stop()
    notifications.publish(4)

    assert len(broker_warnings(caplog)) == 2
