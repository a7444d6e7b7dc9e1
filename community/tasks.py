"""Celery tasks of the top layer: thin wrappers that call one service each (beat names them)."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def dispatch_due() -> dict:
    """The safety net, run by beat every minute: queue due reminders, send due emails."""
    return services.dispatch_due()


@shared_task(ignore_result=True)
def queue_weekly_digests() -> int:
    """Beat, Mondays: the coordinators' weekly digests (once per coordinator and week)."""
    return services.weekly_digests_queue()


@shared_task(ignore_result=True)
def queue_monthly_digest() -> int:
    """Beat, the first of the month: the community digest (once per subscriber and month)."""
    return services.monthly_digest_queue()
