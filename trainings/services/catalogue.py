"""Every write to the catalogue goes through these services (views, admin and commands alike)."""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members import selectors as member_selectors
from portal import notifications, slugs
from portal.exceptions import ApplicationError

from .. import emails
from ..models import RESERVED_SLUGS, Session, Status, Training
from .outbox import queue_to_attendee
from .registration import lock_trainings, promote_waitlist
from .reminders import reminders_cancel, reminders_reschedule


class TrainingError(ApplicationError):
    pass


class TrainingHasRegistrations(TrainingError):
    """A training people registered for is cancelled, never deleted (``trainings_delete``)."""

    def __init__(self, trainings: Iterable[Training]) -> None:
        trainings = sorted(trainings, key=lambda training: training.pk)
        titles = ", ".join(f"“{training.title}”" for training in trainings)
        super().__init__(
            ngettext(
                "%(titles)s has registrations, so it cannot be deleted: cancel it instead, "
                "which tells everyone registered.",
                "%(titles)s have registrations, so they cannot be deleted: cancel them instead, "
                "which tells everyone registered.",
                len(trainings),
            )
            % {"titles": titles}
        )


def training_sync_schedule(*, training: Training, bump_sequence: bool = True) -> Training:
    """Recompute the first start and last end from the sessions, and bump SEQUENCE.

    Called after sessions change (the admin calls it once its inlines are saved).
    """
    bounds = training.sessions.aggregate(first=Min("starts_at"), last=Max("ends_at"))
    moved = (training.starts_at, training.ends_at) != (bounds["first"], bounds["last"])
    had_dates = training.starts_at is not None
    training.starts_at = bounds["first"]
    training.ends_at = bounds["last"]
    fields = ["starts_at", "ends_at", "updated_at"]
    if bump_sequence:
        training.sequence += 1
        fields.append("sequence")
    training.save(update_fields=fields)
    if moved and had_dates and training.status == Status.PUBLISHED:
        # Rescheduled: reminders move with the dates, and everyone registered is told.
        reminders_reschedule(training=training)
        for registration in training.registrations.active().select_related("person__user"):
            queue_to_attendee(registration, emails.training_changed, registration=registration)
    return training


# Kept by the services alone: an edited copy of a training never writes them back.
_SERVICE_FIELDS = ("seats_taken", "sequence", "starts_at", "ends_at")


@transaction.atomic
def training_save(*, training: Training) -> Training:
    """Save a training edited as a whole (the admin form). Sessions are synced separately.

    Capacity is checked against the seats confirmed now, under the training's row lock (the lock
    every seat change takes), and the counters the services keep are taken from the locked row,
    not from the edited copy. A raised capacity promotes the waitlist.
    """
    existed = training.pk is not None
    if existed:
        current = lock_trainings([training.pk])[training.pk]
        for name in _SERVICE_FIELDS:
            setattr(training, name, getattr(current, name))
    if training.capacity < training.seats_taken:
        raise TrainingError(
            _("Capacity cannot be lower than the %(n)d seats already confirmed.")
            % {"n": training.seats_taken}
        )
    training.save()
    if existed:
        # A raised capacity frees seats: the waitlist gets them at once, in order.
        promote_waitlist(training, now=timezone.now())
    return training


@transaction.atomic
def training_import_save(
    *, training: Training, sessions: list[tuple[dt.datetime, dt.datetime]]
) -> Training:
    """Save a training from a curator's spreadsheet and replace its sessions with ``sessions``.

    Session rows whose times are unchanged keep their ids, so calendar UIDs stay stable.
    """
    training = training_save(training=training)
    existing = {(s.starts_at, s.ends_at): s for s in training.sessions.all()}
    wanted = set(sessions)
    training.sessions.exclude(
        pk__in=[s.pk for key, s in existing.items() if key in wanted]
    ).delete()
    Session.objects.bulk_create(
        Session(training=training, starts_at=start, ends_at=end)
        for start, end in sessions
        if (start, end) not in existing
    )
    return training_sync_schedule(training=training)


@transaction.atomic
def training_create(
    *,
    sessions: Iterable[tuple[dt.datetime, dt.datetime]],
    **fields,
) -> Training:
    """Create a training with its sessions (``(start, end)`` pairs, timezone-aware)."""
    sessions = list(sessions)
    if not sessions:
        raise TrainingError(_("A training needs at least one session."))
    for start, end in sessions:
        if timezone.is_naive(start) or timezone.is_naive(end):
            raise TrainingError(_("Session times must carry a time zone."))
        if end <= start:
            raise TrainingError(_("Each session must end after it starts."))
    if not fields.get("slug"):
        fields["slug"] = unique_slug(fields["title"])
    elif fields["slug"] in RESERVED_SLUGS:
        raise TrainingError(_("“%(slug)s” is reserved for a page of the portal.") % fields)
    training = Training.objects.create(**fields)
    Session.objects.bulk_create(
        Session(training=training, starts_at=start, ends_at=end) for start, end in sessions
    )
    return training_sync_schedule(training=training, bump_sequence=False)


@transaction.atomic
def training_publish(*, training: Training) -> Training:
    """Publish a draft, or a host agency's proposal (whose coordinators are then emailed)."""
    training = Training.objects.select_for_update().get(pk=training.pk)
    if training.status == Status.PUBLISHED:
        return training
    if training.status == Status.CANCELLED:
        raise TrainingError(_("A cancelled training cannot be published again; duplicate it."))
    if not training.sessions.exists():
        raise TrainingError(_("Add at least one session before publishing."))
    was_proposal = training.status == Status.SUBMITTED
    training.status = Status.PUBLISHED
    training.sequence += 1
    training.save(update_fields=["status", "sequence", "updated_at"])
    if was_proposal:
        recipients = member_selectors.coordinator_recipients(agency_id=training.host_agency_id)
        for language, coordinators in notifications.by_language(recipients):
            notifications.queue(
                emails.proposal_published(
                    training=training, coordinators=coordinators, language=language
                )
            )
    return training


@transaction.atomic
def training_cancel(*, training: Training) -> Training:
    """Cancel a training; everyone registered (confirmed or waitlisted) is emailed."""
    training = lock_trainings([training.pk])[training.pk]
    if training.status == Status.CANCELLED:
        return training
    if training.status == Status.SUBMITTED:
        # A cancelled training is listed publicly; a proposal never was.
        raise TrainingError(
            _("A proposal under review is not public: publish it, or delete it to decline it.")
        )
    training.status = Status.CANCELLED
    training.sequence += 1
    training.save(update_fields=["status", "sequence", "updated_at"])
    for registration in training.registrations.active().select_related("person__user"):
        queue_to_attendee(registration, emails.training_cancelled, registration=registration)
    reminders_cancel(registrations=training.registrations.all())
    return training


@transaction.atomic
def trainings_delete(*, trainings: Iterable[Training]) -> int:
    """Delete trainings that nobody ever registered for (a draft made by mistake), all or none.

    A training with registrations, active or past, is cancelled instead (``training_cancel``
    tells its registrants and stops their reminders); deleting it would silently take its
    registrations, attendance and certificates with it. The check runs under the row lock every
    registration takes, so nobody registers in between; ``Registration.training`` is PROTECT
    as well, for any other path.
    """
    locked = lock_trainings(training.pk for training in trainings)
    taken = [t for t in locked.values() if t.registrations.exists()]
    if taken:
        raise TrainingHasRegistrations(taken)
    Training.objects.filter(pk__in=locked).delete()
    return len(locked)


# What ``training_duplicate`` does not copy as it is. Every other concrete field of a training
# is copied, so a field added to the model later is copied unless it is named here.
DUPLICATE_SKIPPED_FIELDS = frozenset(
    {
        "id",  # a new row
        "slug",  # unique: a new one from the title
        "status",  # the copy is a draft
        "seats_taken",  # seats start empty
        "sequence",  # a new calendar event starts at SEQUENCE 0
        "created_at",
        "updated_at",
        "starts_at",  # computed from the moved sessions by training_sync_schedule
        "ends_at",
        "registration_opens_at",  # moved by the same weeks as the sessions
        "registration_closes_at",
        "series",  # a copy is not a meeting of the series (one meeting per series date)
        "series_date",
        "notes",  # what members were told about that occurrence (a meeting's notes)
    }
)


@transaction.atomic
def training_duplicate(*, training: Training, now: dt.datetime | None = None) -> Training:
    """Copy a training as a draft for its next cohort.

    Sessions move forward by whole weeks, in local time (so 9:00 stays 9:00 across a DST
    change), until the copy starts at least a week after both the original and ``now``.
    The registration window moves with them. Seats start empty.
    """
    now = now or timezone.now()
    sessions = list(training.sessions.order_by("starts_at"))
    if not sessions:
        raise TrainingError(_("This training has no sessions to copy."))

    def moved(value: dt.datetime | None, weeks: int) -> dt.datetime | None:
        if value is None:
            return None
        local = timezone.localtime(value).replace(tzinfo=None) + dt.timedelta(weeks=weeks)
        return timezone.make_aware(local)

    # Compare the moved local time, not a UTC shift: across a DST change they differ by an hour.
    first = sessions[0].starts_at
    weeks = 1
    while moved(first, weeks) < now + dt.timedelta(weeks=1):
        weeks += 1

    values = {
        field.attname: getattr(training, field.attname)
        for field in Training._meta.concrete_fields
        if field.name not in DUPLICATE_SKIPPED_FIELDS
    }
    values.update(
        slug=unique_slug(training.title),
        status=Status.DRAFT,
        registration_opens_at=moved(training.registration_opens_at, weeks),
        registration_closes_at=moved(training.registration_closes_at, weeks),
    )
    copy = Training.objects.create(**values)
    Session.objects.bulk_create(
        Session(
            training=copy,
            title=session.title,
            starts_at=moved(session.starts_at, weeks),
            ends_at=moved(session.ends_at, weeks),
        )
        for session in sessions
    )
    return training_sync_schedule(training=copy, bump_sequence=False)


def unique_slug(title: str) -> str:
    return slugs.unique_slug(Training, title, fallback="training", reserved=RESERVED_SLUGS)
