"""Invitations: a coordinator invites staff by email; the link signs them in to the agency."""

import datetime as dt

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import languages, notifications

from .. import emails
from ..models import (
    Agency,
    Invitation,
    Membership,
    MembershipState,
    Role,
    User,
)
from .agencies import _lock_agency
from .errors import InvitationError
from .memberships import _activate, _close_invitations
from .people import person_for_user

INVITATION_SALT = "members.invitation"


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "e": invitation.email.lower()}, salt=INVITATION_SALT)


def invitation_link(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse(
        "members:invitation", kwargs={"token": invitation_token(invitation)}
    )


@transaction.atomic
def staff_invite(
    *,
    agency: Agency,
    email: str,
    invited_by: User,
    role: str = Role.STAFF,
    first_name: str = "",
    last_name: str = "",
    job_title: str = "",
    now: dt.datetime | None = None,
) -> Invitation | None:
    """Invite someone by email. Inviting the same address again refreshes and resends the
    open invitation; it never creates a second one or touches an active membership.

    Someone who had asked to join is simply approved (returns None: nothing to accept).
    """
    email = User.objects.normalize_email(email.strip()).lower()
    agency = _lock_agency(agency.pk)
    user = User.objects.filter(email__iexact=email).first()
    # The invitee's saved language when they have an account, else the coordinator's.
    language = languages.current()
    if user:
        person = person_for_user(user=user)
        language = languages.for_person(person.language)
        membership = Membership.objects.filter(person=person, agency=agency).first()
        if membership and membership.state == MembershipState.ACTIVE:
            raise InvitationError(
                _("%(email)s is already a member of %(agency)s.")
                % {"email": email, "agency": agency.name}
            )
        if membership and membership.state == MembershipState.REQUESTED:
            # They asked already: the coordinator's invitation answers yes, and no invitation
            # is needed.
            membership.role = role
            membership.save(update_fields=["role", "updated_at"])
            _activate(membership)
            _close_invitations(agency_id=agency.pk, email=email)
            notifications.queue(
                emails.join_decided(
                    membership=membership,
                    approved=True,
                    link=settings.SITE_URL + reverse("members:me"),
                )
            )
            return None
        if membership is None:
            Membership.objects.create(
                person=person, agency=agency, role=role, state=MembershipState.INVITED
            )
    invitation, created = Invitation.objects.get_or_create(
        agency=agency,
        email=email,
        accepted_at=None,
        defaults={
            "role": role,
            "first_name": first_name.strip(),
            "last_name": last_name.strip(),
            "job_title": job_title.strip(),
            "invited_by": invited_by,
            "sent_at": now or timezone.now(),
        },
    )
    if not created:
        invitation.sent_at = now or timezone.now()
        invitation.invited_by = invited_by
        invitation.role = role
        invitation.save(update_fields=["sent_at", "invited_by", "role"])
    notifications.queue(
        emails.invitation(
            invitation=invitation, link=invitation_link(invitation), language=language
        )
    )
    return invitation


def invitation_from_token(*, token: str) -> Invitation:
    """The open invitation a link names, or a clear error: bad, expired or already used."""
    try:
        data = signing.loads(
            token, salt=INVITATION_SALT, max_age=dt.timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
        )
    except signing.SignatureExpired as exc:
        raise InvitationError(
            _("This invitation has expired. Ask the agency's coordinator to send a new one.")
        ) from exc
    except signing.BadSignature as exc:
        raise InvitationError(_("This invitation link is not valid.")) from exc
    invitation = (
        Invitation.objects.select_related("agency").filter(pk=data.get("i")).first()
        if isinstance(data, dict)
        else None
    )
    if invitation is None or invitation.email.lower() != data.get("e"):
        raise InvitationError(_("This invitation is no longer valid."))
    if invitation.accepted_at:
        raise InvitationError(_("This invitation has already been used."))
    return invitation


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    user: User | None = None,
    password: str = "",
    display_name: str = "",
    language: str = "",
) -> User:
    """Accept an invitation: link it to the signed-in account, or create the account.

    A new account's email address counts as verified: the person followed a link sent to it.
    ``language`` (the page's) becomes the saved language of a person who has none yet.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise InvitationError(_("This invitation has already been used."))
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise InvitationError(_("An account with this email exists: sign in to accept."))
        user = User.objects.create_user(
            email=invitation.email,
            password=password,
            first_name=invitation.first_name,
            last_name=invitation.last_name,
        )
        EmailAddress.objects.create(user=user, email=invitation.email, verified=True, primary=True)
    elif user.email.lower() != invitation.email.lower():
        raise InvitationError(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email}
        )
    person = person_for_user(user=user)
    if display_name.strip():
        person.display_name = display_name.strip()
    if invitation.job_title and not person.job_title:
        person.job_title = invitation.job_title
    if not person.language:
        person.language = languages.supported(language) or ""
    person.save()
    _lock_agency(invitation.agency_id)
    membership, created = Membership.objects.get_or_create(
        person=person,
        agency_id=invitation.agency_id,
        defaults={"role": invitation.role, "state": MembershipState.ACTIVE},
    )
    if not created and membership.state != MembershipState.ACTIVE:
        membership.role = invitation.role
        membership.save(update_fields=["role", "updated_at"])
        _activate(membership)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    Membership.objects.filter(
        agency_id=invitation.agency_id,
        person__user__email__iexact=invitation.email,
        state=MembershipState.INVITED,
    ).delete()
    invitation.delete()
