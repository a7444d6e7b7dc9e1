"""Who may register, and when, and when attendance may be marked: the rules that the services
enforce and the pages explain (selectors show the same reason a service would refuse with)."""

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from members.models import Credential, Person, levels_from

from .models import CHECK_IN_OPENS_BEFORE, Attendance, Session, Status, Training


def registration_closed_reason(training: Training, *, now: dt.datetime) -> str:
    """Why nobody can register now, or "" when registration is open."""
    if training.status == Status.CANCELLED:
        return _("This training has been cancelled.")
    if training.status != Status.PUBLISHED:
        return _("This training is not open for registration.")
    if training.starts_at is None or training.starts_at <= now:
        return _("This training has already started.")
    if training.registration_opens_at and training.registration_opens_at > now:
        opens = timezone.localdate(training.registration_opens_at)
        return _("Registration opens on %(date)s.") % {
            "date": date_format(opens, "SHORT_DATE_FORMAT")
        }
    deadline = training.registration_deadline
    if deadline and deadline <= now:
        return _("Registration has closed.")
    return ""


def eligibility_reason(training: Training, person: Person, *, credentials=None) -> str:
    """Why this person may not take a seat, or "" when they may.

    ``credentials`` may be given as a list of (level, model) pairs to avoid a query per person.
    """
    required = training.effective_required_level
    if not required:
        return ""
    accepted = set(levels_from(required))
    if credentials is None:
        has_it = Credential.objects.filter(
            person=person, level__in=accepted, model=training.model
        ).exists()
    else:
        has_it = any(level in accepted and model == training.model for level, model in credentials)
    if has_it:
        return ""
    label = dict(Credential._meta.get_field("level").choices)[required]
    return _("This training requires “%(level)s” (%(model)s) on your record.") % {
        "level": label,
        "model": training.get_model_display(),
    }


def attendance_closed_reason(training: Training, *, now: dt.datetime) -> str:
    """Why attendance cannot be marked yet, or "" once the first session has started."""
    if training.starts_at is None:
        return _("The training has no sessions yet; attendance can be marked once it has started.")
    if training.starts_at > now:
        starts = timezone.localdate(training.starts_at)
        return _(
            "The training starts on %(date)s; attendance can be marked once it has started."
        ) % {"date": date_format(starts, "SHORT_DATE_FORMAT")}
    return ""


def training_attendance(
    *, sessions: int, attended: int, marked_other: list[str], percent: int
) -> str:
    """A training's attendance from its sessions' marks, by the rule of its kind: attended
    once ``attended`` reaches ``percent`` of ``sessions``; "" (not settled) while the sessions
    not marked yet could still get there; otherwise excused if every other mark is excused,
    else absent. ``marked_other`` holds the marks that are not "attended"."""
    if sessions == 0:
        return ""
    needed = max(1, -(-sessions * percent // 100))  # ceiling: 75% of 3 sessions is 3
    if attended >= needed:
        return Attendance.ATTENDED
    unmarked = sessions - attended - len(marked_other)
    if attended + unmarked >= needed:
        return ""
    if marked_other and all(value == Attendance.EXCUSED for value in marked_other):
        return Attendance.EXCUSED
    return Attendance.ABSENT


def check_in_window(session: Session) -> tuple[dt.datetime, dt.datetime]:
    """When a session's check-in is open: from 30 minutes before it starts to its end."""
    return session.starts_at - CHECK_IN_OPENS_BEFORE, session.ends_at


def check_in_open(session: Session, *, now: dt.datetime) -> bool:
    opens, closes = check_in_window(session)
    return opens <= now <= closes


def check_in_closed_reason(session: Session, *, now: dt.datetime) -> str:
    """Why nobody can check in to ``session`` now, or "" while its window is open."""
    opens, closes = check_in_window(session)
    if session.training.status == Status.CANCELLED:
        return _("This training has been cancelled.")
    if now < opens:
        return _("Check-in opens at %(time)s, 30 minutes before the session starts.") % {
            "time": date_format(timezone.localtime(opens), "DATETIME_FORMAT")
        }
    if now > closes:
        return _("Check-in for this session closed when it ended.")
    return ""
