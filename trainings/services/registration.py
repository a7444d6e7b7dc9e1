"""Registrations, seats and the waitlist.

Every path that changes seats (self-registration, coordinator batches, cancellation, promotion,
substitution and capacity edits) first locks the training's row, with a short lock timeout,
and trainings are always locked in ascending id order, so concurrent requests queue up instead
of overbooking or deadlocking. ``Training.seats_taken`` is the confirmed count, changed only
under that lock; a ``CheckConstraint`` keeps it within capacity, and a partial unique
constraint allows one active registration per person and training.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Agency, Credential, Person, User
from portal import pagecache
from portal.exceptions import ApplicationError

from .. import emails
from ..models import Registration, RegistrationStatus, Training
from ..rules import eligibility_reason, registration_closed_reason
from .outbox import queue_to_attendee
from .reminders import reminders_cancel, reminders_schedule

# Seconds a request waits for a training's row lock before answering "busy, try again".
LOCK_TIMEOUT = "3s"


class RegistrationError(ApplicationError):
    pass


class SeatsBusy(ApplicationError):
    """The training's row stayed locked past LOCK_TIMEOUT. Views answer 409 "busy, try again"."""

    def __init__(self) -> None:
        super().__init__(
            _("Many people are registering right now. Please wait a moment and try again.")
        )


@dataclass
class BatchOutcome:
    person: Person
    registration: Registration | None
    reason: str = ""


# --- Locks ------------------------------------------------------------------------------------


# Two seams, which the negative-control concurrency test patches to prove that the suite catches
# a race: without the row lock, and with a pause after the capacity check, seats oversell.
def _for_update(queryset):
    return queryset.select_for_update()


def _after_capacity_check() -> None:
    pass


def lock_trainings(training_ids: Iterable[int]) -> dict[int, Training]:
    """Lock trainings in ascending id order (the same order everywhere: no deadlocks)."""
    ids = sorted(set(training_ids))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    locked = {}
    try:
        for pk in ids:
            locked[pk] = _for_update(Training.objects.filter(pk=pk)).get()
    except OperationalError as exc:
        if getattr(getattr(exc, "__cause__", None), "sqlstate", None) == "55P03":
            raise SeatsBusy() from exc
        raise
    return locked


def _lock_one(training: Training) -> Training:
    return lock_trainings([training.pk])[training.pk]


# --- Rules ------------------------------------------------------------------------------------


def _agency_cap_reason(training: Training, agency: Agency | None, extra: int = 0) -> str:
    if not (agency and training.agency_seat_cap):
        return ""
    used = Registration.objects.active().filter(training=training, agency=agency).count()
    if used + extra >= training.agency_seat_cap:
        return _("%(agency)s has used its %(n)d seats for this training.") % {
            "agency": agency.name,
            "n": training.agency_seat_cap,
        }
    return ""


# --- Seats ------------------------------------------------------------------------------------


def _save_seats(training: Training) -> None:
    """Store the confirmed count. The public pages show it, but retiring every cached page for
    each registration would empty the cache under load: the page cache is told a seat changed.
    """
    training.save(update_fields=["seats_taken"], catalogue_changed=False)
    pagecache.seats_changed()


def _take_place(
    training: Training, *, person: Person, agency: Agency | None, registered_by: User | None, now
) -> Registration:
    """Confirm or waitlist one person; the caller holds the training's lock."""
    has_seat = training.seats_taken < training.capacity
    _after_capacity_check()
    registration = Registration.objects.create(
        training=training,
        person=person,
        agency=agency,
        registered_by=registered_by,
        status=RegistrationStatus.CONFIRMED if has_seat else RegistrationStatus.WAITLISTED,
        arrived_at=now,
        confirmed_at=now if has_seat else None,
    )
    if has_seat:
        # An absolute write, safe only under the lock (the negative control relies on that).
        training.seats_taken += 1
        _save_seats(training)
    return registration


def promote_waitlist(training: Training, *, now) -> list[Registration]:
    """Give free seats to the waitlist, first come first served; the caller holds the lock.

    Someone who no longer meets the training's requirement (their credential was removed, or
    the curator raised the requirement since they joined) is passed over but keeps their place:
    once the credential is back on their record, the next free seat is theirs in turn.
    """
    promoted = []
    if training.seats_taken >= training.capacity:
        return promoted
    waiting = training.registrations.waitlisted().in_arrival_order().select_related("person")
    for nxt in waiting:
        if training.seats_taken >= training.capacity:
            break
        if nxt.person is not None and eligibility_reason(training, nxt.person):
            continue
        nxt.status = RegistrationStatus.CONFIRMED
        nxt.confirmed_at = now
        nxt.save(update_fields=["status", "confirmed_at", "updated_at"])
        training.seats_taken += 1
        promoted.append(nxt)
    if promoted:
        _save_seats(training)
        for registration in promoted:
            queue_to_attendee(registration, emails.registration_promoted, registration=registration)
            reminders_schedule(registration=registration, now=now)
    return promoted


def _notify_taken(registration: Registration, *, now: dt.datetime) -> None:
    if registration.status == RegistrationStatus.CONFIRMED:
        queue_to_attendee(registration, emails.registration_confirmed, registration=registration)
        reminders_schedule(registration=registration, now=now)
    else:
        queue_to_attendee(
            registration,
            emails.registration_waitlisted,
            registration=registration,
            position=Registration.objects.waitlist_position(registration),
        )


@transaction.atomic
def registration_create(
    *,
    training: Training,
    person: Person,
    agency: Agency | None = None,
    registered_by: User | None = None,
    now: dt.datetime | None = None,
) -> Registration:
    """Register one person: a seat if one is free, otherwise the waitlist.

    Registering someone who already holds an active registration returns it unchanged, so a
    double click or a resubmitted form makes one registration.
    """
    training = _lock_one(training)
    # Arrival is the moment the lock is granted: the waitlist's order (arrived_at, id) is then
    # the order in which requests were served, so seats and told positions follow it.
    now = now or timezone.now()
    existing = Registration.objects.active().filter(training=training, person=person).first()
    if existing:
        return existing
    reason = (
        registration_closed_reason(training, now=now)
        or eligibility_reason(training, person)
        or _agency_cap_reason(training, agency)
    )
    if reason:
        raise RegistrationError(reason)
    registration = _take_place(
        training, person=person, agency=agency, registered_by=registered_by, now=now
    )
    _notify_taken(registration, now=now)
    return registration


@transaction.atomic
def registration_create_batch(
    *,
    training: Training,
    agency: Agency,
    people: list[Person],
    registered_by: User,
    now: dt.datetime | None = None,
) -> list[BatchOutcome]:
    """A coordinator registers several staff at once, in the order given, under one lock.

    People already registered or not eligible are skipped with the reason; the others get seats
    while seats last, then go on the waitlist.
    """
    training = _lock_one(training)
    now = now or timezone.now()  # after the lock, as in registration_create
    closed = registration_closed_reason(training, now=now)
    if closed:
        raise RegistrationError(closed)
    already = dict(
        Registration.objects.active()
        .filter(training=training, person__in=people)
        .values_list("person_id", "status")
    )
    held = {}
    for level, model, person_id in Credential.objects.filter(person__in=people).values_list(
        "level", "model", "person_id"
    ):
        held.setdefault(person_id, []).append((level, model))
    outcomes = []
    taken = 0
    for person in people:
        if person.pk in already:
            outcomes.append(BatchOutcome(person, None, _("Already registered.")))
            continue
        reason = eligibility_reason(training, person, credentials=held.get(person.pk, []))
        reason = reason or _agency_cap_reason(training, agency, extra=taken)
        if reason:
            outcomes.append(BatchOutcome(person, None, reason))
            continue
        registration = _take_place(
            training, person=person, agency=agency, registered_by=registered_by, now=now
        )
        _notify_taken(registration, now=now)
        already[person.pk] = registration.status
        taken += 1
        outcomes.append(BatchOutcome(person, registration))
    return outcomes


@transaction.atomic
def registration_cancel(
    *, registration: Registration, cancelled_by: User, now: dt.datetime | None = None
) -> Registration:
    """Cancel a registration; a freed seat goes to the first person on the waitlist.

    Allowed until the training starts. Cancelling twice changes nothing.
    """
    training = _lock_one(registration.training)
    now = now or timezone.now()  # after the lock: a promotion is never dated before an arrival
    registration = Registration.objects.select_related("person__user").get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        return registration
    if training.starts_at and training.starts_at <= now:
        raise RegistrationError(_("The training has started; it can no longer be cancelled."))
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.cancelled_by = cancelled_by
    registration.save(update_fields=["status", "cancelled_at", "cancelled_by", "updated_at"])
    queue_to_attendee(registration, emails.registration_cancelled, registration=registration)
    reminders_cancel(registrations=[registration])
    if was_confirmed:
        training.seats_taken -= 1
        _save_seats(training)
        promote_waitlist(training, now=now)
    return registration


@transaction.atomic
def registration_substitute(
    *,
    registration: Registration,
    person: Person,
    substituted_by: User,
    now: dt.datetime | None = None,
) -> Registration:
    """Give a registration's place to another person of the same agency, keeping the seat
    (or the place on the waitlist) and its arrival time."""
    training = _lock_one(registration.training)
    now = now or timezone.now()
    registration = Registration.objects.get(pk=registration.pk)
    if not registration.is_active:
        raise RegistrationError(_("Only an active registration can be handed to someone else."))
    if training.starts_at and training.starts_at <= now:
        raise RegistrationError(_("The training has started; substitutions are closed."))
    if registration.person_id == person.pk:
        raise RegistrationError(_("Choose someone else to take the place."))
    if Registration.objects.active().filter(training=training, person=person).exists():
        raise RegistrationError(
            _("%(name)s is already registered.") % {"name": person.display_name}
        )
    reason = eligibility_reason(training, person)
    if reason:
        raise RegistrationError(reason)
    status = registration.status
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.cancelled_by = substituted_by
    registration.save(update_fields=["status", "cancelled_at", "cancelled_by", "updated_at"])
    queue_to_attendee(registration, emails.registration_cancelled, registration=registration)
    reminders_cancel(registrations=[registration])
    substitute = Registration.objects.create(
        training=training,
        person=person,
        agency=registration.agency,
        registered_by=substituted_by,
        status=status,
        arrived_at=registration.arrived_at,
        confirmed_at=now if status == RegistrationStatus.CONFIRMED else None,
    )
    _notify_taken(substitute, now=now)
    return substitute
