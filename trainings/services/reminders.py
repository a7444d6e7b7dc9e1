"""Reminders are rows with a due time (``trainings.models.Reminder``), never delayed messages.

They are created when a seat is confirmed, moved when the training is rescheduled, and
cancelled with the registration or the training. The dispatcher turns due ones into outbox
emails; one more than ``REMINDER_GRACE`` late is marked missed instead. The "practice30" one
(Phase I and II only) opens the attendee's ``PracticeReport`` and emails the form's link.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import emails, selectors
from ..models import (
    FOLLOW_UP,
    PRACTICE_FOLLOW_UP,
    PRACTICE_FOLLOW_UP_KINDS,
    Attendance,
    Registration,
    RegistrationStatus,
    Reminder,
    ReminderPolicy,
    ReminderState,
    Status,
    Training,
    parse_offsets,
)
from .outbox import queue_to_attendee
from .practice import practice_report_open

DEFAULT_OFFSETS = "7d, 1d"
# Attendance that rules out the practice follow-up (not marked at all still gets it).
NOT_ATTENDED = (Attendance.ABSENT, Attendance.EXCUSED)


def offsets_for(training: Training) -> list[tuple[int, str]]:
    if training.reminder_offsets:
        return parse_offsets(training.reminder_offsets)
    policy = ReminderPolicy.objects.filter(kind=training.kind).first()
    return parse_offsets(policy.offsets if policy else DEFAULT_OFFSETS)


def _before(start: dt.datetime, amount: int, unit: str) -> dt.datetime:
    """Days count in local time, so "1 day before 9:00" is 9:00 the day before across DST."""
    if unit == "h":
        return start - dt.timedelta(hours=amount)
    local = timezone.localtime(start).replace(tzinfo=None) - dt.timedelta(days=amount)
    return timezone.make_aware(local)


def follow_up_due(training: Training) -> dt.datetime:
    """10:00 local time on the day after the last session."""
    last = timezone.localtime(training.ends_at).date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(last, dt.time(10, 0)))


def practice_follow_up_due(training: Training) -> dt.datetime:
    """10:00 local time, 30 days after the day of the last session (DST-proof: local days)."""
    day = timezone.localtime(training.ends_at).date() + dt.timedelta(days=30)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def planned(training: Training) -> dict[str, dt.datetime]:
    """Every reminder kind of a training with its due time."""
    if training.starts_at is None:
        return {}
    plan = {f"{n}{unit}": _before(training.starts_at, n, unit) for n, unit in offsets_for(training)}
    plan[FOLLOW_UP] = follow_up_due(training)
    if training.kind in PRACTICE_FOLLOW_UP_KINDS:
        plan[PRACTICE_FOLLOW_UP] = practice_follow_up_due(training)
    return plan


def _materials(training: Training, cache: dict[int, list]) -> list:
    """The training's published materials for its follow-up emails, read once per training."""
    if training.pk not in cache:
        cache[training.pk] = list(selectors.training_materials(training=training)[:10])
    return cache[training.pk]


def reminders_schedule(*, registration: Registration, now: dt.datetime | None = None) -> int:
    """Create the reminders of a confirmed registration. A reminder whose time has passed is not
    created: a late registration never gets a stale reminder."""
    now = now or timezone.now()
    if registration.status != RegistrationStatus.CONFIRMED:
        return 0
    existing = set(registration.reminders.values_list("kind", flat=True))
    rows = [
        Reminder(registration=registration, kind=kind, due_at=due)
        for kind, due in planned(registration.training).items()
        if due > now and kind not in existing
    ]
    Reminder.objects.bulk_create(rows)
    return len(rows)


def reminders_cancel(*, registrations) -> int:
    return Reminder.objects.filter(
        registration__in=registrations, state=ReminderState.SCHEDULED
    ).update(state=ReminderState.CANCELLED)


def reminders_reschedule(*, training: Training, now: dt.datetime | None = None) -> int:
    """Move the scheduled reminders of a training to its new dates. A reminder whose new time
    has already passed is cancelled; one that is new for the schedule is created."""
    now = now or timezone.now()
    plan = planned(training)
    moved = 0
    scheduled = Reminder.objects.filter(
        registration__training=training, state=ReminderState.SCHEDULED
    )
    for reminder in scheduled:
        due = plan.get(reminder.kind)
        if due is None or due <= now:
            reminder.state = ReminderState.CANCELLED
        else:
            reminder.due_at = due
            moved += 1
        reminder.save(update_fields=["due_at", "state"])
    for registration in training.registrations.confirmed():
        reminders_schedule(registration=registration, now=now)
    return moved


def reminders_enqueue_due(*, now: dt.datetime | None = None, batch: int = 100) -> int:
    """Turn due reminders into outbox emails, once each. Claims rows with SKIP LOCKED, so
    concurrent dispatchers share the work; the outbox's dedupe key backs that up."""
    now = now or timezone.now()
    grace = dt.timedelta(hours=settings.REMINDER_GRACE_HOURS)
    queued = 0
    ics_cache: dict = {}  # one .ics per training for the whole run
    materials: dict[int, list] = {}  # one read of a training's materials for the whole run
    while True:
        with transaction.atomic():
            reminders = list(
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(state=ReminderState.SCHEDULED, due_at__lte=now)
                .select_related("registration__training", "registration__person__user")
                .order_by("due_at", "pk")[:batch]
            )
            if not reminders:
                return queued
            for reminder in reminders:
                registration = reminder.registration
                training = registration.training
                if (
                    registration.status != RegistrationStatus.CONFIRMED
                    or training.status != Status.PUBLISHED
                    or registration.person is None
                    # Only attendees of Phase I/II (the kind may have been edited since) are
                    # asked what they have put into practice.
                    or (
                        reminder.kind == PRACTICE_FOLLOW_UP
                        and (
                            registration.attendance in NOT_ATTENDED
                            or training.kind not in PRACTICE_FOLLOW_UP_KINDS
                        )
                    )
                ):
                    reminder.state = ReminderState.CANCELLED
                elif now - reminder.due_at > grace:
                    reminder.state = ReminderState.MISSED
                else:
                    if reminder.kind == PRACTICE_FOLLOW_UP:
                        report = practice_report_open(registration=registration, now=now)
                        queue_to_attendee(
                            registration,
                            emails.practice_follow_up,
                            reminder=reminder,
                            report=report,
                            dedupe_key=f"reminder:{reminder.pk}",
                        )
                    elif reminder.kind == FOLLOW_UP:
                        queue_to_attendee(
                            registration,
                            emails.training_follow_up,
                            registration=registration,
                            resources=_materials(training, materials),
                            dedupe_key=f"reminder:{reminder.pk}",
                        )
                    else:
                        queue_to_attendee(
                            registration,
                            emails.training_reminder,
                            reminder=reminder,
                            ics_cache=ics_cache,
                            dedupe_key=f"reminder:{reminder.pk}",
                        )
                    reminder.state = ReminderState.SENT
                    reminder.sent_at = now
                    queued += 1
                reminder.save(update_fields=["state", "sent_at"])
