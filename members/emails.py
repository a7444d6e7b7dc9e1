"""Email builders for members, rendered and queued by ``portal.notifications``.

Each email is in its recipient's language (``portal.languages.for_person``): a person's saved
language, else the language active when the email was caused. Emails to several people (the
curators, an agency's coordinators) take the ``language`` of their group
(``portal.notifications.by_language``)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from portal import languages
from portal.notifications import build


def invitation(*, invitation, link: str, language: str) -> EmailMultiAlternatives:
    """``language``: the invitee's saved one when they have an account, else the language the
    coordinator invited them in."""
    return build(
        "invitation",
        to=[invitation.email],
        language=language,
        context={
            "invitation": invitation,
            "agency": invitation.agency,
            "link": link,
            "days": settings.INVITATION_MAX_AGE_DAYS,
        },
    )


def join_request(
    *, membership, coordinator_emails: list[str], link: str, language: str
) -> EmailMultiAlternatives:
    return build(
        "join_request",
        to=coordinator_emails,
        language=language,
        context={"membership": membership, "agency": membership.agency, "link": link},
    )


def join_decided(*, membership, approved: bool, link: str) -> EmailMultiAlternatives:
    person = membership.person
    return build(
        "join_decided",
        to=[person.user.email],
        language=languages.for_person(person.language),
        context={
            "membership": membership,
            "agency": membership.agency,
            "approved": approved,
            "link": link,
        },
    )


# --- Digests --------------------------------------------------------------------------------------


def digest_language(subscription) -> str:
    """A subscriber's own saved language when the address is a person's, else the language it
    subscribed in, else the active one."""
    person = subscription.person
    return languages.for_person((person.language if person else "") or subscription.language)


def digest_confirmation(*, subscription, link: str) -> EmailMultiAlternatives:
    return build(
        "digest_confirm",
        to=[subscription.email],
        language=digest_language(subscription),
        context={"subscription": subscription, "link": link},
    )


# --- Claims curators verify ----------------------------------------------------------------------


def agency_status_requested(
    *, request, curators: list[str], link: str, updated: bool, language: str
) -> EmailMultiAlternatives:
    return build(
        "agency_status_requested",
        to=curators,
        language=language,
        context={"request": request, "agency": request.agency, "link": link, "updated": updated},
    )


def agency_status_decided(
    *, request, coordinator_emails: list[str], link: str, language: str
) -> EmailMultiAlternatives:
    return build(
        "agency_status_decided",
        to=coordinator_emails,
        language=language,
        context={
            "request": request,
            "agency": request.agency,
            "approved": request.state == "approved",
            "link": link,
        },
    )


def milestone_reported(
    *, item, curators: list[str], link: str, language: str
) -> EmailMultiAlternatives:
    return build(
        "milestone_reported",
        to=curators,
        language=language,
        context={"item": item, "agency": item.agency, "milestone": item.milestone, "link": link},
    )
