from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from portal import notifications


class AccountAdapter(DefaultAccountAdapter):
    """allauth's emails (verification, password reset, …) go through the portal's outbox like
    every other email, and their links use SITE_URL, the public address."""

    def send_mail(self, template_prefix, email, context):
        message = self.render_mail(template_prefix, email, context)
        message.kind = template_prefix.rsplit("/", 1)[-1]
        notifications.queue(message)

    def get_email_confirmation_url(self, request, emailconfirmation):
        url = super().get_email_confirmation_url(request, emailconfirmation)
        return self._public(url)

    def get_reset_password_from_key_url(self, key):
        return self._public(super().get_reset_password_from_key_url(key))

    @staticmethod
    def _public(url: str) -> str:
        if url.startswith("/"):
            return settings.SITE_URL + url
        return url


def user_display(user) -> str:
    """How allauth's pages name a person: their display name, else their email."""
    person = getattr(user, "person", None) if user.pk else None
    return person.display_name if person else user.email
