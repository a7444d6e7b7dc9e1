"""Builders of the emails that span the domains: the coordinators' weekly digest and the
monthly community digest. Services queue them."""

from django.core.mail import EmailMultiAlternatives

from members.emails import digest_language
from portal import languages
from portal.notifications import build


def weekly_digest(
    *, membership, groups: list[dict], start, last_day, links: dict
) -> EmailMultiAlternatives:
    """``groups``: one dict per training (``training``, ``training_url``, ``sessions``,
    ``registrations``), soonest first."""
    return build(
        "weekly_digest",
        to=[membership.person.user.email],
        language=languages.for_person(membership.person.language),
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
        language=digest_language(subscription),
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
