"""Reads for attendance: the host's check-in page, the code an attendee types, and the
roster's grid of sessions."""

import datetime as dt

import segno
from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from ..models import (
    CHECK_IN_CODE_LENGTH,
    CHECK_IN_OPENS_BEFORE,
    Attendance,
    Registration,
    Session,
    SessionAttendance,
    Status,
    Training,
    display_code,
    normalize_code,
)
from ..rules import check_in_open, check_in_window


def sessions_open_for_check_in(*, now: dt.datetime | None = None) -> QuerySet[Session]:
    """Sessions of published trainings whose check-in window is open now (a few at any time:
    from 30 minutes before each starts to its end)."""
    now = now or timezone.now()
    return Session.objects.filter(
        starts_at__lte=now + CHECK_IN_OPENS_BEFORE,
        ends_at__gte=now,
        training__status=Status.PUBLISHED,
    ).select_related("training")


def session_by_check_in_code(code: str, *, now: dt.datetime | None = None) -> Session | None:
    """The session whose check-in window is open now and whose code this is, or None (a
    forged code, a code of a closed window, a code of a training not published)."""
    normalized = normalize_code(code, length=CHECK_IN_CODE_LENGTH)
    if not normalized:
        return None
    return next(
        (s for s in sessions_open_for_check_in(now=now) if s.check_in_code == normalized), None
    )


def check_in_sessions(*, training: Training, now: dt.datetime | None = None) -> dict:
    """The training's sessions for the host's check-in page: each with its check-in count,
    and the one to show (open now, else the next, else the last)."""
    now = now or timezone.now()
    sessions = list(
        training.sessions.annotate(
            checked_in=Count("attendance", filter=Q(attendance__value=Attendance.ATTENDED))
        ).order_by("starts_at", "pk")
    )
    current = next((s for s in sessions if check_in_open(s, now=now)), None)
    upcoming = next((s for s in sessions if check_in_window(s)[0] > now), None)
    return {
        "sessions": sessions,
        "current": current,
        "upcoming": upcoming,
        "confirmed": training.registrations.confirmed().count(),
    }


def attendance_grid(
    *, training: Training, registrations: list[Registration], now: dt.datetime | None = None
) -> dict:
    """The roster's grid: the training's sessions (each with ``started``) and, per
    registration, ``cells``: (session, its mark or "") in session order. Two queries."""
    now = now or timezone.now()
    sessions = list(training.sessions.order_by("starts_at", "pk"))
    for session in sessions:
        session.started = session.starts_at <= now
    marks: dict[int, dict[int, str]] = {}
    rows = SessionAttendance.objects.filter(registration__training=training).values_list(
        "registration_id", "session_id", "value"
    )
    for registration_id, session_id, value in rows:
        marks.setdefault(registration_id, {})[session_id] = value
    for registration in registrations:
        mine = marks.get(registration.pk, {})
        registration.cells = [(session, mine.get(session.pk, "")) for session in sessions]
    return {"sessions": sessions, "any_started": any(s.started for s in sessions)}


def _qr_svg(url: str) -> str:
    """The QR code as inline SVG (no image request, nothing from another host)."""
    return segno.make(url, error="m").svg_inline(border=2, dark="#111", light="#fff", omitsize=True)


def check_in_context(*, training: Training, session_id: str | None) -> dict:
    """What the host's check-in page shows: the session chosen (or the one open now, else the
    next), its code, link and QR code while its window is open."""
    context = check_in_sessions(training=training)
    session = context["current"] or context["upcoming"]
    if session_id:
        session = next((s for s in context["sessions"] if str(s.pk) == session_id), session)
    context["session"] = session
    if session is not None:
        context["window_open"] = check_in_open(session, now=timezone.now())
        context["opens_at"] = check_in_window(session)[0]
        if context["window_open"]:
            code = display_code(session.check_in_code)
            url = settings.SITE_URL + reverse("trainings:check_in_code", kwargs={"code": code})
            context.update({"code": code, "url": url, "qr_svg": _qr_svg(url)})
    return context
