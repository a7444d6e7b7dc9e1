"""Sending the outbox: each due email exactly once, whatever runs the dispatcher.

A row is claimed with ``SELECT … FOR UPDATE SKIP LOCKED``, sent, and marked sent in the same
transaction. Concurrent dispatchers skip rows another one holds, so no row is sent twice. If the
process dies mid-send, its transaction rolls back and the row stays pending: it is sent later,
never lost. If the database connection is lost after the SMTP server accepted the message (a
PostgreSQL or PgBouncer restart: the "sent" mark cannot commit), the row is marked sent on a
fresh connection, retried for a few seconds, so that it does not go out again. (The window left
for a duplicate is a crash of the process itself between the SMTP server accepting the message
and the commit, or a database away for longer; the stable Message-ID makes such a copy
recognisable.)
"""

import base64
import contextlib
import datetime as dt
import logging
import time

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError, transaction
from django.db import connection as db_connection
from django.db.models import F
from django.utils import timezone

from .models import OutboxEmail, OutboxState

logger = logging.getLogger(__name__)

# Minutes to wait before each retry; after the last one the email is "failed".
RETRY_BACKOFF_MINUTES = [1, 5, 30, 120, 720]
# Marking an accepted email sent after its connection was lost: tries, and seconds between.
MARK_SENT_TRIES = 20
MARK_SENT_PAUSE = 0.5


def _message(email: OutboxEmail, connection) -> EmailMultiAlternatives:
    headers = {**email.headers, "Message-ID": email.message_id}
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        headers=headers,
        connection=connection,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    for attachment in email.attachments:
        message.attach(
            attachment["filename"],
            base64.b64decode(attachment["content"]),
            attachment["mimetype"],
        )
    return message


def _claim(*, email_id: int | None, now: dt.datetime) -> OutboxEmail | None:
    queryset = OutboxEmail.objects.due(now=now).select_for_update(skip_locked=True)
    if email_id is not None:
        queryset = queryset.filter(pk=email_id)
    return queryset.order_by("due_at", "pk").first()


def _mark_sent_after_lost_connection(email: OutboxEmail, *, accepted_at: dt.datetime) -> None:
    """The SMTP server accepted ``email`` but the transaction that marks it sent failed on the
    database. Mark it sent on a fresh connection, retrying while the database comes back; if it
    never does, re-raise (the row stays pending and the email goes out once more, same
    Message-ID). Only a row still pending is marked: one claimed meanwhile is its dispatcher's."""
    for attempt in range(MARK_SENT_TRIES):
        db_connection.close()  # The broken one; the next query opens another.
        try:
            OutboxEmail.objects.filter(pk=email.pk, state=OutboxState.PENDING).update(
                state=OutboxState.SENT, sent_at=accepted_at, attempts=F("attempts") + 1
            )
        except DatabaseError:
            if attempt == MARK_SENT_TRIES - 1:
                raise
            time.sleep(MARK_SENT_PAUSE)
        else:
            logger.warning("Outbox email %s marked sent after its connection was lost", email.pk)
            return


def _send_claimed(email: OutboxEmail, *, connection, now: dt.datetime) -> bool:
    """Send a claimed row and mark it (sent, or its next try). If the mark fails on the
    database, ``email.accepted_at`` says whether the SMTP server had accepted it already."""
    email.accepted_at = None
    try:
        _message(email, connection).send()
    except Exception as exc:  # SMTP and network errors alike: retry with backoff.
        email.attempts += 1
        email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if email.attempts > len(RETRY_BACKOFF_MINUTES):
            email.state = OutboxState.FAILED
            logger.error("Giving up on outbox email %s: %s", email.pk, email.last_error)
        else:
            delay = RETRY_BACKOFF_MINUTES[email.attempts - 1]
            email.due_at = now + dt.timedelta(minutes=delay)
        email.save(update_fields=["attempts", "last_error", "state", "due_at"])
        return False
    email.accepted_at = email.sent_at = timezone.now()
    email.state = OutboxState.SENT
    email.attempts += 1
    email.save(update_fields=["state", "sent_at", "attempts"])
    return True


def outbox_send_one(*, email_id: int, connection=None) -> bool:
    """Send one outbox email if it is still due and nobody else holds it."""
    now = timezone.now()
    email = None
    try:
        with transaction.atomic():
            email = _claim(email_id=email_id, now=now)
            if email is None:
                return False
            return _send_claimed(email, connection=connection or get_connection(), now=now)
    except DatabaseError:
        if email is None or getattr(email, "accepted_at", None) is None:
            raise
        _mark_sent_after_lost_connection(email, accepted_at=email.accepted_at)
        return True


def outbox_dispatch(*, limit: int | None = None) -> int:
    """Send every due outbox email (up to ``limit``), one claimed row per transaction, over one
    SMTP connection. Returns how many were sent."""
    sent = 0
    attempted = 0
    connection = get_connection()
    try:
        connection.open()
        while limit is None or attempted < limit:
            now = timezone.now()
            email = None
            try:
                with transaction.atomic():
                    email = _claim(email_id=None, now=now)
                    if email is None:
                        break
                    attempted += 1
                    ok = _send_claimed(email, connection=connection, now=now)
            except DatabaseError:
                if email is None or getattr(email, "accepted_at", None) is None:
                    raise
                _mark_sent_after_lost_connection(email, accepted_at=email.accepted_at)
                ok = True
            sent += ok
            if not ok:
                # A dropped SMTP session leaves the backend unusable: start a fresh one, so one
                # hiccup costs this email an attempt, not every email left in the batch.
                with contextlib.suppress(Exception):
                    connection.close()
                connection.open()
    finally:
        try:
            connection.close()
        except Exception:  # A broken connection is closed already.
            logger.debug("SMTP connection did not close cleanly", exc_info=True)
    return sent


def outbox_retry(*, emails) -> int:
    """Put failed emails back in the queue (the admin's "retry failed" action)."""
    return OutboxEmail.objects.filter(
        pk__in=[e.pk for e in emails], state=OutboxState.FAILED
    ).update(state=OutboxState.PENDING, attempts=0, due_at=timezone.now(), last_error="")


def outbox_counts() -> dict[str, int]:
    now = timezone.now()
    return {
        "due": OutboxEmail.objects.due(now=now).count(),
        "failed": OutboxEmail.objects.filter(state=OutboxState.FAILED).count(),
    }
