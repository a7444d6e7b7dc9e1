"""Emails about registrations, built and queued through ``portal.notifications``.

Each ``queue_*`` builds the message now (inside the transaction that causes it) and sends it
after commit. Registrations of deleted accounts (no person) get no email.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from members.models import Membership, User
from portal import notifications

from . import ics, selectors
from .models import FOLLOW_UP, PracticeReport, Registration, Reminder


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


def _send(
    name: str, registration: Registration, *, extra=None, attachments=(), dedupe_key=None
) -> None:
    if registration.person is None:
        return
    context = {**_context(registration), **(extra or {})}
    notifications.queue(
        notifications.build(
            name,
            to=[registration.person.user.email],
            context=context,
            attachments=list(attachments),
        ),
        dedupe_key=dedupe_key,
    )


def _ics_attachment(registration: Registration, cache: dict | None = None):
    """The training's .ics. ``cache`` (a dict kept for one dispatcher run) builds it once per
    training version: its time-zone block costs tens of milliseconds."""
    training = registration.training
    key = (training.pk, training.sequence)
    if cache is not None and key in cache:
        return cache[key]
    body = ics.build_calendar([training], name=training.title)
    attachment = (f"{training.slug}.ics", body, "text/calendar")
    if cache is not None:
        cache[key] = attachment
    return attachment


def queue_confirmation(*, registration: Registration) -> None:
    _send("registration_confirmed", registration, attachments=[_ics_attachment(registration)])


def queue_waitlisted(*, registration: Registration) -> None:
    position = Registration.objects.waitlist_position(registration)
    _send("registration_waitlisted", registration, extra={"position": position})


def queue_promoted(*, registration: Registration) -> None:
    _send("registration_promoted", registration, attachments=[_ics_attachment(registration)])


def queue_cancelled(*, registration: Registration) -> None:
    by = registration.cancelled_by
    by_self = by is not None and registration.person and by.pk == registration.person.user_id
    by_name = ""
    if by is not None and not by_self:
        person = getattr(by, "person", None)
        by_name = person.display_name if person else by.email
    _send(
        "registration_cancelled",
        registration,
        extra={"by_self": by_self, "by_name": by_name, "when": timezone.now()},
    )


def queue_training_cancelled(*, registration: Registration) -> None:
    _send("training_cancelled", registration)


def queue_training_changed(*, registration: Registration) -> None:
    _send("training_changed", registration, attachments=[_ics_attachment(registration)])


def queue_reminder(*, reminder: Reminder, ics_cache: dict | None = None) -> None:
    """The reminder (or day-after follow-up) email; its dedupe key makes a second copy
    impossible to create."""
    registration = reminder.registration
    training = registration.training
    if reminder.kind == FOLLOW_UP:
        _send(
            "training_follow_up",
            registration,
            extra={"resources": follow_up_resources(training)},
            dedupe_key=f"reminder:{reminder.pk}",
        )
        return
    _send(
        "training_reminder",
        registration,
        extra={
            # Confirmed people only ever get reminders, so the join link may travel here.
            "join_url": training.online_url if training.format != "in_person" else "",
            "starts_in": timezone.localtime(training.starts_at),
        },
        attachments=[_ics_attachment(registration, ics_cache)],
        dedupe_key=f"reminder:{reminder.pk}",
    )


def queue_practice_follow_up(*, reminder: Reminder, report: PracticeReport) -> None:
    """30 days on: what has the attendee put into practice? Links the report's form."""
    _send(
        "practice_follow_up",
        reminder.registration,
        extra={
            "report_url": settings.SITE_URL
            + reverse("trainings:practice_report", kwargs={"token": report.token}),
            "closes_at": timezone.localtime(report.closes_at),
        },
        dedupe_key=f"reminder:{reminder.pk}",
    )


def follow_up_resources(training) -> list:
    """The training's published materials for the day-after email; drafts and submissions
    under review are not linked."""
    return list(selectors.training_materials(training=training)[:10])


# --- Agencies' proposals ------------------------------------------------------------------------


def _curator_emails() -> list[str]:
    """Curators are the admin's staff users."""
    return list(
        User.objects.filter(is_staff=True, is_active=True)
        .order_by("email")
        .values_list("email", flat=True)
    )


def queue_training_proposed(*, training, proposed_by) -> None:
    """Tell the curators that a host agency proposed a training, with a link to review it."""
    curators = _curator_emails()
    if not curators:
        return
    person = getattr(proposed_by, "person", None)
    notifications.queue(
        notifications.build(
            "training_proposed",
            to=curators,
            context={
                "training": training,
                "agency": training.host_agency,
                "proposer_name": person.display_name if person else proposed_by.email,
                "sessions": list(training.sessions.order_by("starts_at")),
                "review_url": settings.SITE_URL
                + reverse("admin:trainings_training_change", args=[training.pk]),
            },
        )
    )


def queue_proposal_published(*, training) -> None:
    """Tell the host agency's coordinators that their proposal is now in the catalogue."""
    coordinators = list(
        Membership.objects.coordinators()
        .filter(agency_id=training.host_agency_id)
        .order_by("person__user__email")
        .values_list("person__user__email", flat=True)
    )
    if not coordinators:
        return
    notifications.queue(
        notifications.build(
            "training_proposal_published",
            to=coordinators,
            context={
                "training": training,
                "agency": training.host_agency,
                "sessions": list(training.sessions.order_by("starts_at")),
                "training_url": settings.SITE_URL + training.get_absolute_url(),
                "hosted_url": settings.SITE_URL
                + reverse("trainings:agency_hosted", kwargs={"slug": training.host_agency.slug}),
            },
        )
    )
