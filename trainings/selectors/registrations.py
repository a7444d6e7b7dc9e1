"""Registrations: what the viewer may do, my registrations, an agency's, the batch form and the
rosters."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import (
    Agency,
    Membership,
    Person,
    Role,
)

from ..filters import AgencyRegistrationFilter
from ..models import (
    Registration,
    RegistrationStatus,
    Session,
    Training,
)
from ..rules import eligibility_reason, registration_closed_reason

# The public feed carries at most this many trainings (the soonest), whatever the filters.


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


def upcoming_registrations_of(*, user) -> QuerySet[Registration]:
    """A person's active registrations for trainings that have not started (deleting an
    account cancels them)."""
    return (
        Registration.objects.active()
        .filter(person__user=user, training__starts_at__gt=timezone.now())
        .select_related("training")
    )
