"""Builders of the emails about trainings and registrations (``portal.notifications.build``).

They only build: the services queue what they return (``notifications.queue``), inside the
transaction that causes it, and the outbox sends it after commit. Registrations of deleted
accounts (no person) get no email: see ``trainings.services.outbox``. Each email, its .ics
included, is in the attendee's language (``portal.languages.for_person``); the curators' and
coordinators' emails take the ``language`` of their group (``portal.notifications.by_language``).
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone, translation

from portal import languages
from portal.notifications import build

from . import ics
from .models import PracticeReport, Registration, Reminder


def _context(registration: Registration) -> dict:
    training = registration.training
    return {
        "registration": registration,
        "training": training,
        "person": registration.person,
        "sessions": list(training.sessions.order_by("starts_at")),
        "training_url": settings.SITE_URL + training.get_absolute_url(),
        "my_trainings_url": settings.SITE_URL + reverse("trainings:my_trainings"),
    }


def _language(registration: Registration) -> str:
    return languages.for_person(registration.person.language)


def _to_attendee(
    name: str, registration: Registration, *, extra=None, attachments=()
) -> EmailMultiAlternatives:
    return build(
        name,
        to=[registration.person.user.email],
        language=_language(registration),
        context={**_context(registration), **(extra or {})},
        attachments=list(attachments),
    )


def _ics_attachment(registration: Registration, cache: dict | None = None):
    """The training's .ics, in the attendee's language. ``cache`` (a dict kept for one
    dispatcher run) builds it once per training version and language: its time-zone block costs
    tens of milliseconds."""
    training = registration.training
    language = _language(registration)
    key = (training.pk, training.sequence, language)
    if cache is not None and key in cache:
        return cache[key]
    with translation.override(language):
        body = ics.build_calendar([training], name=training.title)
    attachment = (f"{training.slug}.ics", body, "text/calendar")
    if cache is not None:
        cache[key] = attachment
    return attachment


def registration_confirmed(*, registration: Registration) -> EmailMultiAlternatives:
    return _to_attendee(
        "registration_confirmed", registration, attachments=[_ics_attachment(registration)]
    )


def registration_waitlisted(*, registration: Registration, position: int) -> EmailMultiAlternatives:
    return _to_attendee("registration_waitlisted", registration, extra={"position": position})


def registration_promoted(*, registration: Registration) -> EmailMultiAlternatives:
    return _to_attendee(
        "registration_promoted", registration, attachments=[_ics_attachment(registration)]
    )


def registration_cancelled(*, registration: Registration) -> EmailMultiAlternatives:
    by = registration.cancelled_by
    by_self = by is not None and registration.person and by.pk == registration.person.user_id
    by_name = ""
    if by is not None and not by_self:
        person = getattr(by, "person", None)
        by_name = person.display_name if person else by.email
    return _to_attendee(
        "registration_cancelled",
        registration,
        extra={"by_self": by_self, "by_name": by_name, "when": timezone.now()},
    )


def training_cancelled(*, registration: Registration) -> EmailMultiAlternatives:
    return _to_attendee("training_cancelled", registration)


def training_changed(*, registration: Registration) -> EmailMultiAlternatives:
    return _to_attendee(
        "training_changed", registration, attachments=[_ics_attachment(registration)]
    )


def training_follow_up(*, registration: Registration, resources: list) -> EmailMultiAlternatives:
    """The day after: thanks, and the training's published materials."""
    return _to_attendee("training_follow_up", registration, extra={"resources": resources})


def training_reminder(
    *, reminder: Reminder, ics_cache: dict | None = None
) -> EmailMultiAlternatives:
    registration = reminder.registration
    training = registration.training
    return _to_attendee(
        "training_reminder",
        registration,
        extra={
            # Confirmed people only ever get reminders. The link is the portal's door to the
            # meeting: it checks them in on the way (trainings.views.checkin.training_join).
            "join_url": settings.SITE_URL
            + reverse("trainings:join", kwargs={"slug": training.slug})
            if training.format != "in_person" and training.online_url
            else "",
            "starts_in": timezone.localtime(training.starts_at),
        },
        attachments=[_ics_attachment(registration, ics_cache)],
    )


def practice_follow_up(*, reminder: Reminder, report: PracticeReport) -> EmailMultiAlternatives:
    """30 days on: what has the attendee put into practice? Links the report's form."""
    return _to_attendee(
        "practice_follow_up",
        reminder.registration,
        extra={
            "report_url": settings.SITE_URL
            + reverse("trainings:practice_report", kwargs={"token": report.token}),
            "closes_at": timezone.localtime(report.closes_at),
        },
    )


# --- Agencies' proposals ------------------------------------------------------------------------


def training_proposed(
    *, training, proposed_by, curators: list[str], language: str
) -> EmailMultiAlternatives:
    """Tell the curators that a host agency proposed a training, with a link to review it."""
    person = getattr(proposed_by, "person", None)
    return build(
        "training_proposed",
        to=curators,
        language=language,
        context={
            "training": training,
            "agency": training.host_agency,
            "proposer_name": person.display_name if person else proposed_by.email,
            "sessions": list(training.sessions.order_by("starts_at")),
            "review_url": settings.SITE_URL
            + reverse("admin:trainings_training_change", args=[training.pk]),
        },
    )


def proposal_published(
    *, training, coordinators: list[str], language: str
) -> EmailMultiAlternatives:
    """Tell the host agency's coordinators that their proposal is now in the catalogue."""
    return build(
        "training_proposal_published",
        to=coordinators,
        language=language,
        context={
            "training": training,
            "agency": training.host_agency,
            "sessions": list(training.sessions.order_by("starts_at")),
            "training_url": settings.SITE_URL + training.get_absolute_url(),
            "hosted_url": settings.SITE_URL
            + reverse("trainings:agency_hosted", kwargs={"slug": training.host_agency.slug}),
        },
    )


def certificate_issued(*, certificate, registration: Registration) -> EmailMultiAlternatives:
    """A certificate of attendance is ready: a link to download it, never the file."""
    return _to_attendee(
        "certificate_issued",
        registration,
        extra={
            "certificate": certificate,
            "certificates_url": settings.SITE_URL + reverse("trainings:my_certificates"),
            "verify_url": certificate.verify_url,
        },
    )
