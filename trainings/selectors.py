"""Reads for the catalogue pages: each returns a queryset with everything its page needs."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import (
    Agency,
    Credential,
    CredentialLevel,
    Membership,
    Person,
    Role,
    active_membership,
)

from .filters import AgencyRegistrationFilter, ArchiveFilter, HostedTrainingFilter, TrainingFilter
from .models import (
    Attendance,
    Obstacle,
    Practice,
    PracticeReport,
    Registration,
    RegistrationStatus,
    Series,
    Session,
    Status,
    Training,
)
from .rules import eligibility_reason, registration_closed_reason

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


# --- Registrations ----------------------------------------------------------------------------


@dataclass
class ViewerState:
    """What the training page offers the person looking at it."""

    # anonymous, register, registered, waitlisted, join_waitlist, closed, not_eligible, took_place
    state: str
    registration: Registration | None = None
    position: int | None = None
    reason: str = ""
    agencies: list[Agency] = field(default_factory=list)  # where the seat may be taken for
    coordinated: list[Agency] = field(default_factory=list)  # agencies whose staff they register


def waitlist_position(registration: Registration) -> int:
    return Registration.objects.waitlist_position(registration)


def viewer_state(*, user, training: Training, now: dt.datetime | None = None) -> ViewerState:
    now = now or timezone.now()
    if training.ends_at is not None and training.ends_at < now:
        # It took place (or was cancelled): nothing to register for; a member sees whether
        # they held a seat.
        person = Person.objects.filter(user=user).first() if user.is_authenticated else None
        return ViewerState("took_place", active_registration(training=training, person=person))
    if not user.is_authenticated:
        closed = registration_closed_reason(training, now=now)
        return ViewerState("closed" if closed else "anonymous", reason=closed)
    person = Person.objects.filter(user=user).first()
    memberships = (
        list(
            Membership.objects.active()
            .filter(person=person)
            .select_related("agency")
            .order_by("agency__name")
        )
        if person
        else []
    )
    agencies = [m.agency for m in memberships]
    coordinated = [m.agency for m in memberships if m.role == Role.COORDINATOR]
    registration = active_registration(training=training, person=person)
    if registration and registration.status == RegistrationStatus.CONFIRMED:
        return ViewerState("registered", registration, agencies=agencies, coordinated=coordinated)
    if registration:
        # Promotion passes over someone who no longer meets the requirement: say so.
        return ViewerState(
            "waitlisted",
            registration,
            position=waitlist_position(registration),
            reason=eligibility_reason(training, person),
            agencies=agencies,
            coordinated=coordinated,
        )
    closed = registration_closed_reason(training, now=now)
    if closed:
        return ViewerState("closed", reason=closed, coordinated=coordinated)
    reason = eligibility_reason(training, person) if person else ""
    if reason:
        return ViewerState("not_eligible", reason=reason, coordinated=coordinated)
    state = "register" if training.seats_taken < training.capacity else "join_waitlist"
    return ViewerState(state, agencies=agencies, coordinated=coordinated)


def my_registrations(*, user, now: dt.datetime | None = None) -> dict[str, list[Registration]]:
    """A person's registrations, upcoming (soonest first) and past (latest first)."""
    now = now or timezone.now()
    registrations = list(
        Registration.objects.filter(person__user=user)
        .select_related("training", "agency")
        .prefetch_related(
            Prefetch("training__sessions", queryset=Session.objects.order_by("starts_at"))
        )
        .order_by("training__starts_at", "pk")
    )
    ahead = [r for r in registrations if r.training.ends_at and r.training.ends_at >= now]
    past = [r for r in registrations if not (r.training.ends_at and r.training.ends_at >= now)]
    past.reverse()
    return {
        "upcoming": [r for r in ahead if r.is_active],
        "cancelled": [r for r in ahead if not r.is_active],
        "past": past,
    }


# Confirmed first, then the waitlist, then cancellations.
STATUS_ORDER = Case(
    When(status=RegistrationStatus.CONFIRMED, then=Value(0)),
    When(status=RegistrationStatus.WAITLISTED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def agency_registrations(*, agency: Agency, data=None) -> AgencyRegistrationFilter:
    queryset = (
        Registration.objects.filter(agency=agency)
        .select_related("training", "person__user", "registered_by")
        .order_by("training__starts_at", "training_id", STATUS_ORDER, "arrived_at", "pk")
    )
    data = data.copy() if data is not None else QueryDict(mutable=True)
    data.setdefault("when", "upcoming")  # what coordinators come for
    return AgencyRegistrationFilter(data, queryset=queryset, agency=agency)


def batch_candidates(*, agency: Agency, training: Training) -> list[dict]:
    """The agency's active staff for the batch form, each with why they can't be picked."""
    memberships = list(
        Membership.objects.active()
        .filter(agency=agency)
        .select_related("person__user")
        .prefetch_related("person__credentials")
        .order_by("person__display_name", "pk")
    )
    active = dict(
        Registration.objects.active()
        .filter(training=training, person__in=[m.person for m in memberships])
        .values_list("person_id", "status")
    )
    candidates = []
    for membership in memberships:
        person = membership.person
        reason = ""
        if person.pk in active:
            reason = (
                _("Already registered.")
                if active[person.pk] == RegistrationStatus.CONFIRMED
                else _("Already on the waitlist.")
            )
        else:
            held = [(c.level, c.model) for c in person.credentials.all()]
            reason = eligibility_reason(training, person, credentials=held)
        candidates.append({"person": person, "reason": reason})
    return candidates


def registrable_training(*, slug: str) -> Training:
    """A training the register actions may name: published, or cancelled (whose page then says
    so); drafts and proposals answer 404."""
    return get_object_or_404(Training.objects.listed(), slug=slug)


def active_registration(*, training: Training, person: Person | None) -> Registration | None:
    """The person's seat or place on the waitlist at this training, if they hold one."""
    if person is None:
        return None
    return Registration.objects.active().filter(training=training, person=person).first()


def training_roster(*, training: Training) -> QuerySet[Registration]:
    """Everyone registered for a training, confirmed first, then the waitlist, in arrival order."""
    return (
        training.registrations.active()
        .select_related("person__user", "agency")
        .order_by("status", "arrived_at", "pk")
    )


# --- Digests and the personal calendar feed -----------------------------------------------------

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


# --- Practice follow-up ---------------------------------------------------------------------------

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


# --- Trainings an agency hosts, and community-of-practice series ----------------------------------

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


def agency_hosted_trainings(*, agency: Agency, limit: int = 10) -> QuerySet[Training]:
    return (
        Training.objects.published()
        .upcoming()
        .filter(host_agency=agency)
        .prefetch_related("sessions")
        .order_by("starts_at", "pk")[:limit]
    )


def upcoming_registrations_of(*, user) -> QuerySet[Registration]:
    """A person's active registrations for trainings that have not started (deleting an
    account cancels them)."""
    return (
        Registration.objects.active()
        .filter(person__user=user, training__starts_at__gt=timezone.now())
        .select_related("training")
    )


def training_materials(*, training: Training) -> QuerySet:
    """A training's published materials. The library (``resources``, the layer above) declares
    the relation; this reads it through the reverse accessor and the library's own queryset
    method, without importing the library."""
    return training.resources.published().order_by("title")


def proposals_waiting_count() -> int:
    """Trainings host agencies proposed, waiting for a curator's review."""
    return Training.objects.filter(status=Status.SUBMITTED).count()
