"""Claims an agency makes in public, which curators verify before they show.

The verified part of an agency's profile (``CLAIM_FIELDS``: NMT status, practising since,
sensory-sensitive spaces) changes only when a curator approves a coordinator's request
(``AgencyStatusRequest``). A site-certification milestone a coordinator ticks shows publicly
once a curator verifies the tick (``milestone_verify``); milestones the portal computes are not
ticked at all (``members.selectors.milestone_progress``).
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import notifications

from .. import emails, selectors
from ..models import (
    CLAIM_FIELDS,
    Agency,
    AgencyMilestone,
    AgencyStatusRequest,
    RequestState,
    User,
)
from .agencies import _lock_agency, _manage_link
from .errors import ClaimError


def _claim_changes(agency: Agency, values: dict) -> dict:
    """The claim fields whose value differs from the agency's public one, each value checked
    by the Agency field's own rules (choices, bounds, this year)."""
    changes = {}
    for name in CLAIM_FIELDS:
        field = Agency._meta.get_field(name)
        try:
            value = field.clean(values[name], agency)
        except ValidationError as error:
            raise ClaimError(" ".join(error.messages), field=name) from error
        if value != getattr(agency, name):
            changes[name] = value
    return changes


def _admin_link(request: AgencyStatusRequest) -> str:
    return settings.SITE_URL + reverse(
        "admin:members_agencystatusrequest_change", args=[request.pk]
    )


def _notify_curators(request: AgencyStatusRequest, *, updated: bool) -> None:
    for language, curators in notifications.by_language(selectors.curator_recipients()):
        notifications.queue(
            emails.agency_status_requested(
                request=request,
                curators=curators,
                link=_admin_link(request),
                updated=updated,
                language=language,
            )
        )


@transaction.atomic
def agency_status_request_submit(
    *,
    agency: Agency,
    requested_by: User,
    nmt_status: str,
    practising_since: int | None,
    sensory_spaces: int,
    note: str,
) -> AgencyStatusRequest:
    """A coordinator asks curators to show these values on the agency's public profile.

    The values are the whole of what the coordinator wants public; the request records those
    that differ from the public ones. A request already pending is updated (its note and
    changes replaced), and asking for the public values again withdraws it. Curators are
    emailed; nothing public changes here.
    """
    agency = _lock_agency(agency.pk)
    pending = (
        AgencyStatusRequest.objects.select_for_update()
        .filter(agency=agency, state=RequestState.PENDING)
        .first()
    )
    changes = _claim_changes(
        agency,
        {
            "nmt_status": nmt_status,
            "practising_since": practising_since,
            "sensory_spaces": sensory_spaces,
        },
    )
    if not changes:
        if pending is None:
            raise ClaimError(
                _("Nothing to ask for: these are the values your public profile shows already.")
            )
        return _close(pending, state=RequestState.WITHDRAWN, by=requested_by)
    note = note.strip()
    if not note:
        raise ClaimError(
            _("Tell the curators how they can confirm the change (a certificate, a contact)."),
            field="note",
        )
    previous = {name: getattr(agency, name) for name in changes}
    if pending is None:
        request = AgencyStatusRequest(agency=agency)
    else:
        request = pending
    request.changes = changes
    request.previous = previous
    request.note = note
    request.requested_by = requested_by
    request.full_clean(exclude=["agency", "requested_by", "decided_by"])
    request.save()
    _notify_curators(request, updated=pending is not None)
    return request


@transaction.atomic
def agency_status_request_withdraw(*, agency: Agency, by: User) -> AgencyStatusRequest:
    """The coordinator takes back the agency's pending request."""
    _lock_agency(agency.pk)
    pending = (
        AgencyStatusRequest.objects.select_for_update()
        .filter(agency=agency, state=RequestState.PENDING)
        .first()
    )
    if pending is None:
        raise ClaimError(_("There is no request waiting for the curators."))
    return _close(pending, state=RequestState.WITHDRAWN, by=by)


def _close(request: AgencyStatusRequest, *, state: str, by: User | None, reply: str = ""):
    request.state = state
    request.decided_by = by
    request.decided_at = timezone.now()
    request.reply = reply
    request.save(update_fields=["state", "decided_by", "decided_at", "reply", "updated_at"])
    return request


def _pending_for_decision(
    request: AgencyStatusRequest, seen_at: dt.datetime | None
) -> tuple[Agency, AgencyStatusRequest]:
    """Lock the agency, then the request (the order ``agency_status_request_submit`` takes),
    and check that it still waits for a decision, unchanged since the curator read it."""
    agency = _lock_agency(request.agency_id)
    request = AgencyStatusRequest.objects.select_for_update().get(pk=request.pk)
    if not request.is_pending:
        raise ClaimError(
            _("This request was already %(state)s.") % {"state": request.get_state_display()}
        )
    if seen_at is not None and request.updated_at != seen_at:
        raise ClaimError(
            _("The agency changed this request while you were reading it: read it again.")
        )
    request.agency = agency
    return agency, request


def _notify_coordinators(request: AgencyStatusRequest) -> None:
    recipients = selectors.coordinator_recipients(agency_id=request.agency_id)
    for language, coordinators in notifications.by_language(recipients):
        notifications.queue(
            emails.agency_status_decided(
                request=request,
                coordinator_emails=coordinators,
                link=_manage_link(request.agency, "members:manage_profile"),
                language=language,
            )
        )


@transaction.atomic
def agency_status_request_approve(
    *,
    request: AgencyStatusRequest,
    decided_by: User,
    reply: str = "",
    seen_at: dt.datetime | None = None,
) -> AgencyStatusRequest:
    """A curator approves: the requested values become public, and the coordinators are
    emailed."""
    agency, request = _pending_for_decision(request, seen_at)
    for name, value in request.changes.items():
        setattr(agency, name, value)
    others = [f.name for f in Agency._meta.concrete_fields if f.name not in request.changes]
    try:
        # Only the requested fields: an old, overlong description must not block the status.
        agency.full_clean(exclude=others, validate_unique=False)
    except ValidationError as error:
        raise ClaimError(" ".join(error.messages)) from error
    agency.save(update_fields=[*request.changes, "updated_at"])
    _close(request, state=RequestState.APPROVED, by=decided_by, reply=reply.strip())
    _notify_coordinators(request)
    return request


@transaction.atomic
def agency_status_request_decline(
    *,
    request: AgencyStatusRequest,
    decided_by: User,
    reply: str,
    seen_at: dt.datetime | None = None,
) -> AgencyStatusRequest:
    """A curator declines, saying why; the public profile stays as it is, and the coordinators
    are emailed the reply."""
    if not reply.strip():
        raise ClaimError(_("Tell the agency why (they get your reply by email)."), field="reply")
    _agency, request = _pending_for_decision(request, seen_at)
    _close(request, state=RequestState.DECLINED, by=decided_by, reply=reply.strip())
    _notify_coordinators(request)
    return request


# --- Milestones ---------------------------------------------------------------------------------


@transaction.atomic
def milestone_verify(*, item: AgencyMilestone, verified_by: User) -> AgencyMilestone:
    """A curator confirms an agency's tick: from now on it shows on the public profile."""
    item = AgencyMilestone.objects.select_for_update().select_related("milestone").get(pk=item.pk)
    if item.milestone.is_computed:
        raise ClaimError(_("This milestone is computed by the portal: there is nothing to verify."))
    if item.verified_at is None:
        item.verified_at = timezone.now()
        item.verified_by = verified_by
        item.save(update_fields=["verified_at", "verified_by", "updated_at"])
    return item
