"""Sending the outbox: each due email exactly once, whatever runs the dispatcher.

A row is claimed with ``SELECT … FOR UPDATE SKIP LOCKED``, sent, and marked sent in the same
transaction. Concurrent dispatchers skip rows another one holds, so no row is sent twice. If the
process dies mid-send, its transaction rolls back and the row stays pending: it is sent later,
never lost. (The only window for a duplicate is a crash between the SMTP server accepting the
message and the commit; the stable Message-ID makes such a copy recognisable.)
"""

import base64
import contextlib
import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from .models import OutboxEmail, OutboxState

logger = logging.getLogger(__name__)

# Minutes to wait before each retry; after the last one the email is "failed".
RETRY_BACKOFF_MINUTES = [1, 5, 30, 120, 720]


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


def _send_claimed(email: OutboxEmail, *, connection, now: dt.datetime) -> bool:
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
    email.state = OutboxState.SENT
    email.sent_at = timezone.now()
    email.attempts += 1
    email.save(update_fields=["state", "sent_at", "attempts"])
    return True


def outbox_send_one(*, email_id: int, connection=None) -> bool:
    """Send one outbox email if it is still due and nobody else holds it."""
    now = timezone.now()
    with transaction.atomic():
        email = _claim(email_id=email_id, now=now)
        if email is None:
            return False
        return _send_claimed(email, connection=connection or get_connection(), now=now)


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
            with transaction.atomic():
                email = _claim(email_id=None, now=now)
                if email is None:
                    break
                attempted += 1
                ok = _send_claimed(email, connection=connection, now=now)
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
