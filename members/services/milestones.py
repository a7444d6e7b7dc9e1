"""Site-certification milestones an agency records.

A tick is the agency's claim: curators are emailed, and it shows publicly once one of them
verifies it (``claims.milestone_verify``). Milestones the portal computes cannot be ticked."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import notifications

from .. import emails, selectors
from ..models import (
    Agency,
    AgencyMilestone,
    SiteMilestone,
    User,
)
from .agencies import _lock_agency
from .errors import ClaimError


@transaction.atomic
def milestone_set(
    *,
    agency: Agency,
    milestone: SiteMilestone,
    done: bool,
    done_on: dt.date | None = None,
    note: str = "",
    by: User | None = None,
    verified_by: User | None = None,
) -> AgencyMilestone | None:
    """Tick (with a date and a note) or untick a milestone for an agency.

    A new tick, or a changed date or note, waits for a curator's verification again, and the
    curators are emailed; one recorded by a curator (``verified_by``, the admin) is verified."""
    if milestone.is_computed:
        raise ClaimError(
            _("“%(title)s” is computed from the portal’s records: it cannot be ticked by hand.")
            % {"title": milestone.title}
        )
    if not done:
        AgencyMilestone.objects.filter(agency=agency, milestone=milestone).delete()
        return None
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise ClaimError(_("The date cannot be in the future."), field="done_on")
    note = note.strip()
    _lock_agency(agency.pk)  # one tick of an agency at a time: no duplicate row
    item = (
        AgencyMilestone.objects.select_for_update()
        .filter(agency=agency, milestone=milestone)
        .first()
    )
    if item is not None and (item.done_on, item.note) == (done_on, note):
        if verified_by is None or item.verified_at is not None:
            return item
    if item is None:
        item = AgencyMilestone(agency=agency, milestone=milestone)
    item.done_on, item.note, item.updated_by = done_on, note, by
    item.verified_by = verified_by
    item.verified_at = timezone.now() if verified_by else None
    item.save()
    if verified_by is not None:
        return item
    link = settings.SITE_URL + reverse("admin:members_agencymilestone_change", args=[item.pk])
    for language, curators in notifications.by_language(selectors.curator_recipients()):
        notifications.queue(
            emails.milestone_reported(item=item, curators=curators, link=link, language=language)
        )
    return item
