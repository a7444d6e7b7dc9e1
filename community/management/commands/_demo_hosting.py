"""Demo data for hosted trainings: a community-of-practice series with its meetings (attendance
logs, notes and linked resources on the past ones) and one agency proposal waiting for review.

Both are looked up first and only created when missing, so running ``seed_demo`` again changes
nothing. Nothing here sends email: the rows are written as the services would leave them.
"""

import datetime as dt
import random

from dateutil.relativedelta import relativedelta
from django.db.models import Count
from django.utils import timezone

from members.models import Agency, Membership
from resources.models import Resource, ResourceStatus, Visibility
from trainings import selectors, services
from trainings.models import (
    Attendance,
    Format,
    Kind,
    Registration,
    RegistrationStatus,
    Series,
    Status,
    Training,
)

from ._demo_certificates import mark_every_session

SERIES_SLUG = "south-bay-nmt-peer-consultation"
PROPOSAL_SLUG = "regulation-first-classroom-routines"

SERIES_DESCRIPTION = """\
A monthly hour and a half for NMT clinicians and supervisors in the South Bay, in the room or
online.

- **First half:** one case, presented with its NMT metrics, and the group's ideas for sequencing.
- **Second half:** an implementation question: supervision, scheduling, data, budgets.

No client names or identifying details: bring the metrics and the question.
"""

MEETING_NOTES = [
    "**Case:** a 9-year-old in foster care with a high brainstem score; the group suggested "
    "starting with patterned, rhythmic activities at school drop-off before any talk therapy.\n\n"
    "**Implementation:** two clinics now schedule the metric review into intake.\n\n"
    "*Next time:* bring one example of a caregiver coaching plan.",
    "**Case:** an adolescent whose regulation drops sharply after weekend visits. We discussed "
    "timing sessions to the week's rhythm.\n\n"
    "**Implementation:** supervisors compared how they protect time for fidelity review.\n\n"
    "*Shared:* the sensory-break checklist is now in the library.",
    "**Case:** siblings with very different metrics in the same placement; how to plan for both "
    "without splitting the family's week.\n\n"
    "**Implementation:** one agency's budget line for sensory spaces, and how they justified it.",
    "**Case:** a preschooler newly enrolled in a therapeutic classroom.\n\n"
    "**Implementation:** onboarding new staff to NMT concepts before Phase I opens. Several "
    "agencies want a shared concepts session in the spring; Santa Clara will propose one.",
]


def arrival_times(training: Training, count: int, *, now: dt.datetime) -> list[dt.datetime]:
    """When ``count`` people registered for ``training``, one after another: inside its
    registration window (from its opening, or 30 days before it starts) and before ``now``, so
    the first to come hold the seats and the waitlist reads in the order people came."""
    ceiling = min(now, training.registration_deadline)
    latest = ceiling - dt.timedelta(minutes=5)
    opens = training.registration_opens_at
    if opens is None:
        earliest = min(
            training.starts_at - dt.timedelta(days=30), latest - dt.timedelta(minutes=7 * count)
        )
    else:
        # Never before registration opened, even when it opened an hour ago: then they all
        # came in that hour (or in the last minutes, closer together).
        earliest = opens
        if latest <= earliest:
            latest = ceiling
    step = (latest - earliest) / max(count, 1)
    return [earliest + step * index for index in range(count)]


def seed_series(today: dt.date) -> int:
    """The South Bay first-Tuesday series, from four months back to six months ahead; returns
    how many meetings it created."""
    host = Agency.objects.filter(slug="santa-clara-county-bhsd").first()
    if host is None or Series.objects.filter(slug=SERIES_SLUG).exists():
        return 0
    first = (today - relativedelta(months=4)).replace(day=1)
    series = Series.objects.create(
        title="South Bay NMT peer consultation, first Tuesday",
        slug=SERIES_SLUG,
        summary="Peer consultation for NMT clinicians and supervisors in the South Bay: bring a "
        "case question or an implementation win.",
        description=SERIES_DESCRIPTION,
        model="nmt",
        format=Format.HYBRID,
        venue_name="Santa Clara County Learning Center",
        venue_address="1075 E Santa Clara St, San Jose, CA 95116",
        county="santa_clara",
        online_url="https://meet.example.org/south-bay-peer-consultation",
        host_agency=host,
        capacity=30,
        contact_email="nmt@santa-clara-county-bhsd.example.org",
        rule="FREQ=MONTHLY;BYDAY=1TU",
        start_time=dt.time(12, 0),
        duration_minutes=90,
        first_date=first,
    )
    meetings = services.series_generate(
        series=series, since=first, until=today + relativedelta(months=6)
    )
    _fill_meetings(meetings, host)
    return len(meetings)


def _fill_meetings(meetings: list[Training], host: Agency) -> None:
    """Registrations (with attendance marked on past meetings), notes and linked resources."""
    rng = random.Random(1204)  # noqa: S311 - demo data, nothing secret.
    now = timezone.now()
    # NMT practitioners from the host and the agencies nearby, as the demo rosters have them.
    pool = list(
        Membership.objects.active()
        .filter(
            agency__practises_nmt=True,
            agency__county__in=["santa_clara", "san_mateo", "santa_cruz", "alameda"],
            person__user__email__endswith=".example.org",
        )
        .exclude(person__user__email__in=["coordinator@example.org", "practitioner@example.org"])
        .select_related("person", "agency")
        .order_by("pk")
    )
    regulars = [m for m in pool if m.agency_id == host.pk][:12]
    resources = list(
        Resource.objects.filter(status=ResourceStatus.PUBLISHED, visibility=Visibility.PUBLIC)
        .annotate(n=Count("trainings"))
        .order_by("n", "slug")[:6]
    )
    for index, meeting in enumerate(meetings):
        is_past = meeting.ends_at < now
        count = rng.randint(9, 16) if is_past else rng.randint(3, 9)
        chosen = regulars[: count // 2]
        chosen += rng.sample([m for m in pool if m not in chosen], count - len(chosen))
        rows = []
        arrivals = arrival_times(meeting, len(chosen), now=now)
        for membership, arrived in zip(chosen, arrivals, strict=True):
            rows.append(
                Registration(
                    training=meeting,
                    person=membership.person,
                    agency=membership.agency,
                    registered_by=membership.person.user,
                    status=RegistrationStatus.CONFIRMED,
                    arrived_at=arrived,
                    confirmed_at=arrived,
                    attendance=rng.choices(
                        [Attendance.ATTENDED, Attendance.ABSENT, Attendance.EXCUSED], [82, 10, 8]
                    )[0]
                    if is_past
                    else "",
                )
            )
        Registration.objects.bulk_create(rows)
        if is_past:
            mark_every_session(meeting, rows)
        fields = {"seats_taken": len(rows)}
        if is_past:
            fields["notes"] = MEETING_NOTES[index % len(MEETING_NOTES)]
        Training.objects.filter(pk=meeting.pk).update(**fields)
        if is_past and resources:
            for resource in rng.sample(resources, k=min(2, len(resources))):
                resource.trainings.add(meeting)


def seed_proposal(today: dt.date) -> int:
    """A training San Mateo County BHRS (the coordinator@example.org agency) proposed, led by
    one of its Phase II trainers, waiting for a curator. Written as ``training_propose`` leaves
    it, without emailing the curators."""
    agency = Agency.objects.filter(slug="san-mateo-county-bhrs").first()
    if agency is None or Training.objects.filter(slug=PROPOSAL_SLUG).exists():
        return 0
    trainers = [
        person
        for person in selectors.agency_trainers(agency=agency)
        if any(c.model == "nmt" for c in person.trainer_credentials)
    ]
    if not trainers:
        return 0
    day = today + dt.timedelta(days=52)
    day += dt.timedelta(days=(3 - day.weekday()) % 7)  # a Thursday
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
    services.training_create(
        sessions=[(start, start + dt.timedelta(hours=6))],
        slug=PROPOSAL_SLUG,
        title="Regulation First: Classroom Routines with NMT",
        kind=Kind.CONCEPTS,
        model="nmt",
        summary="A one-day concepts training for school-based clinicians and their teaching "
        "partners, led by San Mateo's Phase II trainers.",
        description="We share the routines our school-based teams use to regulate before "
        "teaching: patterned movement at transitions, sensory breaks, and how to read a "
        "classroom's state.\n\nOpen to staff of every member agency.",
        format=Format.IN_PERSON,
        venue_name="San Mateo County Health Campus, Room 100",
        venue_address="225 37th Ave, San Mateo, CA 94403",
        county="san_mateo",
        capacity=30,
        contact_email="nmt@san-mateo-county-bhrs.example.org",
        host_agency=agency,
        lead_trainer=trainers[0],
        status=Status.SUBMITTED,
    )
    return 1
