"""Email builders for members, rendered and queued by ``portal.notifications``."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from portal.notifications import build


def invitation(*, invitation, link: str) -> EmailMultiAlternatives:
    return build(
        "invitation",
        to=[invitation.email],
        context={
            "invitation": invitation,
            "agency": invitation.agency,
            "link": link,
            "days": settings.INVITATION_MAX_AGE_DAYS,
        },
    )


def join_request(*, membership, coordinator_emails: list[str], link: str) -> EmailMultiAlternatives:
    return build(
        "join_request",
        to=coordinator_emails,
        context={"membership": membership, "agency": membership.agency, "link": link},
    )


def join_decided(*, membership, approved: bool, link: str) -> EmailMultiAlternatives:
    return build(
        "join_decided",
        to=[membership.person.user.email],
        context={
            "membership": membership,
            "agency": membership.agency,
            "approved": approved,
            "link": link,
        },
    )


# --- Digests --------------------------------------------------------------------------------------


def digest_confirmation(*, subscription, link: str) -> EmailMultiAlternatives:
    return build(
        "digest_confirm",
        to=[subscription.email],
        context={"subscription": subscription, "link": link},
    )


# --- Claims curators verify ----------------------------------------------------------------------


def agency_status_requested(
    *, request, curators: list[str], link: str, updated: bool
) -> EmailMultiAlternatives:
    return build(
        "agency_status_requested",
        to=curators,
        context={"request": request, "agency": request.agency, "link": link, "updated": updated},
    )


def agency_status_decided(
    *, request, coordinator_emails: list[str], link: str
) -> EmailMultiAlternatives:
    return build(
        "agency_status_decided",
        to=coordinator_emails,
        context={
            "request": request,
            "agency": request.agency,
            "approved": request.state == "approved",
            "link": link,
        },
    )


def milestone_reported(*, item, curators: list[str], link: str) -> EmailMultiAlternatives:
    return build(
        "milestone_reported",
        to=curators,
        context={"item": item, "agency": item.agency, "milestone": item.milestone, "link": link},
    )
