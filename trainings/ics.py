"""iCalendar files for trainings (RFC 5545), built with the icalendar library, their text in
the active language (the request's).

One VEVENT per session. Each UID is derived from the session's primary key, so it never changes;
SEQUENCE is the training's, bumped by the services whenever the training changes. Times carry
TZID=America/Los_Angeles, with the matching VTIMEZONE added to the calendar. Its words (a
session's number, "Online") are in the active language: a request's, or the recipient's for an
email's attachment (``trainings.emails``).
"""

from collections.abc import Iterable

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import content_language

from .models import Format, Status, Training

PRODID = "-//NMT Community of Practice Portal//Trainings//EN"


def _location(training: Training) -> str:
    if training.format == Format.ONLINE:
        return _("Online")
    parts = [training.venue_name, training.venue_address]
    location = ", ".join(part for part in parts if part)
    if training.format == Format.HYBRID:
        location = _("%(place)s (or online)") % {"place": location} if location else _("Hybrid")
    return location


def _events(training: Training) -> Iterable[icalendar.Event]:
    sessions = list(training.sessions.all())
    url = settings.SITE_URL + training.get_absolute_url()
    stamp = training.updated_at or timezone.now()
    for number, session in enumerate(sessions, start=1):
        event = icalendar.Event()
        event.add("uid", session.uid)
        event.add("dtstamp", stamp)
        event.add("last-modified", stamp)
        event.add("sequence", training.sequence)
        event.add("dtstart", timezone.localtime(session.starts_at))
        event.add("dtend", timezone.localtime(session.ends_at))
        title = training.title
        if len(sessions) > 1:
            title = _("%(title)s (session %(number)d of %(count)d)") % {
                "title": title,
                "number": number,
                "count": len(sessions),
            }
        if training.status == Status.CANCELLED:
            title = _("CANCELLED: %(title)s") % {"title": title}
        event.add("summary", title)
        # "In Spanish" for content not in the reader's language, as the pages say it.
        language = content_language.label(training.language)
        about = f"{training.summary}\n\n{language}" if language else training.summary
        event.add("description", f"{about}\n\n{url}")
        event.add("url", url)
        location = _location(training)
        if location:
            event.add("location", location)
        event.add("status", "CANCELLED" if training.status == Status.CANCELLED else "CONFIRMED")
        yield event


def build_calendar(trainings: Iterable[Training], *, name: str) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    for training in trainings:
        for event in _events(training):
            cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
