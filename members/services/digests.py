"""The community digest's subscriptions, and the coordinators' choice of the weekly digest.

The community digest is double opt-in: an address gets it only after following the link in the
confirmation email. Its token (in the confirmation and unsubscribe links) is the only way to act
on a subscription, so the pages never reveal whether an address is subscribed. What the digests
say, and their sending, span the domains: ``community.services``.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import languages, notifications
from portal.exceptions import ApplicationError
from portal.models import OutboxEmail, OutboxState

from .. import emails
from ..models import DigestSubscription, Membership, User

# Subscribing an unconfirmed address again re-sends the confirmation, but not more often than
# this, so the form can't be used to flood someone's inbox.
CONFIRMATION_RESEND_AFTER = dt.timedelta(minutes=15)
# The outbox's dedupe key of a subscriber's monthly digest: unsubscribing cancels a pending one.
MONTHLY_KEY = "monthly-digest:{subscription_id}:{month}"


class DigestError(ApplicationError):
    pass


def weekly_digest_set(*, membership: Membership, enabled: bool) -> Membership:
    if not membership.is_coordinator:
        raise DigestError(_("Only an agency's coordinators can get its weekly digest."))
    if membership.weekly_digest != enabled:
        membership.weekly_digest = enabled
        membership.save(update_fields=["weekly_digest", "updated_at"])
    return membership


def _link(name: str, subscription: DigestSubscription) -> str:
    return settings.SITE_URL + reverse(name, kwargs={"token": subscription.token})


def digest_unsubscribe_url(subscription: DigestSubscription) -> str:
    return _link("members:digest_unsubscribe", subscription)


@transaction.atomic
def digest_subscribe(
    *,
    email: str,
    user: User | None = None,
    language: str = "",
    now: dt.datetime | None = None,
) -> DigestSubscription:
    """Subscribe an address to the community digest, pending its confirmation.

    Harmless to repeat: a confirmed address stays as it is (and gets no email); an unconfirmed
    one gets its confirmation again (at most every ``CONFIRMATION_RESEND_AFTER``); an address
    that unsubscribed starts over, with a new token. A signed-in person subscribing their own
    address is linked to it. ``language`` (the page's) is the digest's language for an
    address without an account; the latest subscription's wins.
    """
    now = now or timezone.now()
    email = User.objects.normalize_email(email.strip())
    try:
        validate_email(email)
    except ValidationError:
        raise DigestError(_("Enter a valid email address.")) from None
    person = None
    if user is not None and user.is_authenticated and user.email.lower() == email.lower():
        person = getattr(user, "person", None)

    subscription = (
        DigestSubscription.objects.select_for_update().filter(email__iexact=email).first()
    )
    if subscription is None:
        try:
            with transaction.atomic():
                subscription = DigestSubscription.objects.create(email=email, person=person)
        except IntegrityError:  # The same address, subscribed at the same moment.
            subscription = DigestSubscription.objects.select_for_update().get(email__iexact=email)

    fields = []
    language = languages.supported(language) or ""
    if language and subscription.language != language:
        subscription.language = language
        fields.append("language")
    if subscription.unsubscribed_at is not None:
        subscription.token = DigestSubscription._meta.get_field("token").default()
        subscription.unsubscribed_at = None
        subscription.confirmed_at = None
        subscription.confirmation_sent_at = None
        fields += ["token", "unsubscribed_at", "confirmed_at", "confirmation_sent_at"]
    if person is not None and subscription.person_id is None:
        subscription.person = person
        fields.append("person")
    if subscription.confirmed_at is None:
        sent = subscription.confirmation_sent_at
        if sent is None or now - sent >= CONFIRMATION_RESEND_AFTER:
            subscription.confirmation_sent_at = now
            fields.append("confirmation_sent_at")
            notifications.queue(
                emails.digest_confirmation(
                    subscription=subscription,
                    link=_link("members:digest_confirm", subscription),
                )
            )
    if fields:
        subscription.save(update_fields=sorted(set(fields)))
    return subscription


def digest_confirm(
    *, subscription: DigestSubscription, now: dt.datetime | None = None
) -> DigestSubscription:
    """Confirm an address (the second opt-in). Confirming twice changes nothing."""
    if subscription.unsubscribed_at is not None:
        raise DigestError(_("This subscription was cancelled. Subscribe again to get the digest."))
    if subscription.confirmed_at is None:
        subscription.confirmed_at = now or timezone.now()
        subscription.save(update_fields=["confirmed_at"])
    return subscription


@transaction.atomic
def digest_unsubscribe(
    *, subscription: DigestSubscription, now: dt.datetime | None = None
) -> DigestSubscription:
    """Stop the digest for this address, at once: a digest still waiting in the outbox is
    cancelled too. Unsubscribing twice changes nothing."""
    if subscription.unsubscribed_at is None:
        subscription.unsubscribed_at = now or timezone.now()
        subscription.save(update_fields=["unsubscribed_at"])
    OutboxEmail.objects.filter(
        state=OutboxState.PENDING,
        dedupe_key__startswith=MONTHLY_KEY.format(subscription_id=subscription.pk, month=""),
    ).update(state=OutboxState.CANCELLED)
    return subscription
