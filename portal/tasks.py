"""Celery tasks: thin wrappers that take ids and call services."""

from celery import shared_task

from members.digests import monthly_digest_queue, weekly_digests_queue

from . import services


# acks_late + reject_on_worker_lost: a worker killed mid-task gives the message back. Sending is
# idempotent (a sent row is never claimed again), so running it twice is harmless.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_outbox_email(email_id: int) -> bool:
    return services.outbox_send_one(email_id=email_id)


@shared_task(ignore_result=True)
def dispatch_due() -> dict:
    """The safety net, run by beat every minute: queue due reminders, send due emails."""
    return services.dispatch_due()


@shared_task(ignore_result=True)
def queue_weekly_digests() -> int:
    """Beat, Mondays: the coordinators' weekly digests (once per coordinator and week)."""
    return weekly_digests_queue()


@shared_task(ignore_result=True)
def queue_monthly_digest() -> int:
    """Beat, the first of the month: the community digest (once per subscriber and month)."""
    return monthly_digest_queue()
