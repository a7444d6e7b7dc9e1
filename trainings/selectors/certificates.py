"""Reads for certificates of attendance and evaluations: what each page shows, and
what each PDF says (``certificate_content``, ``transcript``), in the reader's language."""

from decimal import Decimal

from django.conf import settings
from django.db.models import Avg, Count, Exists, OuterRef, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.models import Agency, Person

from ..certificates import CertificateContent, TranscriptRow
from ..models import (
    CODE_LENGTH,
    EVALUATION_MINIMUM_ANSWERS,
    Attendance,
    Certificate,
    Evaluation,
    Registration,
    RegistrationStatus,
    Training,
    normalize_code,
)


def hours_display(value: Decimal | None) -> str:
    """6.00 → "6", 6.50 → "6.5", in the active language's number format."""
    return floatformat(value, -2) if value is not None else ""


def _dates(certificate: Certificate) -> str:
    first = date_format(certificate.first_date, "DATE_FORMAT")
    if certificate.first_date == certificate.last_date:
        dates = first
    else:
        dates = f"{first} – {date_format(certificate.last_date, 'DATE_FORMAT')}"
    if certificate.sessions_total > 1:
        dates += " · " + ngettext(
            "%(attended)d of %(total)d session attended",
            "%(attended)d of %(total)d sessions attended",
            certificate.sessions_total,
        ) % {"attended": certificate.sessions_attended, "total": certificate.sessions_total}
    return dates


def ce_statement(certificate: Certificate) -> str:
    """The continuing-education sentence, or the contact hours when there is no CE."""
    hours = hours_display(certificate.hours)
    if certificate.ce_hours is None:
        return ngettext(
            "%(hours)s contact hour. This training was not approved for continuing-education "
            "credit.",
            "%(hours)s contact hours. This training was not approved for continuing-education "
            "credit.",
            1 if certificate.hours == 1 else 2,  # plural forms count whole numbers
        ) % {"hours": hours}
    statement = _("%(ce)s continuing-education (CE) hours, approved by %(body)s") % {
        "ce": hours_display(certificate.ce_hours),
        "body": certificate.ce_approving_body,
    }
    if certificate.ce_provider_number:
        statement += _(", provider number %(number)s") % {"number": certificate.ce_provider_number}
    statement += "."
    if certificate.ce_licences:
        statement += " " + _("For: %(licences)s.") % {"licences": certificate.ce_licences}
    return statement


def certificate_content(certificate: Certificate) -> CertificateContent:
    return CertificateContent(
        name=certificate.name,
        training_title=certificate.training_title,
        dates=_dates(certificate),
        hours=hours_display(certificate.hours),
        host_agency=certificate.host_agency,
        trainer=certificate.trainer,
        ce_statement=ce_statement(certificate),
        licence=certificate.licence if certificate.ce_hours is not None else "",
        code=certificate.display_code,
        verify_url=certificate.verify_url,
        issued_on=date_format(timezone.localdate(certificate.issued_at), "DATE_FORMAT"),
        revoked=certificate.is_revoked,
    )


def certificate_by_code(code: str) -> Certificate:
    """The certificate a verification code names (typed with or without dashes), or 404."""
    normalized = normalize_code(code, length=CODE_LENGTH)
    if not normalized:
        raise Http404
    return get_object_or_404(Certificate.objects.select_related("replaced_by"), code=normalized)


def my_certificate(*, user, code: str) -> Certificate:
    """One of the signed-in person's own certificates, or 404 (whoever else's it is)."""
    normalized = normalize_code(code, length=CODE_LENGTH)
    if not normalized:
        raise Http404
    return get_object_or_404(
        Certificate.objects.select_related("training"), code=normalized, person__user=user
    )


def my_certificates(*, user) -> dict:
    """The person's valid certificates, newest first, and the trainings whose certificate waits
    for their evaluation. Two queries."""
    certificates = list(
        Certificate.objects.valid().filter(person__user=user).order_by("-last_date", "-pk")
    )
    waiting = list(
        Registration.objects.filter(
            person__user=user,
            status=RegistrationStatus.CONFIRMED,
            attendance=Attendance.ATTENDED,
            training__evaluation_required=True,
            training__ends_at__lte=timezone.now(),
        )
        .exclude(Exists(Evaluation.objects.filter(registration=OuterRef("pk"))))
        .exclude(Exists(Certificate.objects.filter(registration=OuterRef("pk"))))
        .select_related("training")
        .order_by("-training__ends_at")
    )
    return {
        "certificates": certificates,
        "waiting_evaluation": waiting,
        "total_hours": hours_display(sum((c.hours for c in certificates), Decimal(0))),
    }


def transcript(*, person: Person) -> dict:
    """The transcript's rows: every training the person attended with a valid certificate."""
    certificates = list(
        Certificate.objects.valid().filter(person=person).order_by("first_date", "pk")
    )
    rows = [
        TranscriptRow(
            title=c.training_title,
            dates=_dates(c),
            hours=hours_display(c.hours),
            ce_hours=hours_display(c.ce_hours),
            code=c.display_code,
        )
        for c in certificates
    ]
    return {
        "name": person.printed_name,
        "licence": person.licence,
        "rows": rows,
        "total_hours": hours_display(sum((c.hours for c in certificates), Decimal(0))),
        "generated_on": date_format(timezone.localdate(), "DATE_FORMAT"),
        "site_url": settings.SITE_URL,
    }


def agency_certificate_trainings(*, agency: Agency) -> QuerySet[Training]:
    """Trainings where the agency's staff (registrations for the agency) hold certificates,
    latest first, each with ``certificate_count``. One query."""
    return (
        Training.objects.filter(
            certificates__revoked_at__isnull=True, certificates__registration__agency=agency
        )
        .annotate(certificate_count=Count("certificates", distinct=True))
        .order_by("-ends_at", "-pk")
    )


def agency_training_certificates(*, agency: Agency, training_slug: str) -> tuple[Training, list]:
    """A training's valid certificates of the agency's staff; 404 if there are none (another
    agency's coordinator learns nothing, not even that the training had any)."""
    certificates = list(
        Certificate.objects.valid()
        .filter(training__slug=training_slug, registration__agency=agency)
        .select_related("training")
        .order_by("name", "pk")
    )
    if not certificates:
        raise Http404
    return certificates[0].training, certificates


def evaluation_summary(*, training: Training) -> dict:
    """The training's evaluations, aggregated: averages and comments only from
    ``EVALUATION_MINIMUM_ANSWERS`` answers on; below that, only how many answered."""
    figures = Evaluation.objects.filter(training=training).aggregate(
        answers=Count("pk"),
        content=Avg("content_rating"),
        trainer=Avg("trainer_rating"),
        practice=Avg("practice_rating"),
    )
    shown = figures["answers"] >= EVALUATION_MINIMUM_ANSWERS
    comments = []
    if shown:
        # Shuffled: in the order they came, a comment could be matched to who left early.
        comments = list(
            Evaluation.objects.filter(training=training)
            .exclude(comments="")
            .order_by("?")
            .values_list("comments", flat=True)
        )
    return {
        "answers": figures["answers"],
        "shown": shown,
        "minimum": EVALUATION_MINIMUM_ANSWERS,
        "averages": [
            (Evaluation._meta.get_field(f"{key}_rating").verbose_name, floatformat(figures[key], 1))
            for key in ("content", "trainer", "practice")
        ]
        if shown
        else [],
        "comments": comments,
    }


def evaluation_registration(*, user, registration_id: int) -> Registration:
    return get_object_or_404(
        Registration.objects.select_related("training"),
        pk=registration_id,
        person__user=user,
        status=RegistrationStatus.CONFIRMED,
        attendance=Attendance.ATTENDED,
    )
