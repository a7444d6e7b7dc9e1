"""The agency dashboard (the home of an agency's manage area): one selector, a fixed number of
queries whatever the size of the agency."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from portal.charts import bar_chart
from trainings.models import Attendance, Registration, RegistrationStatus
from trainings.selectors import practice_figures

from .models import (
    Agency,
    AgencyMilestone,
    Credential,
    CredentialLevel,
    MembershipState,
    Person,
    SiteMilestone,
)
from .selectors import agency_figures

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
        [(date_format(month, "M y"), attended.get(month, 0)) for month in months],
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

    ticks = AgencyMilestone.objects.filter(agency=agency, milestone=OuterRef("pk"))
    milestones = list(
        SiteMilestone.objects.annotate(
            done_on=Subquery(ticks.values("done_on")[:1]),
            done_note=Subquery(ticks.values("note")[:1]),
        )
    )
    done_count = sum(1 for milestone in milestones if milestone.done_on)

    trainers = list(
        Person.objects.filter(memberships__agency=agency, memberships__state=MembershipState.ACTIVE)
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
