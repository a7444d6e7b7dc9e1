"""Queueing the emails of trainings (built by ``trainings.emails``) in the outbox."""

from collections.abc import Callable

from django.core.mail import EmailMultiAlternatives

from portal import notifications
from portal.models import OutboxEmail

from ..models import Registration


def queue_to_attendee(
    registration: Registration,
    build: Callable[..., EmailMultiAlternatives],
    /,
    *,
    dedupe_key: str | None = None,
    **context,
) -> OutboxEmail | None:
    """Queue ``build(**context)`` for the person of ``registration``. A registration kept from a
    deleted account (no person) gets no email."""
    if registration.person is None:
        return None
    return notifications.queue(build(**context), dedupe_key=dedupe_key)
