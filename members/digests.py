"""The digests: the coordinators' weekly email and the monthly community digest.

Every digest email goes through the outbox with a dedupe key (one per recipient and week, or per
subscriber and month), so running a digest task twice, or two at once, sends each email once.

The community digest is double opt-in: an address gets it only after following the link in the
confirmation email. Its token (in the confirmation and unsubscribe links) is the only way to act
on a subscription, so the pages never reveal whether an address is subscribed.
"""

import datetime as dt
from collections.abc import Callable
from functools import partial
from itertools import groupby

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import notifications
from portal.exceptions import ApplicationError
from portal.models import OutboxEmail, OutboxState
from trainings import selectors as training_selectors

from . import emails, selectors
from .models import DigestSubscription, Membership, User

# The coordinators' digest covers sessions starting from now to the end of the seventh day
# (Monday morning to Sunday night, when beat sends it on Mondays).
WEEKLY_DAYS = 7
# The community digest lists trainings starting in the next six weeks (the soonest few dozen),
# and resources published since the previous digest.
MONTHLY_WINDOW = dt.timedelta(weeks=6)
MONTHLY_TRAININGS_LIMIT = 30
MONTHLY_RESOURCES_SINCE = dt.timedelta(days=31)
# Subscribing an unconfirmed address again re-sends the confirmation, but not more often than
# this, so the form can't be used to flood someone's inbox.
CONFIRMATION_RESEND_AFTER = dt.timedelta(minutes=15)

WEEKLY_KEY = "weekly-digest:{membership_id}:{week}"
MONTHLY_KEY = "monthly-digest:{subscription_id}:{month}"


class DigestError(ApplicationError):
    pass


def _queue_once(*, key: str, build: Callable[[], EmailMultiAlternatives]) -> bool:
    """Queue one digest email unless its dedupe key is in the outbox already.

    Each email gets its own savepoint: if a concurrent run wrote the same key first, the unique
    constraint refuses this copy and the others still go out.
    """
    if OutboxEmail.objects.filter(dedupe_key=key).exists():
        return False
    try:
        with transaction.atomic():
            return notifications.queue(build(), dedupe_key=key) is not None
    except IntegrityError:
        return False


# --- The coordinators' weekly digest ----------------------------------------------------------


def weekly_digest_set(*, membership: Membership, enabled: bool) -> Membership:
    if not membership.is_coordinator:
        raise DigestError(_("Only an agency's coordinators can get its weekly digest."))
    if membership.weekly_digest != enabled:
        membership.weekly_digest = enabled
        membership.save(update_fields=["weekly_digest", "updated_at"])
    return membership


def iso_week(moment: dt.datetime) -> str:
    """ "2026-W07": the ISO week of ``moment`` in the portal's zone."""
    year, week, _day = timezone.localtime(moment).isocalendar()
    return f"{year}-W{week:02d}"


def _weekly_groups(registrations) -> dict[int, list[dict]]:
    """Registrations (sorted by training) grouped per agency, then per training."""
    by_agency: dict[int, list[dict]] = {}
    for (agency_id, _training_id), rows in groupby(
        sorted(registrations, key=lambda r: (r.agency_id, r.training.starts_at, r.training_id)),
        key=lambda r: (r.agency_id, r.training_id),
    ):
        rows = list(rows)
        training = rows[0].training
        by_agency.setdefault(agency_id, []).append(
            {
                "training": training,
                "training_url": settings.SITE_URL + training.get_absolute_url(),
                "sessions": training.sessions_between,
                "registrations": rows,
            }
        )
    return by_agency


def weekly_digests_queue(*, now: dt.datetime | None = None) -> int:
    """Email each opted-in coordinator who from their agency is registered (confirmed or
    waitlisted) for a training with a session in the coming 7 days (today and the six days
    after, in Pacific time). Coordinators with nothing to report get no email. Returns how many
    were queued."""
    now = now or timezone.now()
    last_day = timezone.localdate(now) + dt.timedelta(days=WEEKLY_DAYS - 1)
    end = timezone.make_aware(dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time()))
    week = iso_week(now)
    memberships = list(selectors.weekly_digest_recipients())
    if not memberships:
        return 0
    registrations = training_selectors.agency_registrations_between(
        agency_ids={m.agency_id for m in memberships}, start=now, end=end
    )
    groups = _weekly_groups(registrations)
    queued = 0
    for membership in memberships:
        if not groups.get(membership.agency_id):
            continue
        slug = membership.agency.slug
        links = {
            "registrations_url": settings.SITE_URL
            + reverse("trainings:agency_registrations", kwargs={"slug": slug}),
            "settings_url": settings.SITE_URL
            + reverse("members:manage_home", kwargs={"slug": slug}),
        }
        queued += _queue_once(
            key=WEEKLY_KEY.format(membership_id=membership.pk, week=week),
            build=partial(
                emails.weekly_digest,
                membership=membership,
                groups=groups[membership.agency_id],
                start=now,
                last_day=last_day,
                links=links,
            ),
        )
    return queued


# --- The monthly community digest -------------------------------------------------------------


def _link(name: str, subscription: DigestSubscription) -> str:
    return settings.SITE_URL + reverse(name, kwargs={"token": subscription.token})


def digest_unsubscribe_url(subscription: DigestSubscription) -> str:
    return _link("members:digest_unsubscribe", subscription)


@transaction.atomic
def digest_subscribe(
    *, email: str, user: User | None = None, now: dt.datetime | None = None
) -> DigestSubscription:
    """Subscribe an address to the community digest, pending its confirmation.

    Harmless to repeat: a confirmed address stays as it is (and gets no email); an unconfirmed
    one gets its confirmation again (at most every ``CONFIRMATION_RESEND_AFTER``); an address
    that unsubscribed starts over, with a new token. A signed-in person subscribing their own
    address is linked to it.
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


def monthly_digest_queue(*, now: dt.datetime | None = None) -> int:
    """Email every confirmed subscriber the trainings of the next six weeks and the resources
    published in the last month. A month with neither sends nothing. Returns how many were
    queued."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    month = local.strftime("%Y-%m")
    trainings = training_selectors.digest_trainings(
        start=now, end=now + MONTHLY_WINDOW, limit=MONTHLY_TRAININGS_LIMIT
    )
    resources = selectors.digest_new_resources(since=now - MONTHLY_RESOURCES_SINCE)
    if not trainings and not resources:
        return 0
    queued = 0
    for subscription in selectors.digest_recipients().iterator():
        queued += _queue_once(
            key=MONTHLY_KEY.format(subscription_id=subscription.pk, month=month),
            build=partial(
                emails.monthly_digest,
                subscription=subscription,
                trainings=trainings,
                resources=resources,
                month=local,
                unsubscribe_url=digest_unsubscribe_url(subscription),
            ),
        )
    return queued
