"""The outbox dispatcher against a real SMTP server (an aiosmtpd sink on localhost).

Threads here run real dispatchers concurrently, each on its own PostgreSQL connection and SMTP
session, so these tests commit for real (``transaction=True``); a ``TestCase`` transaction would
hide every race.
"""

import datetime as dt
import threading
from collections import Counter
from unittest import mock

import pytest
from django.core.mail import EmailMultiAlternatives
from django.db import OperationalError, connection
from django.db.models import QuerySet
from django.utils import timezone

from portal import notifications, services
from portal.models import OutboxEmail, OutboxState
from portal.services import RETRY_BACKOFF_MINUTES, outbox_dispatch, outbox_retry, outbox_send_one

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def queue_emails(count: int, *, prefix: str = "person") -> list[OutboxEmail]:
    """``count`` due outbox emails, written as the services write them, whose publish never
    reached a worker: the dispatcher's job."""
    with mock.patch.object(notifications, "publish"):
        return [
            notifications.queue(
                EmailMultiAlternatives(f"Email {n}", f"Body {n}", to=[f"{prefix}{n}@example.org"])
            )
            for n in range(count)
        ]


def test_an_email_arrives_with_its_stable_message_id_and_is_marked_sent(smtp_sink):
    (email,) = queue_emails(1)

    assert outbox_dispatch() == 1

    (received,) = smtp_sink.received
    email.refresh_from_db()
    assert received.message_id == email.message_id
    assert received.to == ["person0@example.org"]
    assert email.state == OutboxState.SENT
    assert email.sent_at is not None
    assert email.attempts == 1


def test_dispatching_twice_sends_each_due_email_once(smtp_sink):
    emails = queue_emails(20)

    first = outbox_dispatch()
    second = outbox_dispatch()
    # The per-email task arriving late (its message was still in Redis) sends nothing either.
    late = [outbox_send_one(email_id=email.pk) for email in emails]

    assert (first, second) == (20, 0)
    assert late == [False] * 20
    assert sorted(smtp_sink.message_ids) == sorted(e.message_id for e in emails)
    assert OutboxEmail.objects.filter(state=OutboxState.SENT).count() == 20


def test_an_email_due_later_waits(smtp_sink):
    with mock.patch.object(notifications, "publish"):
        notifications.queue(
            EmailMultiAlternatives("Later", "Body", to=["later@example.org"]),
            due_at=timezone.now() + dt.timedelta(hours=1),
        )

    assert outbox_dispatch() == 0
    assert smtp_sink.received == []


def test_four_dispatchers_racing_on_500_emails_send_each_exactly_once(smtp_sink):
    emails = queue_emails(500)
    barrier = threading.Barrier(4)
    sent: list[int] = []
    errors: list[BaseException] = []

    def dispatcher() -> None:
        try:
            barrier.wait(timeout=10)
            sent.append(outbox_dispatch())
        except BaseException as exc:  # Reported to the test below.
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(sent) == 500
    # They really raced: the work was shared, not done by whoever started first.
    assert sum(1 for count in sent if count) >= 2, sent
    ids = smtp_sink.message_ids
    assert len(ids) == 500
    assert Counter(ids).most_common(1)[0][1] == 1
    assert set(ids) == {e.message_id for e in emails}


def test_a_dropped_smtp_connection_costs_one_attempt_not_the_whole_batch(smtp_sink):
    emails = queue_emails(10)
    smtp_sink.handler.drop_at = {3}

    assert outbox_dispatch() == 9

    states = Counter(OutboxEmail.objects.values_list("state", "attempts"))
    assert states == {(OutboxState.SENT, 1): 9, (OutboxState.PENDING, 1): 1}
    assert len(set(smtp_sink.message_ids)) == 9
    # The dropped one goes out on a later run, once.
    OutboxEmail.objects.filter(state=OutboxState.PENDING).update(due_at=timezone.now())
    assert outbox_dispatch() == 1
    assert sorted(smtp_sink.message_ids) == sorted(e.message_id for e in emails)


def test_a_refused_email_is_retried_with_backoff_then_failed(smtp_sink):
    (email,) = queue_emails(1)
    smtp_sink.handler.refuse = True

    waits = []
    for _attempt in RETRY_BACKOFF_MINUTES:
        before = timezone.now()
        assert outbox_dispatch() == 0
        email.refresh_from_db()
        assert email.state == OutboxState.PENDING
        waits.append(round((email.due_at - before).total_seconds() / 60))
        # Nothing is due until the backoff has passed; then the clock "moves" to the due time.
        assert outbox_dispatch() == 0
        OutboxEmail.objects.filter(pk=email.pk).update(due_at=timezone.now())

    assert waits == RETRY_BACKOFF_MINUTES
    assert outbox_dispatch() == 0
    email.refresh_from_db()
    assert email.state == OutboxState.FAILED
    assert email.attempts == len(RETRY_BACKOFF_MINUTES) + 1
    assert email.last_error.startswith("SMTPDataError")
    assert "554" in email.last_error
    assert smtp_sink.received == []

    # A failed email is never picked up again, until someone retries it.
    smtp_sink.handler.refuse = False
    assert outbox_dispatch() == 0
    assert outbox_retry(emails=[email]) == 1
    assert outbox_dispatch() == 1
    assert smtp_sink.message_ids == [email.message_id]


def test_the_per_email_task_path_retries_with_backoff_too(smtp_sink):
    (email,) = queue_emails(1)
    smtp_sink.handler.refuse = True

    assert outbox_send_one(email_id=email.pk) is False

    email.refresh_from_db()
    assert (email.state, email.attempts) == (OutboxState.PENDING, 1)
    assert email.due_at > timezone.now() + dt.timedelta(seconds=50)


def _lose_the_connection_when_marking_sent(monkeypatch, times: int = 1) -> list[int]:
    """The first ``times`` "sent" marks fail as a PostgreSQL or PgBouncer restart makes them
    fail: after the SMTP server accepted the message, before the commit."""
    real_save = OutboxEmail.save
    lost: list[int] = []

    def save(self, *args, **kwargs):
        if kwargs.get("update_fields") == ["state", "sent_at", "attempts"] and len(lost) < times:
            lost.append(self.pk)
            raise OperationalError("consuming input failed: server closed the connection")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(OutboxEmail, "save", save)
    return lost


def test_a_connection_lost_after_the_smtp_accept_marks_the_email_sent_on_a_fresh_one(
    smtp_sink, monkeypatch
):
    emails = queue_emails(3)
    lost = _lose_the_connection_when_marking_sent(monkeypatch)

    assert outbox_dispatch() == 3

    assert len(lost) == 1
    assert sorted(smtp_sink.message_ids) == sorted(e.message_id for e in emails)
    assert Counter(OutboxEmail.objects.values_list("state", "attempts")) == {
        (OutboxState.SENT, 1): 3
    }
    # Nothing is left for a later run to send a second time.
    OutboxEmail.objects.update(due_at=timezone.now())
    assert outbox_dispatch() == 0
    assert len(smtp_sink.message_ids) == 3


def test_the_per_email_task_path_marks_it_sent_after_a_lost_connection_too(smtp_sink, monkeypatch):
    (email,) = queue_emails(1)
    _lose_the_connection_when_marking_sent(monkeypatch)

    assert outbox_send_one(email_id=email.pk) is True

    email.refresh_from_db()
    assert (email.state, email.attempts) == (OutboxState.SENT, 1)
    assert smtp_sink.message_ids == [email.message_id]


def test_a_database_away_for_longer_leaves_the_accepted_email_pending(smtp_sink, monkeypatch):
    """The window that is left: the email goes out again later, with the same Message-ID."""
    (email,) = queue_emails(1)
    _lose_the_connection_when_marking_sent(monkeypatch)
    monkeypatch.setattr(services, "MARK_SENT_TRIES", 2)
    monkeypatch.setattr(services, "MARK_SENT_PAUSE", 0)
    real_update = QuerySet.update

    def update(self, **kwargs):
        if self.model is OutboxEmail and kwargs.get("state") == OutboxState.SENT:
            raise OperationalError("connection refused")
        return real_update(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", update)
    with pytest.raises(OperationalError):
        outbox_send_one(email_id=email.pk)
    monkeypatch.setattr(QuerySet, "update", real_update)

    email.refresh_from_db()
    assert email.state == OutboxState.PENDING
    assert outbox_send_one(email_id=email.pk) is True
    assert smtp_sink.message_ids == [email.message_id] * 2
