"""The digests' trainings and the personal calendar feed."""

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from members.models import (
    Person,
)

from ..models import (
    Registration,
    RegistrationStatus,
    Session,
    Status,
    Training,
)

# The public feed carries at most this many trainings (the soonest), whatever the filters.
from .catalogue import _with_related

# The personal feed keeps a year of past trainings, so calendars keep recent history.
PERSONAL_FEED_HISTORY = dt.timedelta(days=365)


def agency_registrations_between(
    *, agency_ids, start: dt.datetime, end: dt.datetime
) -> QuerySet[Registration]:
    """Active registrations (confirmed and waitlisted) made for these agencies, at published
    trainings with a session starting in [start, end), for the coordinators' weekly digest.

    Each registration's training carries ``sessions_between``: its sessions in that window.
    """
    in_window = Session.objects.filter(starts_at__gte=start, starts_at__lt=end)
    return (
        Registration.objects.active()
        .filter(
            agency_id__in=agency_ids,
            person__isnull=False,
            training__status=Status.PUBLISHED,
            training__in=in_window.values("training"),
        )
        .select_related("training", "person")
        .prefetch_related(
            Prefetch(
                "training__sessions",
                queryset=in_window.order_by("starts_at", "pk"),
                to_attr="sessions_between",
            )
        )
        .order_by("training__starts_at", "training_id", "status", "person__display_name", "pk")
    )


def digest_trainings(*, start: dt.datetime, end: dt.datetime, limit: int) -> list[Training]:
    """Published trainings starting in [start, end), soonest first, for the monthly digest."""
    return list(
        _with_related(
            Training.objects.published()
            .filter(starts_at__gte=start, starts_at__lt=end)
            .order_by("starts_at", "pk")
        )[:limit]
    )


def personal_calendar(*, token: str, now: dt.datetime | None = None):
    """The person whose calendar feed ``token`` opens (or 404), and the trainings they hold a
    confirmed seat at: upcoming ones and a year of past ones. Cancelled trainings stay in, so
    calendar apps show them as cancelled."""
    person = get_object_or_404(Person, calendar_token=token)
    since = (now or timezone.now()) - PERSONAL_FEED_HISTORY
    trainings = _with_related(
        Training.objects.listed()
        .filter(
            registrations__person=person,
            registrations__status=RegistrationStatus.CONFIRMED,
            ends_at__gte=since,
        )
        .order_by("starts_at", "pk")
    )
    return person, trainings
