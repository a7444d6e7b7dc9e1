"""The practice follow-up and the curators' reports."""

import datetime as dt

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from members.models import (
    Agency,
)

from ..models import (
    Attendance,
    Obstacle,
    Practice,
    PracticeReport,
    RegistrationStatus,
    Training,
)

# The public feed carries at most this many trainings (the soonest), whatever the filters.


# Figures from fewer answers are not shown: one person's answer must not be picked out.
PRACTICE_FIGURES_MIN_RESPONDENTS = 5


def practice_report_by_token(*, token: str) -> PracticeReport:
    """The report behind a follow-up link, or 404."""
    return get_object_or_404(
        PracticeReport.objects.select_related("registration__training"), token=token
    )


def practice_figures(*, agency: Agency | None = None) -> dict:
    """How many answers name each practice and each obstacle: for one agency (its staff's
    registrations, ``Registration.agency``) or, with no agency, the whole region. No names.

    One query, grouped by the answers themselves: the service stores them in choice order, so
    there are at most a few thousand distinct groups whatever the number of reports.
    ``enough`` is False below ``PRACTICE_FIGURES_MIN_RESPONDENTS`` answers; pages then show no
    figures.
    """
    reports = PracticeReport.objects.filter(submitted_at__isnull=False)
    if agency is not None:
        reports = reports.filter(registration__agency=agency)
    groups = (
        reports.values_list("practices", "obstacles", "not_started")
        .annotate(n=Count("pk"))
        .order_by()
    )
    practices = dict.fromkeys(Practice.values, 0)
    obstacles = dict.fromkeys(Obstacle.values, 0)
    respondents = not_started = 0
    for chosen_practices, chosen_obstacles, started_not, n in groups:
        respondents += n
        not_started += n if started_not else 0
        for value in chosen_practices or []:
            if value in practices:
                practices[value] += n
        for value in chosen_obstacles or []:
            if value in obstacles:
                obstacles[value] += n
    return {
        "respondents": respondents,
        "not_started": not_started,
        "practices": [(label, practices[value], value) for value, label in Practice.choices],
        "obstacles": [(label, obstacles[value], value) for value, label in Obstacle.choices],
        "enough": respondents >= PRACTICE_FIGURES_MIN_RESPONDENTS,
    }


# --- Curator reports ------------------------------------------------------------------------------


def training_attendance_report(*, year: int, kind: str = "") -> list[Training]:
    """Published trainings whose first session falls in ``year`` (Pacific), with their
    registrations counted by status and attendance, in one query.

    ``no_show_rate`` is absent ÷ confirmed people whose attendance was marked (attended, absent
    or excused): excused people said so in advance. None while nobody is marked.
    """
    start = timezone.make_aware(dt.datetime(year, 1, 1))  # noqa: DTZ001 - made aware here.
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))  # noqa: DTZ001 - made aware here.
    confirmed = Q(registrations__status=RegistrationStatus.CONFIRMED)
    trainings = (
        Training.objects.published()
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("host_agency")
        .annotate(
            confirmed=Count("registrations", filter=confirmed),
            waitlisted=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)
            ),
            cancelled=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.CANCELLED)
            ),
            attended=Count(
                "registrations",
                filter=confirmed & Q(registrations__attendance=Attendance.ATTENDED),
            ),
            absent=Count(
                "registrations", filter=confirmed & Q(registrations__attendance=Attendance.ABSENT)
            ),
            excused=Count(
                "registrations",
                filter=confirmed & Q(registrations__attendance=Attendance.EXCUSED),
            ),
        )
        .order_by("starts_at", "pk")
    )
    if kind:
        trainings = trainings.filter(kind=kind)
    rows = list(trainings)
    for training in rows:
        marked = training.attended + training.absent + training.excused
        training.unmarked = training.confirmed - marked
        training.no_show_rate = training.absent / marked if marked else None
    return rows
