"""The catalogue's reads: lists, the archive, feeds, a training's page and its materials."""

import datetime as dt

from django.db.models import Prefetch, QuerySet

from members.models import (
    Agency,
)

from ..filters import ArchiveFilter, TrainingFilter
from ..models import (
    Session,
    Status,
    Training,
)

# The public feed carries at most this many trainings (the soonest), whatever the filters.


FEED_LIMIT = 500


def _with_related(queryset: QuerySet[Training]) -> QuerySet[Training]:
    return queryset.select_related("host_agency").prefetch_related(
        Prefetch("sessions", queryset=Session.objects.order_by("starts_at", "pk"))
    )


def training_catalogue(*, data=None, now: dt.datetime | None = None) -> TrainingFilter:
    """Upcoming public trainings, soonest first, filtered by the GET parameters in ``data``."""
    queryset = _with_related(
        Training.objects.listed().upcoming(now=now).order_by("starts_at", "pk")
    )
    return TrainingFilter(data or None, queryset=queryset)


def training_archive(*, data=None, now: dt.datetime | None = None) -> ArchiveFilter:
    """Trainings that have ended, most recent first."""
    queryset = _with_related(Training.objects.listed().past(now=now).order_by("-starts_at", "-pk"))
    return ArchiveFilter(data or None, queryset=queryset)


def training_feed(*, data=None, now: dt.datetime | None = None) -> TrainingFilter:
    return training_catalogue(data=data, now=now)


def upcoming_published(*, limit: int = 100) -> QuerySet[Training]:
    """Published trainings that have not ended, soonest first (a coordinator's picker)."""
    return Training.objects.published().upcoming().order_by("starts_at", "pk")[:limit]


def training_next(*, limit: int, now: dt.datetime | None = None) -> QuerySet[Training]:
    """The next published trainings, for the home page."""
    return _with_related(
        Training.objects.published().upcoming(now=now).order_by("starts_at", "pk")
    )[:limit]


def training_detail_queryset(*, user=None) -> QuerySet[Training]:
    """Trainings a visitor may open: drafts and proposals only for staff (curators previewing
    them)."""
    queryset = Training.objects.all() if user and user.is_staff else Training.objects.listed()
    return _with_related(queryset).select_related("lead_trainer", "series")


def training_other_dates(*, training: Training, limit: int = 5) -> QuerySet[Training]:
    """Other upcoming dates of the same kind and model."""
    return (
        Training.objects.published()
        .upcoming()
        .filter(kind=training.kind, model=training.model)
        .exclude(pk=training.pk)
        .order_by("starts_at", "pk")[:limit]
    )


def sessions_between(*, start: dt.datetime, end: dt.datetime) -> QuerySet[Session]:
    """Public sessions starting in [start, end), with their trainings, for the calendar."""
    return (
        Session.objects.filter(
            starts_at__gte=start,
            starts_at__lt=end,
            training__status__in=[Status.PUBLISHED, Status.CANCELLED],
        )
        .select_related("training", "training__host_agency")
        .order_by("starts_at", "pk")
    )


def agency_hosted_trainings(*, agency: Agency, limit: int = 10) -> QuerySet[Training]:
    return (
        Training.objects.published()
        .upcoming()
        .filter(host_agency=agency)
        .prefetch_related("sessions")
        .order_by("starts_at", "pk")[:limit]
    )


def training_materials(*, training: Training) -> QuerySet:
    """A training's published materials. The library (``resources``, the layer above) declares
    the relation; this reads it through the reverse accessor and the library's own queryset
    method, without importing the library."""
    return training.resources.published().order_by("title")
