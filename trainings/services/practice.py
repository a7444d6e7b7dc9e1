"""The practice follow-up: 30 days after a Phase I or Phase II training, each attendee is asked
what they have put into practice and what got in the way.

The dispatcher opens the report (``practice_report_open``) when the "practice30" reminder is
due, and emails its link; the person answers on ``/followups/<token>/`` with no sign-in (the
random token is the key). Answers can be changed until the form closes,
``PRACTICE_REPORT_OPEN_DAYS`` after the email.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.exceptions import ApplicationError

from ..models import (
    PRACTICE_NOTE_MAX_LENGTH,
    Obstacle,
    Practice,
    PracticeReport,
    Registration,
)


class PracticeReportError(ApplicationError):
    """``extra["field"]`` names the form field the message belongs to, when there is one;
    ``extra["errors"]`` lists every (field, message) broken, so a form can show them all."""


class PracticeReportClosed(PracticeReportError):
    pass


def practice_report_open(
    *, registration: Registration, now: dt.datetime | None = None
) -> PracticeReport:
    """The registration's report, created with its token if it has none yet (idempotent)."""
    report, _created = PracticeReport.objects.get_or_create(
        registration=registration, defaults={"opened_at": now or timezone.now()}
    )
    return report


def _in_choice_order(values, choices, field: str) -> list[str]:
    allowed = [str(value) for value in choices.values]
    chosen = {str(value) for value in values}
    unknown = chosen - set(allowed)
    if unknown:
        raise PracticeReportError(
            _("“%(value)s” is not one of the choices.") % {"value": sorted(unknown)[0]},
            extra={"field": field},
        )
    return [value for value in allowed if value in chosen]


def _rule_errors(practices, obstacles, not_started: bool, note: str) -> list[tuple[str, str]]:
    errors = []
    if not practices and not not_started:
        errors.append(
            ("practices", _("Tick what you have put into practice, or “I haven't started yet”."))
        )
    if practices and not_started:
        errors.append(
            (
                "not_started",
                _("You ticked practices and “I haven't started yet”: keep one or the other."),
            )
        )
    if not obstacles:
        errors.append(("obstacles", _("Tick what got in the way, or “Nothing got in the way”.")))
    if Obstacle.NOTHING in obstacles and len(obstacles) > 1:
        errors.append(("obstacles", _("“Nothing got in the way” can't go with other answers.")))
    if len(note) > PRACTICE_NOTE_MAX_LENGTH:
        errors.append(
            (
                "note",
                _("Keep the note under %(n)d characters.") % {"n": PRACTICE_NOTE_MAX_LENGTH},
            )
        )
    return errors


@transaction.atomic
def practice_report_submit(
    *,
    report: PracticeReport,
    practices: list[str],
    obstacles: list[str],
    not_started: bool = False,
    note: str = "",
    now: dt.datetime | None = None,
) -> PracticeReport:
    """Record (or change) the answers while the form is open."""
    now = now or timezone.now()
    report = PracticeReport.objects.select_for_update().get(pk=report.pk)
    if not report.is_open(now=now):
        raise PracticeReportClosed(_("This form closed on %(date)s.") % {"date": _date(report)})
    practices = _in_choice_order(practices, Practice, "practices")
    obstacles = _in_choice_order(obstacles, Obstacle, "obstacles")
    note = (note or "").strip()
    errors = _rule_errors(practices, obstacles, not_started, note)
    if errors:
        field, message = errors[0]
        raise PracticeReportError(message, extra={"field": field, "errors": errors})
    report.practices = practices
    report.obstacles = obstacles
    report.not_started = not_started
    report.note = note
    # The first answer's time; ``updated_at`` tells when it last changed.
    report.submitted_at = report.submitted_at or now
    report.save(
        update_fields=[
            "practices",
            "obstacles",
            "not_started",
            "note",
            "submitted_at",
            "updated_at",
        ]
    )
    return report


def _date(report: PracticeReport) -> str:
    return date_format(timezone.localtime(report.closes_at).date())
