"""Reads for the pages that span the domains: the community's region-wide figures and an
agency's dashboard (the home of its manage area), each in a fixed number of queries whatever
the data size."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import (
    Agency,
    County,
    Credential,
    CredentialLevel,
    MembershipState,
    NmtStatus,
    Person,
    active_membership,
)
from members.selectors import agency_figures, milestone_progress, stage_counts
from portal import dates
from portal.charts import bar_chart
from trainings.models import Attendance, Kind, Registration, RegistrationStatus, Status, Training
from trainings.selectors import practice_figures

# The schematic map: one polygon and a label point per county (not to scale). viewBox 0 0 400 460.
COUNTY_SHAPES = {
    County.SONOMA: ("20,20 150,20 160,140 60,170 20,120", (85, 90)),
    County.NAPA: ("150,20 222,30 232,150 160,140", (192, 90)),
    County.SOLANO: ("222,60 335,70 335,172 232,172 232,150", (284, 125)),
    County.MARIN: ("60,170 160,140 166,200 132,240 92,212", (118, 190)),
    County.CONTRA_COSTA: ("190,182 335,172 342,250 232,256 196,232", (270, 215)),
    County.SAN_FRANCISCO: ("112,250 156,250 156,278 112,278", (134, 268)),
    County.ALAMEDA: ("196,232 232,256 342,250 348,322 240,332 202,292", (280, 292)),
    County.SAN_MATEO: ("112,284 158,284 202,332 192,372 142,384 110,324", (152, 330)),
    County.SANTA_CLARA: ("202,300 348,322 362,424 262,432 192,372", (280, 375)),
    County.SANTA_CRUZ: ("142,384 192,372 262,432 202,452 150,424", (198, 418)),
}


def community_figures(*, now: dt.datetime | None = None) -> dict:
    """Member agencies by status and county, people at each stage, trainings held this year,
    community-of-practice meetings and their attendance. Six queries."""
    now = now or timezone.now()
    year_start = timezone.make_aware(dt.datetime(timezone.localdate().year, 1, 1))  # noqa: DTZ001

    by_status = dict(
        Agency.objects.values_list("nmt_status")
        .annotate(n=Count("pk"))
        .values_list("nmt_status", "n")
    )
    by_county = dict(
        Agency.objects.exclude(county="")
        .values_list("county")
        .annotate(n=Count("pk"))
        .values_list("county", "n")
    )
    stages = stage_counts(Credential.objects.filter(active_membership("person__memberships")))
    held = Training.objects.filter(
        status=Status.PUBLISHED, ends_at__gte=year_start, ends_at__lt=now
    ).aggregate(
        trainings=Count("pk"),
        meetings=Count("pk", filter=Q(kind=Kind.COMMUNITY_OF_PRACTICE)),
    )
    attendance = Registration.objects.filter(
        training__status=Status.PUBLISHED,
        training__kind=Kind.COMMUNITY_OF_PRACTICE,
        training__ends_at__gte=year_start,
        training__ends_at__lt=now,
        status=RegistrationStatus.CONFIRMED,
    ).aggregate(
        attended=Count("pk", filter=Q(attendance=Attendance.ATTENDED)),
        marked=Count("pk", filter=~Q(attendance="")),
    )
    agencies = sum(by_status.values())
    meetings = held["meetings"]
    return {
        "agencies": agencies,
        "by_status": [
            (label, by_status.get(value, 0), value) for value, label in NmtStatus.choices
        ],
        "by_county": by_county,
        "stages": stages,
        "trainings_held": held["trainings"],
        "meetings_held": meetings,
        "meeting_attendance": attendance["attended"],
        "meeting_average": round(attendance["attended"] / meetings, 1) if meetings else 0,
        "year": timezone.localdate().year,
    }


def county_map(by_county: dict[str, int]) -> list[dict]:
    """The map's counties, each with its member count and a link to the filtered directory."""
    directory = reverse("members:agency_list")
    top = max(by_county.values(), default=0) or 1
    counties = []
    for value, label in County.choices:
        points, (x, y) = COUNTY_SHAPES[value]
        count = by_county.get(value, 0)
        counties.append(
            {
                "value": value,
                "label": label,
                "count": count,
                "points": points,
                "x": x,
                "y": y,
                "url": f"{directory}?county={value}",
                # Five shades, darker with more agencies; text colour chosen for contrast.
                "shade": 0 if count == 0 else 1 + min(3, int(4 * count / (top + 1))),
            }
        )
    return counties


# --- The agency dashboard -----------------------------------------------------------------------

MONTHS = 12


def _month_starts(today: dt.date, count: int) -> list[dt.date]:
    first = today.replace(day=1)
    months = []
    for _index in range(count):
        months.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def agency_dashboard(*, agency: Agency, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    today = timezone.localdate(now)
    figures = agency_figures(agency=agency)
    roster = reverse("members:manage_staff", kwargs={"slug": agency.slug})
    stages = [
        (_("Trained in concepts"), figures["concepts"], CredentialLevel.CONCEPTS),
        (_("Phase I certified"), figures["phase_1"], CredentialLevel.PHASE_1),
        (_("Phase II / Train-the-Trainer"), figures["phase_2"], CredentialLevel.PHASE_2),
        (_("Mentor"), figures["mentor"], CredentialLevel.MENTOR),
    ]
    funnel = bar_chart(
        _("Staff by stage"),
        [(str(label), count) for label, count, _level in stages],
        urls=[f"{roster}?stage={level}" for _label, _count, level in stages],
    )

    # Trainings attended over time: the agency's attended registrations, by month of training.
    months = _month_starts(today, MONTHS)
    start = timezone.make_aware(dt.datetime.combine(months[0], dt.time.min))
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    attended = dict(
        Registration.objects.filter(
            agency=agency,
            attendance=Attendance.ATTENDED,
            training__starts_at__gte=start,
            training__starts_at__lte=now,
        )
        .annotate(month=TruncMonth("training__starts_at", tzinfo=zone))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    attended = {
        month.date() if hasattr(month, "date") else month: n for month, n in attended.items()
    }
    attendance_chart = bar_chart(
        _("Trainings attended, by month"),
        [(dates.short_month(month), attended.get(month, 0)) for month in months],
        horizontal=False,
    )

    upcoming = list(
        Registration.objects.filter(
            agency=agency,
            status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED],
            training__starts_at__gt=now,
        )
        .select_related("training", "person")
        .order_by("training__starts_at", "training_id", "arrived_at")[:200]
    )

    milestones = milestone_progress(agency=agency, figures=figures)
    done_count = sum(1 for milestone in milestones if milestone.done)

    trainers = list(
        Person.objects.filter(active_membership("memberships"), memberships__agency=agency)
        .filter(
            Exists(
                Credential.objects.filter(
                    person=OuterRef("pk"),
                    level__in=[CredentialLevel.PHASE_2, CredentialLevel.MENTOR],
                )
            )
        )
        .annotate(trained_others=_trained_other_agencies(agency))
        .order_by("display_name")
    )
    waiting = Agency.objects.filter(pk=agency.pk).aggregate(
        requests=Count(
            "memberships",
            filter=Q(memberships__state=MembershipState.REQUESTED),
            distinct=True,
        ),
        invitations=Count(
            "invitations", filter=Q(invitations__accepted_at__isnull=True), distinct=True
        ),
    )
    practices = practice_figures(agency=agency)
    return {
        "request_count": waiting["requests"],
        "invitation_count": waiting["invitations"],
        "practices": practices,
        "practice_chart": bar_chart(
            _("What staff put into practice after Phase I and II"),
            [(str(label), count) for label, count, _value in practices["practices"]],
        ),
        "figures": figures,
        "funnel": funnel,
        "attendance_chart": attendance_chart,
        "attended_total": sum(attended.values()),
        "upcoming": upcoming,
        "upcoming_trainings": len({r.training_id for r in upcoming}),
        "milestones": milestones,
        "milestones_done": done_count,
        "trainers": trainers,
    }


def _trained_other_agencies(agency: Agency):
    """How many people from other agencies attended trainings this trainer led."""
    return Count(
        "led_trainings__registrations",
        filter=Q(led_trainings__registrations__attendance=Attendance.ATTENDED)
        & ~Q(led_trainings__registrations__agency=agency),
        distinct=True,
    )
