"""Trainings an agency hosts, its trainers, community-of-practice series, proposals waiting."""

import datetime as dt

from django.db.models import Count, Prefetch, Q
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone

from members.models import (
    Agency,
    Credential,
    CredentialLevel,
    Person,
    active_membership,
)

from ..filters import HostedTrainingFilter
from ..models import (
    Attendance,
    RegistrationStatus,
    Series,
    Status,
    Training,
)

# The public feed carries at most this many trainings (the soonest), whatever the filters.
from .catalogue import FEED_LIMIT, _with_related

# The series feed keeps a year of past meetings, so calendars keep recent history.
SERIES_FEED_HISTORY = dt.timedelta(days=365)


def agency_trainers(*, agency: Agency) -> list[Person]:
    """The agency's active members who hold Phase II / Train-the-Trainer or Mentor (in either
    model), each with ``trainer_credentials``. Two queries."""
    levels = [CredentialLevel.PHASE_2, CredentialLevel.MENTOR]
    return list(
        Person.objects.filter(
            active_membership("memberships"),
            memberships__agency=agency,
            credentials__level__in=levels,
        )
        .distinct()
        .prefetch_related(
            Prefetch(
                "credentials",
                queryset=Credential.objects.filter(level__in=levels).order_by("model", "level"),
                to_attr="trainer_credentials",
            )
        )
        .order_by("display_name", "pk")
    )


def hosted_trainings(*, agency: Agency, data=None) -> HostedTrainingFilter:
    """Every training the agency hosts, proposals and drafts included, with the counts its list
    shows (waitlist, attendance marked) annotated: one query per page, whatever the rows."""
    queryset = (
        Training.objects.filter(host_agency=agency)
        .select_related("lead_trainer", "series")
        .annotate(
            waitlisted=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)
            ),
            attended=Count(
                "registrations",
                filter=Q(
                    registrations__status=RegistrationStatus.CONFIRMED,
                    registrations__attendance=Attendance.ATTENDED,
                ),
            ),
            marked=Count(
                "registrations",
                filter=Q(registrations__status=RegistrationStatus.CONFIRMED)
                & ~Q(registrations__attendance=""),
            ),
        )
        .order_by("starts_at", "pk")
    )
    data = data.copy() if data is not None else QueryDict(mutable=True)
    data.setdefault("when", "upcoming")
    return HostedTrainingFilter(data, queryset=queryset)


def hosted_training(*, agency: Agency, slug: str) -> Training:
    """A training the agency hosts, or 404 (another agency's training does not exist here)."""
    return get_object_or_404(
        Training.objects.filter(host_agency=agency).select_related(
            "lead_trainer", "series", "host_agency"
        ),
        slug=slug,
    )


def series_feed(*, slug: str, now: dt.datetime | None = None):
    """The series (or 404) and its public meetings: a year back and everything ahead, at most
    ``FEED_LIMIT``. Cancelled meetings stay in, so calendars show them as cancelled."""
    series = get_object_or_404(Series, slug=slug)
    since = (now or timezone.now()) - SERIES_FEED_HISTORY
    meetings = _with_related(
        Training.objects.listed().filter(series=series, ends_at__gte=since).order_by("starts_at")
    )[:FEED_LIMIT]
    return series, meetings


def proposals_waiting_count() -> int:
    """Trainings host agencies proposed, waiting for a curator's review."""
    return Training.objects.filter(status=Status.SUBMITTED).count()
