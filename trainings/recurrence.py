"""Recurrence rules of community-of-practice series (RFC 5545 RRULE, read with dateutil).

A series stores only the rule's recurrence part (``FREQ=MONTHLY;BYDAY=1TU``); its first date,
its start time and its end (``until`` or ``count``) are fields of their own. Occurrences are
computed on naive wall-clock times and only then made aware in the portal's zone, so a meeting
at 12:00 stays at 12:00 local time across a DST change.
"""

import datetime as dt
import itertools

from dateutil.rrule import rrule, rrulestr
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A meeting a day at most (the series keys its meetings by date); nothing sub-daily.
ALLOWED_FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
ALLOWED_PARTS = frozenset(
    {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "BYWEEKNO", "BYYEARDAY"}
    | {"WKST"}
)
# These have fields of their own on the series (first date, start time, until, count).
OWN_FIELDS = {
    "DTSTART": _("the first date"),
    "UNTIL": _("“until”"),
    "COUNT": _("“number of meetings”"),
    "BYHOUR": _("the start time"),
    "BYMINUTE": _("the start time"),
    "BYSECOND": _("the start time"),
}
# A rule must produce a meeting within this many years of its start: it also bounds the work
# of checking a rule that never matches (dateutil would otherwise search until the year 9999).
HORIZON_YEARS = 8
# The most meetings one generation run creates.
MAX_OCCURRENCES = 400


def normalise_rule(value: str) -> str:
    text = "".join((value or "").split()).upper()
    return text.removeprefix("RRULE:")


def _parts(text: str) -> dict[str, str]:
    parts = {}
    for piece in filter(None, text.split(";")):
        name, sep, value = piece.partition("=")
        if not sep or not name or not value:
            raise ValidationError(
                _("“%(piece)s” is not a NAME=VALUE part of a rule."), params={"piece": piece}
            )
        if name in parts:
            raise ValidationError(_("%(name)s is given twice."), params={"name": name})
        parts[name] = value
    return parts


def _build(text: str, *, start: dt.datetime, until: dt.datetime | None = None, count=None):
    rule = rrulestr(text, dtstart=start)
    if not isinstance(rule, rrule):  # pragma: no cover - a single RRULE line always is
        raise ValidationError(_("Give one recurrence rule."))
    return rule.replace(until=until, count=count)


def validate_rule(value: str) -> None:
    """A single RRULE such as ``FREQ=MONTHLY;BYDAY=1TU``, at most daily, that produces dates."""
    text = normalise_rule(value)
    if not text:
        raise ValidationError(_("Enter a recurrence rule, e.g. FREQ=MONTHLY;BYDAY=1TU."))
    parts = _parts(text)
    for name in parts:
        if name in OWN_FIELDS:
            raise ValidationError(
                _("Leave %(name)s out of the rule: set %(field)s instead."),
                params={"name": name, "field": OWN_FIELDS[name]},
            )
        if name not in ALLOWED_PARTS:
            raise ValidationError(_("%(name)s is not supported here."), params={"name": name})
    if parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise ValidationError(_("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY."))
    start = dt.datetime(2001, 1, 1)  # noqa: DTZ001 - rules are read on naive wall-clock times.
    try:
        rule = _build(text, start=start, until=start.replace(year=start.year + HORIZON_YEARS))
        first = rule.after(start, inc=True)
    except (ValueError, TypeError, IndexError, OverflowError) as exc:
        raise ValidationError(
            _("This is not a recurrence rule we can read (%(reason)s)."), params={"reason": exc}
        ) from exc
    if first is None:
        raise ValidationError(_("This rule never produces a date."))


def occurrence_dates(
    *,
    rule: str,
    first_date: dt.date,
    since: dt.date,
    until: dt.date,
    count: int | None = None,
) -> list[dt.date]:
    """The local dates of the rule from ``first_date``, kept within [since, until].

    ``count`` counts from ``first_date`` (as RFC 5545's COUNT does), whatever ``since`` is.
    """
    if until < since or until < first_date:
        return []
    start = dt.datetime.combine(first_date, dt.time.min)
    end = dt.datetime.combine(until, dt.time.max)
    rule_obj = _build(normalise_rule(rule), start=start, until=end if count is None else None)
    if count is not None:
        rule_obj = rule_obj.replace(count=count)
    dates = (moment.date() for moment in rule_obj.xafter(start, inc=True))
    window = itertools.takewhile(lambda day: day <= until, dates)
    wanted = (day for day in window if day >= since)
    return list(itertools.islice(wanted, MAX_OCCURRENCES + 1))


def local_moment(day: dt.date, time: dt.time) -> dt.datetime:
    """``time`` on ``day`` in the portal's zone: the same wall-clock time whatever the offset."""
    return timezone.make_aware(dt.datetime.combine(day, time))
