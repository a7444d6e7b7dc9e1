"""Demo data for attendance and certificates: the demo practitioner and staff of San Mateo
County BHRS took a four-session Phase I cohort with CE hours (attendance per session, a
certificate each, one person short of the rule) and a concepts training that asks for an
evaluation (the practitioner's certificate waits for theirs; six colleagues answered). A
third training keeps a session open for check-in whenever ``seed_demo`` runs, so the check-in
page and the code can be tried at once.

Looked up by slug and created when missing; certificates go through the services, and the
emails they queue are marked sent (nothing is mailed to the demo addresses)."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from members.models import Agency, Person, Role
from portal.models import OutboxEmail, OutboxState
from trainings import services
from trainings.models import (
    Attendance,
    AttendanceMethod,
    AttendanceRule,
    Format,
    Kind,
    Registration,
    RegistrationStatus,
    Session,
    SessionAttendance,
    Status,
    Training,
)

COHORT_SLUG = "nmt-phase-i-cohort-san-mateo-fall"
EVALUATED_SLUG = "nmt-concepts-for-new-staff-demo-evaluation"
CHECK_IN_SLUG = "nmt-concepts-drop-in-demo-check-in"
HOST = "san-mateo-county-bhrs"

COMMENTS = [
    "The brainstem-first sequence finally made sense to me.",
    "More time for the case examples, please.",
    "",
    "Useful for our classroom routines.",
    "",
    "Clear and practical.",
]


def mark_every_session(training: Training, registrations: list[Registration]) -> None:
    """Attendance per session for demo registrations whose attendance was written directly:
    the same mark for each session, as a host marking the whole list would leave it."""
    sessions = list(training.sessions.all())
    SessionAttendance.objects.bulk_create(
        SessionAttendance(
            registration=registration,
            session=session,
            value=registration.attendance,
            method=AttendanceMethod.ROSTER,
            recorded_at=training.ends_at,
        )
        for registration in registrations
        if registration.attendance
        for session in sessions
    )


def _training(slug: str, **fields) -> tuple[Training, bool]:
    training = Training.objects.filter(slug=slug).first()
    if training is not None:
        return training, False
    agency = Agency.objects.get(slug=HOST)
    training = Training.objects.create(
        slug=slug,
        host_agency=agency,
        status=Status.PUBLISHED,
        format=Format.IN_PERSON,
        venue_name="San Mateo County Health Campus",
        venue_address="225 37th Ave, San Mateo, CA",
        county=agency.county,
        contact_email="training@example.org",
        **fields,
    )
    return training, True


def _sessions(training: Training, starts: list[dt.datetime], hours: float) -> None:
    for n, start in enumerate(starts, start=1):
        Session.objects.create(
            training=training,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=hours),
            title=f"Day {n}" if len(starts) > 1 else "",
        )
    services.training_sync_schedule(training=training, bump_sequence=False)


def _register(training: Training, people: list[Person], agency: Agency) -> list[Registration]:
    arrived = training.starts_at - dt.timedelta(days=30)
    rows = Registration.objects.bulk_create(
        Registration(
            training=training,
            person=person,
            agency=agency,
            registered_by=person.user,
            status=RegistrationStatus.CONFIRMED,
            arrived_at=arrived + dt.timedelta(minutes=n),
            confirmed_at=arrived + dt.timedelta(minutes=n),
        )
        for n, person in enumerate(people)
    )
    Training.objects.filter(pk=training.pk).update(seats_taken=len(rows))
    return rows


def _staff(agency: Agency, count: int) -> list[Person]:
    practitioner = Person.objects.get(user__email="practitioner@example.org")
    others = list(
        Person.objects.filter(
            memberships__agency=agency, memberships__state="active", memberships__role=Role.STAFF
        )
        .exclude(pk=practitioner.pk)
        .order_by("pk")[: count - 1]
    )
    return [practitioner, *others]


def seed_certificates(today: dt.date) -> int:
    """Returns how many certificates were issued (their emails marked sent)."""
    agency = Agency.objects.get(slug=HOST)
    curator = Person.objects.filter(user__email="admin@example.org").first()
    marked_by = curator.user if curator else None
    AttendanceRule.objects.get_or_create(kind=Kind.PHASE_1, defaults={"minimum_percent": 75})

    cohort, created = _training(
        COHORT_SLUG,
        title="NMT Phase I cohort, San Mateo (fall)",
        kind=Kind.PHASE_1,
        summary="Four Thursdays of NMT Phase I, with CE hours for BBS licensees.",
        capacity=24,
        ce_hours=Decimal("24"),
        ce_approving_body="the California Board of Behavioral Sciences (through a CAMFT-approved "
        "continuing education provider)",
        ce_provider_number="CEP 1001",
        ce_licences="LMFT, LCSW, LPCC, LEP",
    )
    if created:
        first = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=49), dt.time(9)))
        _sessions(cohort, [first + dt.timedelta(days=7 * n) for n in range(4)], 6)
        cohort.refresh_from_db()
        people = _staff(agency, 6)
        registrations = _register(cohort, people, agency)
        practitioner = people[0]
        practitioner.certificate_name = practitioner.certificate_name or "Pat Practitioner"
        practitioner.licence_type, practitioner.licence_number = "LMFT", "123456"
        practitioner.save(update_fields=["certificate_name", "licence_type", "licence_number"])
        sessions = list(cohort.sessions.order_by("starts_at"))
        marks = {}
        for n, registration in enumerate(registrations):
            for m, session in enumerate(sessions):
                # The fifth person missed two days: below the 75% rule, no certificate.
                missed = (n == 4 and m in (1, 2)) or (n == 2 and m == 3)
                value = Attendance.EXCUSED if n == 2 and missed else Attendance.ABSENT
                marks[(registration.pk, session.pk)] = value if missed else Attendance.ATTENDED
        services.attendance_mark(
            training=cohort, session_marks=marks, marked_by=marked_by, now=timezone.now()
        )

    evaluated, created = _training(
        EVALUATED_SLUG,
        title="NMT concepts for new staff",
        kind=Kind.CONCEPTS,
        summary="A one-day introduction to the Neurosequential Model, with an evaluation.",
        capacity=30,
        evaluation_required=True,
    )
    if created:
        start = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=3), dt.time(9)))
        _sessions(evaluated, [start], 6)
        evaluated.refresh_from_db()
        registrations = _register(evaluated, _staff(agency, 7), agency)
        services.attendance_mark(
            training=evaluated,
            marks={r.pk: Attendance.ATTENDED for r in registrations},
            marked_by=marked_by,
        )
        # Everyone but the practitioner (the first) has answered the evaluation.
        for registration, comment in zip(registrations[1:], COMMENTS, strict=False):
            services.evaluation_submit(
                registration=registration,
                user=registration.person.user,
                content_rating=5 if comment else 4,
                trainer_rating=5,
                practice_rating=4,
                comments=comment,
            )

    drop_in, created = _training(
        CHECK_IN_SLUG,
        title="NMT concepts drop-in (check-in demo)",
        kind=Kind.COMMUNITY_OF_PRACTICE,
        summary="A session that is open for check-in whenever the demo data is loaded.",
        capacity=20,
    )
    now = timezone.now()
    if created:
        _sessions(drop_in, [now - dt.timedelta(minutes=20)], 3)
        drop_in.refresh_from_db()
        _register(drop_in, _staff(agency, 3), agency)
    else:
        session = drop_in.sessions.order_by("starts_at").first()
        if session is not None and session.ends_at < now:
            Session.objects.filter(pk=session.pk).update(
                starts_at=now - dt.timedelta(minutes=20),
                ends_at=now + dt.timedelta(hours=2, minutes=40),
            )
            services.training_sync_schedule(training=drop_in, bump_sequence=False)

    # Trainings of the demo catalogue that ended in the last two weeks get theirs as the
    # dispatcher would issue them; then the certificate emails count as sent.
    while services.certificates_issue_due(now=now):
        pass
    return OutboxEmail.objects.filter(kind="certificate_issued", sent_at__isnull=True).update(
        state=OutboxState.SENT, sent_at=now
    )
