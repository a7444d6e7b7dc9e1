"""Attendance: who was there, session by session. The admin's roster, the host agency's roster,
the check-in code and the online join link all record it through this module, so the rules
below hold on every path.

Each session's mark is a ``SessionAttendance`` row. The training's attendance
(``Registration.attendance``) follows from them by the rule of the training's kind
(``AttendanceRule``, default every session; ``rules.training_attendance``), and the credential
and the certificate of attendance follow from the training's attendance.

Attending a concepts training records the person's "trained in NMT concepts" credential (its
source: attendance) unless they hold it already. The registration keeps a link to the credential
it recorded, so that unmarking removes that credential and never one recorded another way.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Credential, CredentialLevel, CredentialSource, User
from members.services import credential_record
from portal.exceptions import ApplicationError

from ..models import (
    Attendance,
    AttendanceMethod,
    AttendanceRule,
    Kind,
    Registration,
    RegistrationStatus,
    Session,
    SessionAttendance,
    Training,
)
from ..rules import attendance_closed_reason, check_in_closed_reason, training_attendance
from . import certificates
from .registration import RegistrationError

VALUES = {"", *Attendance.values}


class AttendanceError(RegistrationError):
    pass


@dataclass
class AttendanceNote:
    """Something to tell the person marking about one registration."""

    registration: Registration
    message: str

    def __str__(self) -> str:
        person = self.registration.person
        return f"{person.display_name if person else _('(deleted account)')}: {self.message}"


@dataclass
class AttendanceOutcome:
    changed: int = 0
    refused: list[AttendanceNote] = field(default_factory=list)  # left as they were
    kept: list[AttendanceNote] = field(default_factory=list)  # unmarked, credential kept


def _earned_on(training: Training) -> dt.date:
    return min(timezone.localdate(), timezone.localtime(training.ends_at or timezone.now()).date())


def _record_credential(registration: Registration, *, marked_by: User | None) -> None:
    """Record the concepts credential of an attended concepts training, unless the person
    holds it already (recorded by anyone, or earned at another training)."""
    training = registration.training
    if (
        training.kind != Kind.CONCEPTS
        or registration.person is None
        or registration.credential_id is not None
        or Credential.objects.filter(
            person=registration.person, level=CredentialLevel.CONCEPTS, model=training.model
        ).exists()
    ):
        return
    registration.credential = credential_record(
        person=registration.person,
        level=CredentialLevel.CONCEPTS,
        model=training.model,
        earned_on=_earned_on(training),
        source=CredentialSource.ATTENDANCE,
        recorded_by=marked_by,
    )
    registration.save(update_fields=["credential"])


def _withdraw_credential(credential: Credential, *, unmarked: Registration) -> str:
    """Undo the credential that attending ``unmarked`` recorded; the link is already cleared.

    Returns why the credential stays, or "". A credential that an admin verified, or that was
    recorded again by other means since (its source changed), is no longer attendance's own:
    it stays. If the person attended another concepts training of the same model, the
    credential moves to that attendance instead of going.
    """
    credential.refresh_from_db()
    level = credential.get_level_display()
    if credential.verified:
        return _("“%(level)s” stays on their record: an admin has verified it.") % {"level": level}
    if credential.source != CredentialSource.ATTENDANCE:
        return _("“%(level)s” stays on their record: it was recorded by other means.") % {
            "level": level
        }
    other = (
        Registration.objects.filter(
            person_id=unmarked.person_id,
            status=RegistrationStatus.CONFIRMED,
            attendance=Attendance.ATTENDED,
            training__kind=Kind.CONCEPTS,
            training__model=credential.model,
            credential__isnull=True,
        )
        .exclude(pk=unmarked.pk)
        .select_related("training")
        .order_by("training__ends_at", "pk")
        .first()
    )
    if other is None:
        credential.delete()
        return ""
    credential.earned_on = _earned_on(other.training)
    credential.save(update_fields=["earned_on"])
    other.credential = credential
    other.save(update_fields=["credential"])
    return ""


def attendance_rule_percent(kind: str) -> int:
    """The share of sessions (in percent) a training of ``kind`` needs: 100 unless a curator
    set a rule for the kind."""
    rule = AttendanceRule.objects.filter(kind=kind).values_list("minimum_percent", flat=True)
    return next(iter(rule), 100)


def _settle(
    registration: Registration,
    *,
    sessions: list[Session],
    records: dict[int, str],
    percent: int,
    marked_by: User | None,
    now: dt.datetime,
) -> str:
    """Bring the registration's attendance, credential and certificate in line with its
    sessions' marks. Returns why a credential stays although the person no longer attended,
    or ""."""
    values = [records[s.pk] for s in sessions if s.pk in records]
    attended = sum(1 for value in values if value == Attendance.ATTENDED)
    value = training_attendance(
        sessions=len(sessions),
        attended=attended,
        marked_other=[v for v in values if v != Attendance.ATTENDED],
        percent=percent,
    )
    kept = ""
    if value != registration.attendance:
        previous = registration.credential
        registration.attendance = value
        if value != Attendance.ATTENDED:
            registration.credential = None
        registration.save(update_fields=["attendance", "credential", "updated_at"])
        if value == Attendance.ATTENDED:
            _record_credential(registration, marked_by=marked_by)
        elif previous is not None:
            kept = _withdraw_credential(previous, unmarked=registration)
    certificates.certificate_sync(
        registration=registration,
        now=now,
        sessions=sessions,
        attended={sid for sid, mark in records.items() if mark == Attendance.ATTENDED},
    )
    return kept


def attendance_mark(
    *,
    training: Training,
    marks: Mapping[int, str] | None = None,
    session_marks: Mapping[tuple[int, int], str] | None = None,
    marked_by: User | None,
    method: str = AttendanceMethod.ROSTER,
    now: dt.datetime | None = None,
) -> AttendanceOutcome:
    """Mark attendance at ``training``, session by session.

    ``session_marks`` maps (registration id, session id) to an ``Attendance`` value, or "" for
    not marked. ``marks`` maps a registration's id to a value for every session that has
    started (the whole list at the end of a one-day training). Ids of other trainings'
    registrations and sessions are ignored, and values that change nothing are skipped.

    Before the first session starts, nothing is marked: ``AttendanceError``. Otherwise each
    registration stands alone: one refused (an unknown value, someone not confirmed, a session
    that has not started) is reported in the outcome, and the others are saved.
    """
    return _mark(
        training=training,
        marks=marks or {},
        session_marks=session_marks or {},
        marked_by=marked_by,
        method=method,
        now=now or timezone.now(),
        early=False,
    )


@transaction.atomic
def _mark(
    *,
    training: Training,
    marks: Mapping[int, str],
    session_marks: Mapping[tuple[int, int], str],
    marked_by: User | None,
    method: str,
    now: dt.datetime,
    early: bool,
) -> AttendanceOutcome:
    """``attendance_mark``; ``early``: a check-in, whose window (checked by the caller) opens
    before the session starts."""
    training = Training.objects.get(pk=training.pk)
    sessions = list(training.sessions.order_by("starts_at", "pk"))
    by_id = {session.pk: session for session in sessions}
    wanted: dict[int, dict[int, str]] = {}
    # A whole-training mark is for the sessions that have started (all of them before the
    # first starts, so that the rule below refuses it with its reason).
    started = [s for s in sessions if s.starts_at <= now] or sessions
    for registration_id, value in marks.items():
        for session in started:
            wanted.setdefault(registration_id, {})[session.pk] = value
    for (registration_id, session_id), value in session_marks.items():
        if session_id in by_id:
            wanted.setdefault(registration_id, {})[session_id] = value
    outcome = AttendanceOutcome()
    if not sessions and marks:
        raise AttendanceError(attendance_closed_reason(training, now=now))
    if not wanted:
        return outcome
    # Locked, so two people marking the same roster at once record one credential.
    registrations = list(
        training.registrations.filter(pk__in=list(wanted))
        .select_related("person", "credential")
        .select_for_update(of=("self",))
        .in_arrival_order()
    )
    records: dict[int, dict[int, SessionAttendance]] = {}
    for row in SessionAttendance.objects.filter(registration__in=registrations):
        records.setdefault(row.registration_id, {})[row.session_id] = row
    pending = []
    for registration in registrations:
        current = records.get(registration.pk, {})
        changes = {
            session_id: value
            for session_id, value in wanted[registration.pk].items()
            if value != (current[session_id].value if session_id in current else "")
        }
        if changes:
            pending.append((registration, changes))
    if not pending:
        return outcome
    closed = "" if early else attendance_closed_reason(training, now=now)
    if closed:
        raise AttendanceError(closed)
    percent = attendance_rule_percent(training.kind)
    for registration, changes in pending:
        registration.training = training
        if any(value not in VALUES for value in changes.values()):
            outcome.refused.append(AttendanceNote(registration, _("Unknown attendance value.")))
            continue
        if registration.status != RegistrationStatus.CONFIRMED:
            outcome.refused.append(
                AttendanceNote(registration, _("Only confirmed participants can be marked."))
            )
            continue
        if not early and any(by_id[session_id].starts_at > now for session_id in changes):
            outcome.refused.append(
                AttendanceNote(
                    registration,
                    _("A session can be marked once it has started."),
                )
            )
            continue
        current = records.get(registration.pk, {})
        try:
            with transaction.atomic():
                for session_id, value in changes.items():
                    row = current.get(session_id)
                    if not value:
                        if row is not None:
                            row.delete()
                            del current[session_id]
                        continue
                    if row is None:
                        row = SessionAttendance(registration=registration, session_id=session_id)
                        current[session_id] = row
                    row.value = value
                    row.method = method
                    row.recorded_at = now
                    row.recorded_by = marked_by
                    row.save()
                kept = _settle(
                    registration,
                    sessions=sessions,
                    records={sid: row.value for sid, row in current.items()},
                    percent=percent,
                    marked_by=marked_by,
                    now=now,
                )
        except ApplicationError as error:
            outcome.refused.append(AttendanceNote(registration, error.message))
            continue
        outcome.changed += 1
        if kept:
            outcome.kept.append(AttendanceNote(registration, kept))
    return outcome


@dataclass
class CheckInResult:
    checked_in: bool
    message: str
    session: Session | None = None


def attendance_check_in(
    *,
    session: Session,
    user: User,
    method: str = AttendanceMethod.CHECK_IN,
    now: dt.datetime | None = None,
) -> CheckInResult:
    """Check ``user`` in to ``session`` (a valid code or the online join link, in the
    session's window): attended, recorded by themselves. A mark the host made stays as the
    host made it; checking in twice changes nothing."""
    now = now or timezone.now()
    session = Session.objects.select_related("training").get(pk=session.pk)
    closed = check_in_closed_reason(session, now=now)
    if closed:
        return CheckInResult(False, closed, session)
    registration = (
        session.training.registrations.confirmed().filter(person__user=user).only("pk").first()
    )
    if registration is None:
        return CheckInResult(
            False,
            _("You are not confirmed for this training, so you cannot check in."),
            session,
        )
    row = SessionAttendance.objects.filter(registration=registration, session=session).first()
    if row is not None and row.value == Attendance.ATTENDED:
        return CheckInResult(True, _("You are already checked in. Welcome!"), session)
    if row is not None:
        return CheckInResult(
            False,
            _("The host has already recorded your attendance; please speak to them."),
            session,
        )
    outcome = _mark(
        training=session.training,
        marks={},
        session_marks={(registration.pk, session.pk): Attendance.ATTENDED},
        marked_by=user,
        method=method,
        now=now,
        early=True,
    )
    if outcome.refused:
        return CheckInResult(False, outcome.refused[0].message, session)
    return CheckInResult(True, _("You are checked in. Welcome!"), session)
