"""Celery tasks: thin wrappers that take ids and call services."""

from celery import shared_task

from . import services


# acks_late + reject_on_worker_lost: a worker killed mid-task gives the message back. Sending is
# idempotent (a sent row is never claimed again), so running it twice is harmless.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_outbox_email(email_id: int) -> bool:
    return services.outbox_send_one(email_id=email_id)
