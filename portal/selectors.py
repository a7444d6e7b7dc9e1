"""Reads for the community pages: region-wide figures computed live, in a fixed number of
queries whatever the data size."""

import datetime as dt

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from members.models import Agency, County, Credential, MembershipState, NmtStatus
from members.selectors import stage_counts
from trainings.models import Attendance, Kind, Registration, RegistrationStatus, Status, Training

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
    stages = stage_counts(
        Credential.objects.filter(person__memberships__state=MembershipState.ACTIVE)
    )
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
