"""Reads of the kernel's own rows (the outbox) for the pages above it."""

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from .models import OutboxEmail, OutboxState

# The dispatcher runs every minute (CELERY_BEAT_SCHEDULE) and a failed send is retried with a
# backoff that moves ``due_at`` ahead: a pending email this long past due is stuck (no worker,
# no beat), not waiting its turn.
STUCK_AFTER = dt.timedelta(minutes=15)


def stuck_before(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - STUCK_AFTER


def outbox_trouble_counts(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Emails that failed for good and emails stuck past due (``STUCK_AFTER``). One query."""
    return OutboxEmail.objects.aggregate(
        failed=Count("pk", filter=Q(state=OutboxState.FAILED)),
        stuck=Count("pk", filter=Q(state=OutboxState.PENDING, due_at__lt=stuck_before(now))),
    )
