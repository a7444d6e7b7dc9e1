"""Email builders for members. Each renders `templates/emails/<name>{_subject.txt,.txt,.html}`.

Services call ``send_after_commit`` so nothing is sent for a change that rolls back. (The email
issue replaces the direct send with a durable outbox.)
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string


def build(name: str, *, to: list[str], context: dict) -> EmailMultiAlternatives:
    context = {"SITE_URL": settings.SITE_URL, "SITE_NAME": settings.SITE_NAME, **context}
    subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
    text = render_to_string(f"emails/{name}.txt", context)
    html = render_to_string(f"emails/{name}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    return message


def send_after_commit(message: EmailMultiAlternatives) -> None:
    transaction.on_commit(message.send)


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
