"""The console email backend of the embedded default (`make run` with no EMAIL_URL).

Django's console backend prints each email's whole MIME source: encoded headers, both parts,
attachments. This one prints what a developer looks for, the recipients, the subject and the
text part, so that a verification link can be followed straight from the terminal.
EMAIL_CONSOLE_RAW=true prints the MIME source instead.
"""

from django.conf import settings
from django.core.mail.backends.console import EmailBackend

SEPARATOR = "-" * 79


class ConsoleEmailBackend(EmailBackend):
    def write_message(self, message):
        if settings.EMAIL_CONSOLE_RAW:
            super().write_message(message)
            return
        lines = [
            f"From: {message.from_email}",
            f"To: {', '.join(message.to)}",
        ]
        if message.cc:
            lines.append(f"Cc: {', '.join(message.cc)}")
        if message.bcc:
            lines.append(f"Bcc: {', '.join(message.bcc)}")
        parts = [(message.body, f"text/{message.content_subtype}")]
        parts += [(content, mimetype) for content, mimetype in getattr(message, "alternatives", [])]
        text = next((part for part in parts if part[1] == "text/plain"), parts[0])
        lines += [f"Subject: {message.subject}", "", text[0].rstrip("\n"), ""]
        others = [mimetype for content, mimetype in parts if (content, mimetype) != text]
        if others:
            lines.append(f"(also as {', '.join(others)})")
        for attachment in message.attachments:
            if isinstance(attachment, tuple):
                filename, _content, mimetype = attachment
            else:  # a MIMEBase attached as it is
                filename, mimetype = attachment.get_filename(), attachment.get_content_type()
            lines.append(f"Attached: {filename} ({mimetype})")
        self.stream.write("\n".join(lines) + "\n")
        self.stream.write(SEPARATOR + "\n")
