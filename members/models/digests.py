"""The monthly community digest's subscriptions (double opt-in)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .people import Person


def new_digest_token() -> str:
    return secrets.token_urlsafe(32)


class DigestSubscriptionQuerySet(models.QuerySet):
    def receiving(self):
        """Confirmed (double opt-in) and not unsubscribed: the people the digest goes to."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)


class DigestSubscription(models.Model):
    """An address that asked for the monthly community digest, with or without an account.

    The digest goes only to confirmed addresses (double opt-in). ``token`` is the secret in the
    confirmation and unsubscribe links; it is replaced when an unsubscribed address subscribes
    again, so links from before stop working.
    """

    email = models.EmailField(_("email address"))
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="digest_subscriptions",
        help_text=_("Set when a signed-in person subscribed their own address."),
    )
    # The language of the page the address subscribed from: the digest's, for an address without
    # an account (a person's own saved language comes first).
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )
    token = models.CharField(max_length=64, unique=True, default=new_digest_token, editable=False)
    confirmation_sent_at = models.DateTimeField(_("confirmation sent"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = DigestSubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("digest subscription")
        verbose_name_plural = _("digest subscriptions")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="digest_subscription_unique_email"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_receiving(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None
