"""Writes that span the domains: the digests, the dispatcher, and deleting an account.

Every digest email goes through the outbox with a dedupe key (one per recipient and week, or per
subscriber and month), so running a digest task twice, or two at once, sends each email once.
"""

import datetime as dt
from collections.abc import Callable
from functools import partial
from itertools import groupby

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from members import selectors as member_selectors
from members import services as member_services
from members.models import User
from members.services.digests import MONTHLY_KEY, digest_unsubscribe_url
from portal import notifications
from portal.models import OutboxEmail
from portal.querysets import in_pk_batches
from portal.services import outbox_dispatch
from resources import selectors as resource_selectors
from trainings import selectors as training_selectors
from trainings.services import registration_cancel
from trainings.services.certificates import certificates_issue_due
from trainings.services.reminders import reminders_enqueue_due

from . import emails

# The coordinators' digest covers sessions starting from now to the end of the seventh day
# (Monday morning to Sunday night, when beat sends it on Mondays).
WEEKLY_DAYS = 7
# The community digest lists trainings starting in the next six weeks (the soonest few dozen),
# and resources published since the previous digest.
MONTHLY_WINDOW = dt.timedelta(weeks=6)
MONTHLY_TRAININGS_LIMIT = 30
MONTHLY_RESOURCES_SINCE = dt.timedelta(days=31)

WEEKLY_KEY = "weekly-digest:{membership_id}:{week}"


def dispatch_due() -> dict[str, int]:
    """What beat runs every minute and ``manage.py send_due_reminders`` runs without Redis:
    turn due reminders and due certificates of attendance into outbox emails, then send every
    due email."""
    return {
        "reminders": reminders_enqueue_due(),
        "certificates": certificates_issue_due(),
        "sent": outbox_dispatch(),
    }


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete a person's account and personal data.

    Refused while they are the last coordinator of an agency, so no agency is left unmanaged.
    Their seats at trainings that have not started are cancelled (so the waitlist gets them);
    their past registrations stay, anonymised (no person), so agencies' figures stay true.
    """
    member_services.account_delete_check(user=user)
    for registration in training_selectors.upcoming_registrations_of(user=user):
        registration_cancel(registration=registration, cancelled_by=user)
    member_services.account_erase(user=user)


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
    memberships = list(member_selectors.weekly_digest_recipients())
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
    resources = resource_selectors.published_since(since=now - MONTHLY_RESOURCES_SINCE)
    if not trainings and not resources:
        return 0
    queued = 0
    for subscription in in_pk_batches(member_selectors.digest_recipients()):
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
