"""Presentation of training times: always in the portal's zone, with the zone named."""

import datetime as dt
from urllib.parse import quote_plus

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trainings.models import SeatsState, Training

register = template.Library()

DAY = "D, M j, Y"
TIME = "g:i A"


def _zone(value: dt.datetime) -> str:
    return date_format(value, "T")


@register.filter
def time_range(start: dt.datetime | None, end: dt.datetime | None) -> str:
    """“Thu, Dec 3, 2026 · 9:00 AM – 4:00 PM PST”, or both days when it spans midnight."""
    if not start or not end:
        return _("Dates to be announced")
    start, end = timezone.localtime(start), timezone.localtime(end)
    if start.date() == end.date() and _zone(start) == _zone(end):
        return (
            f"{date_format(start, DAY)} · {date_format(start, TIME)} – "
            f"{date_format(end, TIME)} {_zone(end)}"
        )
    return (
        f"{date_format(start, DAY)} {date_format(start, TIME)} {_zone(start)} – "
        f"{date_format(end, DAY)} {date_format(end, TIME)} {_zone(end)}"
    )


@register.filter
def training_when(training: Training) -> str:
    """One line for lists: a single session in full, a series as its span and session count."""
    sessions = list(training.sessions.all())
    if len(sessions) <= 1:
        return time_range(training.starts_at, training.ends_at)
    first = timezone.localtime(sessions[0].starts_at)
    last = timezone.localtime(sessions[-1].starts_at)
    count = ngettext("%(n)d session", "%(n)d sessions", len(sessions)) % {"n": len(sessions)}
    first_day = date_format(first, "M j" if first.year == last.year else "M j, Y")
    return (
        f"{first_day} – {date_format(last, 'M j, Y')} · {count}, "
        f"{_('first at')} {date_format(first, TIME)} {_zone(first)}"
    )


@register.filter
def local_time(value: dt.datetime | None) -> str:
    if not value:
        return ""
    value = timezone.localtime(value)
    return f"{date_format(value, DAY)}, {date_format(value, TIME)} {_zone(value)}"


@register.filter
def seats_label(training: Training) -> str:
    state = training.seats_state()
    if state == SeatsState.AVAILABLE:
        left = training.seats_left
        return ngettext("%(n)d seat left", "%(n)d seats left", left) % {"n": left}
    if state == SeatsState.NOT_YET_OPEN:
        opens = timezone.localtime(training.registration_opens_at)
        return _("Registration opens %(date)s") % {"date": date_format(opens, "M j")}
    return str(state.label)


@register.filter
def seats_class(training: Training) -> str:
    return f"seats seats--{training.seats_state().value}"


@register.filter
def map_link(training: Training) -> str:
    query = ", ".join(part for part in [training.venue_name, training.venue_address] if part)
    return f"https://www.openstreetmap.org/search?query={quote_plus(query)}"
