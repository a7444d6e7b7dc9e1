"""The one notification service: every email the portal sends is built and queued here.

``build`` renders ``templates/emails/<name>_subject.txt``, ``<name>.txt`` and ``<name>.html``
in the recipient's language, whatever language the process runs in (a request's, a worker's):
each builder passes it (``portal.languages.for_person``: the person's saved language, else the
language active when the email was caused). An email to several people is built once per
language among them (``by_language``).
``queue`` writes the message to the outbox (``portal.models.OutboxEmail``) inside the current
transaction, and after commit asks a Celery worker to send it at once. If the broker is down,
the row waits for the periodic dispatcher (or ``manage.py send_due_reminders``): Redis is never
needed for a change to succeed.
"""

import base64
import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation

from . import languages
from .models import OutboxEmail
from .tasks import send_outbox_email

logger = logging.getLogger(__name__)

# Log a broker outage once per process, not once per email.
_broker_down = False


def build(
    name: str,
    *,
    to: list[str],
    context: dict,
    language: str,
    attachments: list[tuple[str, bytes, str]] = (),
    headers: dict | None = None,
) -> EmailMultiAlternatives:
    """The email ``name`` to ``to``, its subject, text and HTML rendered in ``language`` (one of
    settings.LANGUAGES). Attachments with words in them (an .ics) are built by the caller under
    ``translation.override(language)`` too."""
    language = languages.supported(language) or languages.current()
    context = {"SITE_URL": settings.SITE_URL, "SITE_NAME": settings.SITE_NAME, **context}
    with translation.override(language):
        subject = " ".join(_render_plain(f"emails/{name}_subject.txt", context).split())
        text = _render_plain(f"emails/{name}.txt", context)
        html = render_to_string(f"emails/{name}.html", context)
    headers = {"Content-Language": language, **(headers or {})}
    message = EmailMultiAlternatives(subject=subject, body=text, to=to, headers=headers)
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.kind = name
    return message


def by_language(recipients) -> list[tuple[str, list[str]]]:
    """``recipients`` (pairs of an address and its saved language, "" or None when none) as
    (language, addresses) groups, one email each: the saved language, else the active one."""
    groups: dict[str, list[str]] = {}
    for email, saved in recipients:
        groups.setdefault(languages.for_person(saved), []).append(email)
    return sorted(groups.items())


def _render_plain(template_name: str, context: dict) -> str:
    """Render a plain-text template without HTML escaping ("caregiver's", not "caregiver&#x27;s");
    only the HTML part of an email is escaped."""
    template = get_template(template_name).template
    return template.render(Context(context, autoescape=False))


def queue(
    message: EmailMultiAlternatives,
    *,
    dedupe_key: str | None = None,
    due_at: dt.datetime | None = None,
) -> OutboxEmail | None:
    """Record ``message`` in the outbox; send it soon after the transaction commits.

    With a ``dedupe_key`` that is already in the outbox, nothing is added (returns None).
    """
    if dedupe_key and OutboxEmail.objects.filter(dedupe_key=dedupe_key).exists():
        return None
    html = next(
        (
            content
            for content, mimetype in getattr(message, "alternatives", [])
            if mimetype == "text/html"
        ),
        "",
    )
    attachments = [
        {
            "filename": filename,
            "content": base64.b64encode(
                content.encode() if isinstance(content, str) else content
            ).decode(),
            "mimetype": mimetype,
        }
        for filename, content, mimetype in message.attachments
    ]
    fields = {
        "kind": getattr(message, "kind", "email"),
        "to": list(message.to),
        "subject": message.subject,
        "body_text": message.body,
        "body_html": html,
        "headers": dict(message.extra_headers),
        "attachments": attachments,
        "dedupe_key": dedupe_key,
    }
    if due_at is not None:
        fields["due_at"] = due_at
    email = OutboxEmail.objects.create(**fields)
    transaction.on_commit(lambda: publish(email.pk))
    return email


def publish(email_id: int) -> None:
    """Ask a worker to send one outbox email now. Never raises: with the broker down, the
    periodic dispatcher sends it later."""
    global _broker_down

    try:
        # No publish retries on the request path; the broker connect timeout is short.
        send_outbox_email.apply_async(args=[email_id], retry=False)
    except Exception:  # kombu raises many kinds; every one means "not queued".
        if not _broker_down:
            logger.warning(
                "Could not reach the Celery broker; outbox emails wait for the dispatcher.",
                exc_info=True,
            )
        _broker_down = True
    else:
        _broker_down = False
