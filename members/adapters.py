from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from portal import languages, notifications

from . import services
from .models import Person


@dataclass(frozen=True)
class PortalSite:
    """What allauth's email templates call ``current_site``. Without django.contrib.sites,
    allauth would name the site after the request's Host header, or not at all."""

    name: str
    domain: str


def portal_site() -> PortalSite:
    return PortalSite(name=settings.PORTAL_NAME, domain=urlsplit(settings.SITE_URL).netloc)


def public_url(url: str) -> str:
    """``url`` on the public address: SITE_URL with the link's path, query and fragment. allauth
    builds links from the request, whose Host header the visitor chooses."""
    _scheme, _host, path, query, fragment = urlsplit(url)
    return settings.SITE_URL + urlunsplit(("", "", path, query, fragment))


class AccountAdapter(DefaultAccountAdapter):
    """allauth's emails (verification, password reset, …) go through the portal's outbox like
    every other email, in the person's language, name the portal, and their links use SITE_URL,
    the public address. Signing in sets the language cookie from the person's saved language."""

    def post_login(self, request, user, **kwargs):
        """Once signed in, the portal speaks the language the person chose (on any device):
        the cookie LocaleMiddleware reads. A query or two, at sign-in only; pages read the
        cookie, never the person."""
        response = super().post_login(request, user, **kwargs)
        person = Person.objects.filter(user=user).first()
        if person is None:
            return response
        if person.language and languages.is_supported(person.language):
            languages.set_cookie(response, person.language)
        else:
            # Never chosen while signed in, but chosen with the switch before signing in (only
            # the switch sets the cookie): that choice is kept, for the emails too.
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
            if languages.is_supported(chosen):
                services.person_set_language(person=person, language=chosen)
        return response

    def send_mail(self, template_prefix, email, context):
        # What allauth's own send_mail passes, with the portal as the site; then every link
        # (activate_url, password_reset_url, signup_url, …) moved onto SITE_URL.
        context = {
            "request": allauth_context.request,
            "email": email,
            **context,
            "current_site": portal_site(),
        }
        for name, value in context.items():
            if name.endswith("_url") and isinstance(value, str):
                context[name] = public_url(value)
        language = _language_of(context.get("user"), email)
        with translation.override(language):
            message = self.render_mail(template_prefix, email, context)
        message.extra_headers["Content-Language"] = language
        message.kind = template_prefix.rsplit("/", 1)[-1]
        notifications.queue(message)

    def get_email_confirmation_url(self, request, emailconfirmation):
        return public_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key):
        return public_url(super().get_reset_password_from_key_url(key))


def _language_of(user, email: str) -> str:
    """The saved language of the account the email is about (or of the address's owner), else
    the language of the request that caused it."""
    people = Person.objects.filter(user=user) if user and user.pk else None
    if people is None:
        people = Person.objects.filter(user__email__iexact=email)
    return languages.for_person(people.values_list("language", flat=True).first())


def user_display(user) -> str:
    """How allauth's pages name a person: their display name, else their email."""
    person = getattr(user, "person", None) if user.pk else None
    return person.display_name if person else user.email
