"""Presentation of training times: always in the portal's zone, with the zone named."""

import datetime as dt
from urllib.parse import quote_plus

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import dates
from trainings.models import SeatsState, Training

register = template.Library()


@register.filter
def time_range(start: dt.datetime | None, end: dt.datetime | None) -> str:
    """“Thu, Dec 3, 2026 · 9:00 AM – 4:00 PM PST”, or both days when it spans midnight."""
    if not start or not end:
        return _("Dates to be announced")
    return dates.time_range(start, end)


@register.filter
def training_when(training: Training) -> str:
    """One line for lists: a single session in full, a series as its span and session count."""
    sessions = list(training.sessions.all())
    if len(sessions) <= 1:
        return time_range(training.starts_at, training.ends_at)
    first, last = sessions[0].starts_at, sessions[-1].starts_at
    count = ngettext("%(n)d session", "%(n)d sessions", len(sessions)) % {"n": len(sessions)}
    return _("%(first)s – %(last)s · %(count)s, first at %(time)s %(zone)s") % {
        "first": dates.short_day(first),
        "last": dates.short_day(last),
        "count": count,
        "time": dates.clock(first),
        "zone": dates.zone(first),
    }


@register.filter
def local_time(value: dt.datetime | None) -> str:
    return dates.moment(value)


@register.filter
def local_clock(value: dt.datetime | None) -> str:
    """ "9:00 AM PST" / "9:00 PST": a time of a day the page names already."""
    return f"{dates.clock(value)} {dates.zone(value)}" if value else ""


@register.filter
def seats_label(training: Training) -> str:
    state = training.seats_state()
    if state == SeatsState.AVAILABLE:
        left = training.seats_left
        return ngettext("%(n)d seat left", "%(n)d seats left", left) % {"n": left}
    if state == SeatsState.NOT_YET_OPEN:
        return _("Registration opens %(date)s") % {
            "date": dates.short_day(training.registration_opens_at)
        }
    return str(state.label)


@register.filter
def seats_class(training: Training) -> str:
    return f"seats seats--{training.seats_state().value}"


@register.filter
def map_link(training: Training) -> str:
    query = ", ".join(part for part in [training.venue_name, training.venue_address] if part)
    return f"https://www.openstreetmap.org/search?query={quote_plus(query)}"
