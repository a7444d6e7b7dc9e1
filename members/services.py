"""Every write about people, agencies, memberships and credentials goes through these services.

Changes to an agency's memberships lock the agency row first (``_lock_agency``), so two
coordinators acting at once can never leave an agency without a coordinator.
"""

import csv
import datetime as dt
import io

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import notifications
from portal.exceptions import ApplicationError

from . import emails
from .models import (
    Agency,
    AgencyMilestone,
    Credential,
    CredentialSource,
    Invitation,
    Membership,
    MembershipState,
    Person,
    Role,
    SiteMilestone,
    User,
)
from .roster_import import parse_roster

INVITATION_SALT = "members.invitation"


class MembershipError(ApplicationError):
    pass


class InvitationError(ApplicationError):
    pass


# --- People -----------------------------------------------------------------------------------


def person_for_user(*, user: User) -> Person:
    """The person of a user, created on first use with a name taken from the account."""
    person = Person.objects.filter(user=user).first()
    if person:
        return person
    name = user.get_full_name() or user.email.split("@", 1)[0]
    person, _created = Person.objects.get_or_create(user=user, defaults={"display_name": name})
    return person


def person_update(
    *, person: Person, display_name: str, job_title: str = "", discipline: str = ""
) -> Person:
    display_name = display_name.strip()
    if not display_name:
        raise ApplicationError(_("Enter the name others should see."))
    person.display_name = display_name
    person.job_title = job_title.strip()
    person.discipline = discipline.strip()
    person.save(update_fields=["display_name", "job_title", "discipline"])
    return person


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete a person's account and personal data.

    Refused while they are the last coordinator of an agency, so no agency is left unmanaged.
    Their seats at trainings that have not started are cancelled (so the waitlist gets them);
    their past registrations stay, anonymised (no person), so agencies' figures stay true.
    """
    # Imported here: the registration services build on this module.
    from trainings.models import Registration
    from trainings.services import registration_cancel

    person = Person.objects.filter(user=user).first()
    if person:
        for membership in person.memberships.coordinators().select_related("agency"):
            agency = _lock_agency(membership.agency_id)
            if _coordinator_count(agency) <= 1:
                raise MembershipError(
                    _(
                        "You are the only coordinator of %(agency)s. Make someone else "
                        "coordinator before deleting your account."
                    )
                    % {"agency": agency.name}
                )
        upcoming = Registration.objects.active().filter(
            person=person, training__starts_at__gt=timezone.now()
        )
        for registration in upcoming.select_related("training"):
            registration_cancel(registration=registration, cancelled_by=user)
    Invitation.objects.filter(email__iexact=user.email, accepted_at__isnull=True).delete()
    user.delete()


# --- Agencies ---------------------------------------------------------------------------------


def agency_save(*, agency: Agency) -> Agency:
    """Validate and save an agency edited as a whole (admin form, admin import)."""
    agency.full_clean()
    agency.save()
    return agency


def agency_update(*, agency: Agency, fields: dict) -> Agency:
    """Save the coordinator-editable profile fields (already validated by a form)."""
    for name, value in fields.items():
        setattr(agency, name, value)
    agency.full_clean(exclude=["slug"])
    agency.save()
    return agency


def _lock_agency(agency_id: int) -> Agency:
    """Lock the agency's row (with a short lock timeout, like the seat lock): membership changes
    of one agency happen one at a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '5s'")
    return Agency.objects.select_for_update().get(pk=agency_id)


def _coordinator_count(agency: Agency) -> int:
    return Membership.objects.filter(agency=agency).coordinators().count()


def _manage_link(agency: Agency, name: str) -> str:
    return settings.SITE_URL + reverse(name, kwargs={"slug": agency.slug})


# --- Memberships ------------------------------------------------------------------------------


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
    coordinator_emails = list(
        Membership.objects.filter(agency=agency)
        .coordinators()
        .values_list("person__user__email", flat=True)
    )
    if coordinator_emails:
        notifications.queue(
            emails.join_request(
                membership=membership,
                coordinator_emails=coordinator_emails,
                link=_manage_link(agency, "members:manage_requests"),
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


# --- Invitations ------------------------------------------------------------------------------


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
    if user:
        person = person_for_user(user=user)
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
    notifications.queue(emails.invitation(invitation=invitation, link=invitation_link(invitation)))
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
) -> User:
    """Accept an invitation: link it to the signed-in account, or create the account.

    A new account's email address counts as verified: the person followed a link sent to it.
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


# --- Credentials ------------------------------------------------------------------------------


def credential_record(
    *,
    person: Person,
    level: str,
    model: str,
    earned_on: dt.date,
    source: str,
    recorded_by: User | None = None,
) -> Credential:
    """Record (or update) a credential. Admin-sourced credentials are verified at once."""
    if earned_on > timezone.localdate():
        raise ApplicationError(_("The date earned cannot be in the future."))
    existing = Credential.objects.filter(person=person, level=level, model=model).first()
    # A coordinator recording a credential again never undoes an admin's verification of it.
    verified = source == CredentialSource.ADMIN or bool(
        existing and existing.verified and existing.earned_on == earned_on
    )
    credential, _created = Credential.objects.update_or_create(
        person=person,
        level=level,
        model=model,
        defaults={
            "earned_on": earned_on,
            "source": existing.source
            if verified and existing and source != CredentialSource.ADMIN
            else source,
            "recorded_by": recorded_by,
            "verified": verified,
        },
    )
    return credential


def credential_verify(*, credential: Credential, verified_by: User) -> Credential:
    credential.verified = True
    credential.recorded_by = credential.recorded_by or verified_by
    credential.save(update_fields=["verified", "recorded_by"])
    return credential


# --- Roster import ----------------------------------------------------------------------------


@transaction.atomic
def roster_import(*, agency: Agency, rows: list[dict], invited_by: User) -> list[Invitation]:
    """Invite every row of a checked roster file, all or nothing.

    The rows are checked again here (the roster may have changed since the preview); one bad
    row rolls the whole import back.
    """
    content = _rows_as_csv(rows)
    preview = parse_roster(agency=agency, content=content)
    if not preview.is_valid:
        raise ApplicationError(
            _("The file no longer passes the checks; upload it again to see why.")
        )
    invitations = [
        staff_invite(
            agency=agency,
            email=row.email,
            invited_by=invited_by,
            first_name=row.first_name,
            last_name=row.last_name,
            job_title=row.job_title,
        )
        for row in preview.rows
    ]
    return [invitation for invitation in invitations if invitation is not None]


def _rows_as_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["email", "first_name", "last_name", "job_title"])
    writer.writeheader()
    for row in rows:
        writer.writerow({key: row.get(key, "") for key in writer.fieldnames})
    return buffer.getvalue().encode()


# --- Site-certification milestones ------------------------------------------------------------


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
