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


def weekly_digest(
    *, membership, groups: list[dict], start, last_day, links: dict
) -> EmailMultiAlternatives:
    """``groups``: one dict per training (``training``, ``training_url``, ``sessions``,
    ``registrations``), soonest first."""
    return build(
        "weekly_digest",
        to=[membership.person.user.email],
        context={
            "person": membership.person,
            "agency": membership.agency,
            "groups": groups,
            "people_count": sum(len(group["registrations"]) for group in groups),
            "start": start,
            "last_day": last_day,
            **links,
        },
    )


def monthly_digest(
    *, subscription, trainings: list, resources: list, month, unsubscribe_url: str
) -> EmailMultiAlternatives:
    """The community digest, with the one-click unsubscribe headers of RFC 2369 and RFC 8058."""
    return build(
        "monthly_digest",
        to=[subscription.email],
        context={
            "trainings": trainings,
            "resources": resources,
            "month": month,
            "unsubscribe_url": unsubscribe_url,
        },
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
