"""Site-certification milestones an agency records."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.exceptions import ApplicationError

from ..models import (
    Agency,
    AgencyMilestone,
    SiteMilestone,
    User,
)


def milestone_set(
    *,
    agency: Agency,
    milestone: SiteMilestone,
    done: bool,
    done_on: dt.date | None = None,
    note: str = "",
    by: User | None = None,
) -> AgencyMilestone | None:
    """Tick (with a date and a note) or untick a milestone for an agency."""
    if not done:
        AgencyMilestone.objects.filter(agency=agency, milestone=milestone).delete()
        return None
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise ApplicationError(_("The date cannot be in the future."))
    item, _created = AgencyMilestone.objects.update_or_create(
        agency=agency,
        milestone=milestone,
        defaults={"done_on": done_on, "note": note.strip(), "updated_by": by},
    )
    return item
