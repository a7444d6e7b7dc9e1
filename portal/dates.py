"""Dates and times as people read them: in the portal's zone with the zone named ("PST"), in the
active language's own formats (``portal.formats``). Pages and emails format through these (or
``|date:"…_FORMAT"``), never through a hand-written pattern, so a Spanish page or an email
rendered under a recipient's language reads "jueves 3 de diciembre de 2026, 9:00 PST"."""

import datetime as dt

from django.utils import formats, timezone
from django.utils.dateformat import format as pattern_format
from django.utils.translation import get_language, pgettext_lazy

# Django's own Spanish catalogue capitalizes two month abbreviations ("Ene.", "Feb."; the others
# read "dic.", "marzo"), which SHORT_DATE_FORMAT's "N" shows mid-sentence ("30 dic. 2026 – 20
# Ene. 2027"). The portal's catalogue comes first (LOCALE_PATHS) and has them in lower case.
# (Its day names are Django's, "lunes": the calendar's column headings carry a context of their
# own, so that their capitals never reach a date.)
MONTH_ABBREVIATIONS = (
    pgettext_lazy("abbrev. month", "Jan."),
    pgettext_lazy("abbrev. month", "Feb."),
)


def _local(value: dt.datetime | dt.date) -> dt.datetime | dt.date:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def zone(value: dt.datetime) -> str:
    """The zone's abbreviation at that moment: "PST" in winter, "PDT" in summer."""
    return pattern_format(timezone.localtime(value), "T")


def day(value: dt.datetime | dt.date) -> str:
    """ "Thu, Dec 3, 2026" / "jueves 3 de diciembre de 2026"."""
    return formats.date_format(_local(value), "DATE_FORMAT")


def short_day(value: dt.datetime | dt.date) -> str:
    """ "Dec 3, 2026" / "3 dic. 2026"."""
    return formats.date_format(_local(value), "SHORT_DATE_FORMAT")


def month_day(value: dt.datetime | dt.date) -> str:
    """ "Thu, Dec 3" / "jueves 3 de diciembre": a day of the coming weeks."""
    return formats.date_format(_local(value), "MONTH_DAY_FORMAT")


def month(value: dt.datetime | dt.date) -> str:
    """ "December 2026" / "diciembre de 2026"."""
    return formats.date_format(_local(value), "YEAR_MONTH_FORMAT")


def short_month(value: dt.datetime | dt.date) -> str:
    """ "Dec 26" / "dic. 26": a month in a chart's narrow column. Django has no such format
    name, so each language's ``SHORT_MONTH_FORMAT`` (``portal.formats``) is read here."""
    pattern = next(
        (
            module.SHORT_MONTH_FORMAT
            for module in formats.get_format_modules(get_language())
            if hasattr(module, "SHORT_MONTH_FORMAT")
        ),
        formats.get_format("YEAR_MONTH_FORMAT"),
    )
    return pattern_format(_local(value), pattern)


def clock(value: dt.datetime) -> str:
    """ "9:00 AM" / "9:00", without the zone."""
    return formats.time_format(timezone.localtime(value), "TIME_FORMAT")


def moment(value: dt.datetime | None) -> str:
    """ "Thu, Dec 3, 2026, 9:00 AM PST" / "jueves 3 de diciembre de 2026, 9:00 PST"."""
    if not value:
        return ""
    return f"{formats.date_format(timezone.localtime(value), 'DATETIME_FORMAT')} {zone(value)}"


def time_range(start: dt.datetime, end: dt.datetime) -> str:
    """ "Thu, Dec 3, 2026 · 9:00 AM – 4:00 PM PST", or both days in full when it spans midnight
    or a change of zone."""
    start, end = timezone.localtime(start), timezone.localtime(end)
    if start.date() == end.date() and zone(start) == zone(end):
        return f"{day(start)} · {clock(start)} – {clock(end)} {zone(end)}"
    return f"{day(start)} {clock(start)} {zone(start)} – {day(end)} {clock(end)} {zone(end)}"
