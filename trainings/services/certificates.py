"""Certificates of attendance: issued when a registration's attendance meets its training's
rule (``certificate_sync``, called by the attendance service and, for trainings that end with
check-ins, by the dispatcher's ``certificates_issue_due``), revoked and reissued by curators
with an audit trail (``CertificateEvent``). The attendee is emailed a link, never the file.

A certificate records attendance only: it never certifies clinical competence and is not NMT
certification, which only the Neurosequential Network grants.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import User
from portal.exceptions import ApplicationError

from .. import emails
from ..models import (
    Attendance,
    Certificate,
    CertificateAction,
    CertificateEvent,
    Evaluation,
    Registration,
    RegistrationStatus,
    Session,
    SessionAttendance,
)
from .outbox import queue_to_attendee

AUTOMATIC_REVOKE_REASON = "attendance corrected"
REVOKE_REASON_MAX = 300


class CertificateError(ApplicationError):
    pass


def _content(
    registration: Registration,
    *,
    sessions: list[Session] | None = None,
    attended: set[int] | None = None,
) -> dict:
    """What a certificate of ``registration`` says today. The attendance service passes the
    training's sessions (in order) and the ids of those attended, which it holds already, so
    marking a whole roster costs no query per person here."""
    training = registration.training
    person = registration.person
    if sessions is None:
        sessions = list(training.sessions.order_by("starts_at", "pk"))
    if attended is None:
        attended = set(
            SessionAttendance.objects.filter(
                registration=registration, value=Attendance.ATTENDED
            ).values_list("session_id", flat=True)
        )
    hours = sum((s.hours for s in sessions if s.pk in attended), Decimal(0)).quantize(
        Decimal("0.01")
    )
    ce_hours = min(training.ce_hours, hours) if training.has_ce else None
    return {
        "name": person.printed_name,
        "licence": person.licence,
        "training_title": training.title,
        "first_date": timezone.localdate(sessions[0].starts_at),
        "last_date": timezone.localdate(sessions[-1].ends_at),
        "sessions_attended": len(attended),
        "sessions_total": len(sessions),
        "hours": hours,
        "ce_hours": ce_hours,
        "ce_approving_body": training.ce_approving_body if ce_hours is not None else "",
        "ce_provider_number": training.ce_provider_number if ce_hours is not None else "",
        "ce_licences": training.ce_licences if ce_hours is not None else "",
        "host_agency": training.host_agency.name if training.host_agency_id else "",
        "trainer": training.lead_trainer.display_name if training.lead_trainer_id else "",
    }


def _issue(
    registration: Registration,
    *,
    by: User | None,
    now: dt.datetime,
    content: dict | None = None,
    replaces: Certificate | None = None,
    note: str = "",
) -> Certificate:
    certificate = Certificate.objects.create(
        registration=registration,
        person=registration.person,
        training=registration.training,
        issued_at=now,
        replaces=replaces,
        **(content or _content(registration)),
    )
    CertificateEvent.objects.create(
        certificate=certificate,
        action=CertificateAction.REISSUED if replaces else CertificateAction.ISSUED,
        actor=by,
        note=note,
        at=now,
    )
    queue_to_attendee(
        registration,
        emails.certificate_issued,
        certificate=certificate,
        registration=registration,
        dedupe_key=f"certificate-issued-{certificate.pk}",
    )
    return certificate


def _revoke(certificate: Certificate, *, by: User | None, reason: str, now: dt.datetime) -> None:
    certificate.revoked_at = now
    certificate.revoked_by = by
    certificate.revoked_reason = reason
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
    CertificateEvent.objects.create(
        certificate=certificate, action=CertificateAction.REVOKED, actor=by, note=reason, at=now
    )


def _released(registration: Registration) -> bool:
    """Attended, and evaluated when the training asks for an evaluation."""
    return (
        registration.person_id is not None
        and registration.status == RegistrationStatus.CONFIRMED
        and registration.attendance == Attendance.ATTENDED
        and (
            not registration.training.evaluation_required
            or Evaluation.objects.filter(registration=registration).exists()
        )
    )


def certificate_sync(
    *,
    registration: Registration,
    now: dt.datetime | None = None,
    sessions: list[Session] | None = None,
    attended: set[int] | None = None,
) -> Certificate | None:
    """Make the registration's certificate match its attendance, once the training is over:
    issue one when the attendance meets the rule, replace it when the hours attended changed,
    revoke it when the person no longer counts as attended. A curator's revoke stands: the
    portal issues nothing new for that registration by itself. Call inside the transaction
    that changed the attendance, with the registration locked. ``sessions`` and ``attended``
    as for ``_content``. Returns the certificate issued, if one was."""
    now = now or timezone.now()
    training = registration.training
    if training.ends_at is None or training.ends_at > now:
        return None
    current = Certificate.objects.valid().filter(registration=registration).first()
    if not _released(registration):
        if current is not None and registration.attendance != Attendance.ATTENDED:
            _revoke(current, by=None, reason=AUTOMATIC_REVOKE_REASON, now=now)
        return None
    if current is None:
        last = Certificate.objects.filter(registration=registration).order_by("-pk").first()
        if last is not None and last.revoked_by_id is not None:
            return None
        return _issue(
            registration,
            by=None,
            now=now,
            content=_content(registration, sessions=sessions, attended=attended),
        )
    content = _content(registration, sessions=sessions, attended=attended)
    if (current.hours, current.sessions_attended) == (
        content["hours"],
        content["sessions_attended"],
    ):
        return None
    _revoke(current, by=None, reason=AUTOMATIC_REVOKE_REASON, now=now)
    return _issue(
        registration,
        by=None,
        now=now,
        content=content,
        replaces=current,
        note=AUTOMATIC_REVOKE_REASON,
    )


# The dispatcher looks this far back for trainings whose certificates are due; older ones
# are issued on request (``manage.py issue_certificates --days``).
CATCH_UP = dt.timedelta(days=14)


def certificates_issue_due(
    *, now: dt.datetime | None = None, since: dt.timedelta = CATCH_UP, limit: int = 500
) -> int:
    """Issue the certificates of trainings that ended (within ``since``) after their
    attendance was recorded, as with check-ins during the last session: registrations
    attended and released (evaluated, where asked) that never had a certificate. Returns how
    many were issued."""
    now = now or timezone.now()
    due = (
        Registration.objects.filter(
            status=RegistrationStatus.CONFIRMED,
            attendance=Attendance.ATTENDED,
            person__isnull=False,
            training__ends_at__lte=now,
            training__ends_at__gt=now - since,
        )
        .exclude(Exists(Certificate.objects.filter(registration=OuterRef("pk"))))
        .exclude(
            Q(training__evaluation_required=True)
            & ~Exists(Evaluation.objects.filter(registration=OuterRef("pk")))
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    issued = 0
    for pk in list(due):
        with transaction.atomic():
            registration = (
                Registration.objects.select_for_update(of=("self",))
                .select_related("training__host_agency", "training__lead_trainer", "person")
                .get(pk=pk)
            )
            issued += certificate_sync(registration=registration, now=now) is not None
    return issued


@transaction.atomic
def certificate_revoke(
    *, certificate: Certificate, by: User, reason: str, now: dt.datetime | None = None
) -> Certificate:
    """A curator revokes a certificate (issued in error, attendance disputed). The
    verification page then says it was revoked; nothing reissues it by itself."""
    reason = " ".join(reason.split())
    if not reason:
        raise CertificateError(_("Say why the certificate is revoked."), extra={"field": "reason"})
    if len(reason) > REVOKE_REASON_MAX:
        raise CertificateError(
            _("Keep the reason under %(max)d characters.") % {"max": REVOKE_REASON_MAX},
            extra={"field": "reason"},
        )
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.is_revoked:
        raise CertificateError(_("This certificate is already revoked."))
    _revoke(certificate, by=by, reason=reason, now=now or timezone.now())
    return certificate


@transaction.atomic
def certificate_reissue(
    *, certificate: Certificate, by: User, reason: str = "", now: dt.datetime | None = None
) -> Certificate:
    """A curator reissues a certificate with what it should say today (after a name change,
    a corrected title): the old one is revoked, pointing to the new one, and the attendee is
    emailed the new link."""
    now = now or timezone.now()
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    registration = certificate.registration
    if registration is None or registration.person_id is None:
        raise CertificateError(
            _("The person's account was deleted: there is no one to reissue to.")
        )
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("training__host_agency", "training__lead_trainer", "person__user")
        .get(pk=registration.pk)
    )
    if registration.attendance != Attendance.ATTENDED:
        raise CertificateError(
            _("The attendance recorded no longer meets the training's rule: nothing to reissue.")
        )
    if not certificate.is_revoked:
        _revoke(certificate, by=by, reason=reason or _("Reissued"), now=now)
    elif Certificate.objects.valid().filter(registration=registration).exists():
        raise CertificateError(_("This registration already has a valid certificate."))
    return _issue(registration, by=by, now=now, replaces=certificate, note=reason)
