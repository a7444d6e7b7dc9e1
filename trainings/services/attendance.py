"""Attendance: who was there. The admin's roster and the host agency's roster both mark it
through ``attendance_mark``, so the rules below hold on every path.

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

from ..models import Attendance, Kind, Registration, RegistrationStatus, Training
from ..rules import attendance_closed_reason
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


@transaction.atomic
def attendance_mark(
    *,
    training: Training,
    marks: Mapping[int, str],
    marked_by: User | None,
    now: dt.datetime | None = None,
) -> AttendanceOutcome:
    """Mark attendance at ``training``: ``marks`` maps a registration's id to an ``Attendance``
    value, or "" for not marked. Ids of other trainings' registrations are ignored, and values
    that change nothing are skipped.

    Before the first session starts, nothing is marked: ``AttendanceError``. Otherwise each mark
    stands alone: one refused (an unknown value, someone not confirmed) is reported in the
    outcome, and the others are saved.
    """
    now = now or timezone.now()
    training = Training.objects.get(pk=training.pk)
    # Locked, so two people marking the same roster at once record one credential.
    registrations = (
        training.registrations.filter(pk__in=list(marks))
        .select_related("person", "credential")
        .select_for_update(of=("self",))
        .in_arrival_order()
    )
    pending = [(r, marks[r.pk]) for r in registrations if marks[r.pk] != r.attendance]
    outcome = AttendanceOutcome()
    if not pending:
        return outcome
    closed = attendance_closed_reason(training, now=now)
    if closed:
        raise AttendanceError(closed)
    for registration, value in pending:
        registration.training = training
        if value not in VALUES:
            outcome.refused.append(AttendanceNote(registration, _("Unknown attendance value.")))
            continue
        if registration.status != RegistrationStatus.CONFIRMED:
            outcome.refused.append(
                AttendanceNote(registration, _("Only confirmed participants can be marked."))
            )
            continue
        previous = registration.credential
        registration.attendance = value
        if value != Attendance.ATTENDED:
            registration.credential = None
        try:
            with transaction.atomic():
                registration.save(update_fields=["attendance", "credential", "updated_at"])
                if value == Attendance.ATTENDED:
                    _record_credential(registration, marked_by=marked_by)
                    kept = ""
                elif previous is not None:
                    kept = _withdraw_credential(previous, unmarked=registration)
                else:
                    kept = ""
        except ApplicationError as error:
            outcome.refused.append(AttendanceNote(registration, error.message))
            continue
        outcome.changed += 1
        if kept:
            outcome.kept.append(AttendanceNote(registration, kept))
    return outcome
