"""The one notification service: every email the portal sends is built and queued here.

``build`` renders ``templates/emails/<name>_subject.txt``, ``<name>.txt`` and ``<name>.html``.
``queue`` sends a message once the current transaction commits, so a change that rolls back
sends nothing. (The email issue turns ``queue`` into a durable outbox.)
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def build(
    name: str,
    *,
    to: list[str],
    context: dict,
    attachments: list[tuple[str, bytes, str]] = (),
) -> EmailMultiAlternatives:
    context = {"SITE_URL": settings.SITE_URL, "SITE_NAME": settings.SITE_NAME, **context}
    subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
    text = render_to_string(f"emails/{name}.txt", context)
    html = render_to_string(f"emails/{name}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message


def queue(message: EmailMultiAlternatives) -> None:
    """Send ``message`` after the current transaction commits (at once outside one)."""

    def send() -> None:
        try:
            message.send()
        except Exception:  # An email failure must not turn a committed change into a 500.
            logger.exception("Could not send email %r to %s", message.subject, message.to)

    transaction.on_commit(send)
