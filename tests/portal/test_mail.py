"""The embedded default's console email backend (portal/mail.py): each email printed readably,
its link whole, with the raw MIME source one setting away."""

import io
import os
from pathlib import Path

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from portal.mail import ConsoleEmailBackend
from tests.processes import run_python

ROOT = Path(settings.BASE_DIR)
LINK = "https://portal.example.org/accounts/confirm-email/MQ:1xYmZV:FBTQZ7a1CTulWDZZk56FdAnsYRdvECjg3-4TGzFZHEk/"
SUBJECT = "Inscripción confirmada: Introducción al NMT"
BODY = f"Hola Ana,\n\nsu inscripción está confirmada. Confirme su dirección:\n{LINK}\n"


def _message(**extra) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=SUBJECT,
        body=BODY,
        from_email="NMT Community of Practice <noreply@example.org>",
        to=["ana@example.org", "bea@example.org"],
        **extra,
    )
    message.attach_alternative(
        f"<p>su inscripción está confirmada: <a href='{LINK}'>…</a></p>", "text/html"
    )
    return message


def test_an_email_is_printed_with_its_recipients_subject_and_text_only():
    stream = io.StringIO()

    sent = ConsoleEmailBackend(stream=stream).send_messages([_message(), _message()])

    assert sent == 2
    output = stream.getvalue()
    first, second, rest = output.split("-" * 79 + "\n")
    assert rest == ""
    assert first == second
    assert "To: ana@example.org, bea@example.org\n" in first
    assert f"Subject: {SUBJECT}\n" in first
    assert BODY in first  # decoded, the link whole on its line
    assert "Content-Type" not in first
    assert "Content-Transfer-Encoding" not in first
    assert "<p>" not in first
    assert "text/html" in first  # it says there is an HTML part, without printing it


def test_attachments_and_copies_are_named(capsys, settings):
    settings.EMAIL_BACKEND = "portal.mail.ConsoleEmailBackend"
    message = _message(cc=["coordinator@example.org"])
    message.attach("training.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")

    message.send()

    output = capsys.readouterr().out
    assert "Cc: coordinator@example.org\n" in output
    assert "training.ics (text/calendar)" in output
    assert "BEGIN:VCALENDAR" not in output


def test_the_raw_mime_source_is_one_setting_away(settings):
    settings.EMAIL_CONSOLE_RAW = True
    stream = io.StringIO()

    ConsoleEmailBackend(stream=stream).send_messages([_message()])

    output = stream.getvalue()
    assert "Content-Type: multipart/alternative" in output
    assert "Subject: =?utf-8?" in output
    assert output.endswith("-" * 79 + "\n")


def test_mail_goes_through_the_configured_backend(capsys, settings):
    settings.EMAIL_BACKEND = "portal.mail.ConsoleEmailBackend"
    mail.send_mail(SUBJECT, BODY, None, ["ana@example.org"])
    assert f"Subject: {SUBJECT}\n" in capsys.readouterr().out


def test_the_embedded_default_prints_emails_with_it():
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings.local", DATABASE_URL="sqlite:///:memory:")
    code = "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.EMAIL_CONSOLE_RAW)"
    result = run_python(code, env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["portal.mail.ConsoleEmailBackend", "False"]
