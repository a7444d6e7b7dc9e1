"""Memberships: join requests, roles, removal, answers to invitations."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import notifications

from .. import emails, selectors
from ..models import (
    Agency,
    Invitation,
    Membership,
    MembershipState,
    Role,
    User,
)
from .agencies import _coordinator_count, _lock_agency, _manage_link
from .errors import MembershipError
from .people import person_for_user


@transaction.atomic
def membership_request(*, user: User, agency: Agency) -> Membership:
    """A signed-in person asks to join; the agency's coordinators are emailed."""
    person = person_for_user(user=user)
    agency = _lock_agency(agency.pk)
    membership = Membership.objects.filter(person=person, agency=agency).first()
    if membership:
        if membership.state == MembershipState.ACTIVE:
            raise MembershipError(_("You are already a member of %(a)s.") % {"a": agency.name})
        if membership.state == MembershipState.REQUESTED:
            raise MembershipError(_("Your request to join is already waiting for a coordinator."))
        # Invited already: asking to join accepts the invitation (which is then closed).
        Invitation.objects.filter(
            agency=agency, email__iexact=user.email, accepted_at__isnull=True
        ).update(accepted_at=timezone.now())
        return _activate(membership)
    membership = Membership.objects.create(
        person=person, agency=agency, role=Role.STAFF, state=MembershipState.REQUESTED
    )
    recipients = selectors.coordinator_recipients(agency_id=agency.pk)
    for language, coordinator_emails in notifications.by_language(recipients):
        notifications.queue(
            emails.join_request(
                membership=membership,
                coordinator_emails=coordinator_emails,
                link=_manage_link(agency, "members:manage_requests"),
                language=language,
            )
        )
    return membership


@transaction.atomic
def membership_decide(*, membership: Membership, approve: bool) -> Membership | None:
    """A coordinator approves or declines a join request; the person is emailed either way."""
    _lock_agency(membership.agency_id)
    membership = Membership.objects.select_related("person__user", "agency").get(pk=membership.pk)
    if membership.state != MembershipState.REQUESTED:
        raise MembershipError(_("This request has already been handled."))
    link = settings.SITE_URL + reverse("members:me")
    if approve:
        _activate(membership)
        _close_invitations(agency_id=membership.agency_id, email=membership.person.user.email)
        notifications.queue(emails.join_decided(membership=membership, approved=True, link=link))
        return membership
    notifications.queue(emails.join_decided(membership=membership, approved=False, link=link))
    membership.delete()
    return None


def _close_invitations(*, agency_id: int, email: str) -> None:
    """An open invitation is answered once the person is a member, however they got there."""
    Invitation.objects.filter(
        agency_id=agency_id, email__iexact=email, accepted_at__isnull=True
    ).update(accepted_at=timezone.now())


def _activate(membership: Membership) -> Membership:
    membership.state = MembershipState.ACTIVE
    membership.save(update_fields=["state", "updated_at"])
    return membership


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise MembershipError(_("Unknown role."))
    agency = _lock_agency(membership.agency_id)
    membership = Membership.objects.get(pk=membership.pk)
    if membership.state != MembershipState.ACTIVE:
        raise MembershipError(_("Only active members can be coordinators."))
    if membership.role == role:
        return membership
    if membership.role == Role.COORDINATOR and _coordinator_count(agency) <= 1:
        raise MembershipError(_("An agency needs at least one coordinator."))
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    agency = _lock_agency(membership.agency_id)
    membership = Membership.objects.get(pk=membership.pk)
    if membership.is_coordinator and _coordinator_count(agency) <= 1:
        raise MembershipError(
            _("An agency needs at least one coordinator. Make someone else coordinator first.")
        )
    membership.delete()


@transaction.atomic
def membership_respond_to_invitation(*, membership: Membership, accept: bool) -> None:
    """A signed-in person accepts or declines an invitation shown on their page."""
    _lock_agency(membership.agency_id)
    membership = Membership.objects.select_related("person__user").get(pk=membership.pk)
    if membership.state != MembershipState.INVITED:
        raise MembershipError(_("This invitation has already been answered."))
    open_invitations = Invitation.objects.filter(
        agency_id=membership.agency_id,
        email__iexact=membership.person.user.email,
        accepted_at__isnull=True,
    )
    if accept:
        open_invitations.update(accepted_at=timezone.now())
        _activate(membership)
    else:
        open_invitations.delete()
        membership.delete()
