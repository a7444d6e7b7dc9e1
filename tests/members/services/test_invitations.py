"""members.services.invitations: inviting staff, the signed link, accepting it."""

import datetime as dt
import re
import time
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.core import mail, signing
from django.utils import timezone

from members import services
from members.models import (
    Invitation,
    Membership,
    MembershipState,
    Role,
    User,
)
from members.services import InvitationError
from tests.factories import (
    AgencyFactory,
    InvitationFactory,
    MembershipFactory,
    PersonFactory,
    UserFactory,
)
from tests.members.services.support import coordinator, link_path, token

pytestmark = pytest.mark.django_db


# --- staff_invite -----------------------------------------------------------------------------


def test_staff_invite_a_new_address_opens_an_invitation_and_emails_a_working_link(
    client, django_capture_on_commit_callbacks
):
    agency = AgencyFactory(name="Harbor Youth Services")
    inviter = coordinator(agency).person.user
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.staff_invite(
            agency=agency,
            email="  New.Person@Example.org ",
            invited_by=inviter,
            first_name="Nia",
            last_name="Park",
            job_title="Clinician",
        )

    assert invitation.email == "new.person@example.org"
    assert invitation.accepted_at is None
    assert (invitation.first_name, invitation.last_name, invitation.job_title) == (
        "Nia",
        "Park",
        "Clinician",
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.org"]
    assert "Harbor Youth Services" in message.subject
    assert services.invitation_from_token(token=token(message)) == invitation
    page = client.get(link_path(message))
    assert page.status_code == 200
    assert "Join Harbor Youth Services" in page.content.decode()


def test_staff_invite_the_same_address_again_resends_the_one_open_invitation(
    django_capture_on_commit_callbacks,
):
    agency = AgencyFactory()
    inviter = coordinator(agency).person.user
    first_sent = timezone.now() - dt.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.staff_invite(
            agency=agency, email="pat@example.org", invited_by=inviter, now=first_sent
        )
        again = services.staff_invite(agency=agency, email="PAT@example.org", invited_by=inviter)

    assert again.pk == first.pk
    assert Invitation.objects.filter(agency=agency).count() == 1
    again.refresh_from_db()
    assert again.sent_at > first_sent
    assert len(mail.outbox) == 2
    assert [m.to for m in mail.outbox] == [["pat@example.org"], ["pat@example.org"]]
    # Both links name the same invitation, so either one works.
    assert {services.invitation_from_token(token=token(m)).pk for m in mail.outbox} == {first.pk}


def test_staff_invite_refuses_an_active_member_and_sends_nothing(
    django_capture_on_commit_callbacks,
):
    agency = AgencyFactory()
    inviter = coordinator(agency).person.user
    staff = MembershipFactory(agency=agency, person=PersonFactory(user=UserFactory()))
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(InvitationError, match="already a member"),
    ):
        services.staff_invite(agency=agency, email=staff.person.user.email, invited_by=inviter)
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_staff_invite_of_an_existing_account_adds_an_invited_membership():
    agency = AgencyFactory()
    inviter = coordinator(agency).person.user
    existing = UserFactory(email="has.account@example.org")
    services.staff_invite(
        agency=agency, email="has.account@example.org", invited_by=inviter, role=Role.COORDINATOR
    )
    membership = Membership.objects.get(person__user=existing, agency=agency)
    assert membership.state == MembershipState.INVITED
    assert membership.role == Role.COORDINATOR


def test_staff_invite_answers_a_pending_join_request_by_activating_it():
    agency = AgencyFactory()
    inviter = coordinator(agency).person.user
    request = MembershipFactory(agency=agency, state=MembershipState.REQUESTED)
    services.staff_invite(agency=agency, email=request.person.user.email, invited_by=inviter)
    request.refresh_from_db()
    assert request.state == MembershipState.ACTIVE


# --- invitation_from_token --------------------------------------------------------------------


def _token_signed_days_ago(invitation, days: float) -> str:
    signed_at = int(time.time() - days * 24 * 3600)
    with mock.patch.object(
        signing.TimestampSigner, "timestamp", return_value=signing.b62_encode(signed_at)
    ):
        return services.invitation_token(invitation)


def test_invitation_from_token_finds_the_open_invitation():
    invitation = InvitationFactory()
    assert services.invitation_from_token(token=services.invitation_token(invitation)) == (
        invitation
    )


def test_invitation_from_token_accepts_a_link_just_inside_its_lifetime(settings):
    invitation = InvitationFactory()
    token = _token_signed_days_ago(invitation, settings.INVITATION_MAX_AGE_DAYS - 0.5)
    assert services.invitation_from_token(token=token) == invitation


def test_invitation_from_token_refuses_an_expired_link(settings):
    invitation = InvitationFactory()
    token = _token_signed_days_ago(invitation, settings.INVITATION_MAX_AGE_DAYS + 0.5)
    with pytest.raises(InvitationError, match="expired"):
        services.invitation_from_token(token=token)


def test_invitation_from_token_refuses_a_tampered_link():
    invitation = InvitationFactory()
    token = services.invitation_token(invitation)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    with pytest.raises(InvitationError, match="not valid"):
        services.invitation_from_token(token=tampered)
    with pytest.raises(InvitationError, match="not valid"):
        services.invitation_from_token(token="not-a-token")


def test_invitation_from_token_refuses_a_link_signed_for_another_address():
    invitation = InvitationFactory(email="right@example.org")
    token = signing.dumps(
        {"i": invitation.pk, "e": "wrong@example.org"}, salt=services.INVITATION_SALT
    )
    with pytest.raises(InvitationError, match="no longer valid"):
        services.invitation_from_token(token=token)


def test_invitation_from_token_refuses_a_withdrawn_or_used_invitation():
    withdrawn = InvitationFactory()
    withdrawn_token = services.invitation_token(withdrawn)
    services.invitation_revoke(invitation=withdrawn)
    used = InvitationFactory(accepted_at=timezone.now())
    with pytest.raises(InvitationError, match="no longer valid"):
        services.invitation_from_token(token=withdrawn_token)
    with pytest.raises(InvitationError, match="already been used"):
        services.invitation_from_token(token=services.invitation_token(used))


# --- invitation_accept ------------------------------------------------------------------------


def test_invitation_accept_creates_a_verified_account_and_an_active_membership():
    invitation = InvitationFactory(
        email="nia@example.org",
        role=Role.COORDINATOR,
        first_name="Nia",
        last_name="Park",
        job_title="Clinician",
    )
    user = services.invitation_accept(
        invitation=invitation, password="a-long-pass-2026", display_name="Nia P."
    )

    assert user.email == "nia@example.org"
    assert user.check_password("a-long-pass-2026")
    assert (user.first_name, user.last_name) == ("Nia", "Park")
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == ("nia@example.org", True, True)
    assert user.person.display_name == "Nia P."
    assert user.person.job_title == "Clinician"
    membership = Membership.objects.get(person__user=user, agency=invitation.agency)
    assert (membership.state, membership.role) == (MembershipState.ACTIVE, Role.COORDINATOR)
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_invitation_accept_links_the_signed_in_account_with_the_invited_address():
    agency = AgencyFactory()
    user = UserFactory(email="Kim@Example.org")
    invited = MembershipFactory(
        agency=agency, person=PersonFactory(user=user), state=MembershipState.INVITED
    )
    invitation = InvitationFactory(agency=agency, email="kim@example.org")

    assert services.invitation_accept(invitation=invitation, user=user) == user

    invited.refresh_from_db()
    assert invited.state == MembershipState.ACTIVE
    assert User.objects.filter(email__iexact="kim@example.org").count() == 1


def test_invitation_accept_refuses_another_signed_in_account():
    invitation = InvitationFactory(email="invited@example.org")
    other = PersonFactory(user=UserFactory(email="someone.else@example.org")).user
    with pytest.raises(InvitationError, match=re.escape("invited@example.org")):
        services.invitation_accept(invitation=invitation, user=other)
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not Membership.objects.filter(agency=invitation.agency).exists()


def test_invitation_accept_refuses_a_new_account_for_an_address_that_has_one():
    UserFactory(email="taken@example.org")
    invitation = InvitationFactory(email="taken@example.org")
    with pytest.raises(InvitationError, match="sign in"):
        services.invitation_accept(invitation=invitation, password="a-long-pass-2026")
    assert User.objects.filter(email="taken@example.org").count() == 1


def test_invitation_accept_refuses_a_reused_invitation():
    invitation = InvitationFactory(email="once@example.org")
    token = services.invitation_token(invitation)
    user = services.invitation_accept(invitation=invitation, password="a-long-pass-2026")
    with pytest.raises(InvitationError, match="already been used"):
        services.invitation_accept(invitation=invitation, user=user)
    with pytest.raises(InvitationError, match="already been used"):
        services.invitation_from_token(token=token)
    assert Membership.objects.filter(person__user=user).count() == 1


def test_membership_respond_to_invitation_accepts_or_declines():
    agency = AgencyFactory()
    accepting = MembershipFactory(agency=agency, state=MembershipState.INVITED)
    declining = MembershipFactory(agency=agency, state=MembershipState.INVITED)
    accepted_invitation = InvitationFactory(agency=agency, email=accepting.person.user.email)
    declined_invitation = InvitationFactory(agency=agency, email=declining.person.user.email)

    services.membership_respond_to_invitation(membership=accepting, accept=True)
    services.membership_respond_to_invitation(membership=declining, accept=False)

    accepting.refresh_from_db()
    accepted_invitation.refresh_from_db()
    assert accepting.state == MembershipState.ACTIVE
    assert accepted_invitation.accepted_at is not None
    assert not Membership.objects.filter(pk=declining.pk).exists()
    assert not Invitation.objects.filter(pk=declined_invitation.pk).exists()


def test_invitation_revoke_keeps_an_active_membership():
    agency = AgencyFactory()
    active = MembershipFactory(agency=agency)
    invited = MembershipFactory(agency=agency, state=MembershipState.INVITED)
    services.invitation_revoke(
        invitation=InvitationFactory(agency=agency, email=active.person.user.email)
    )
    services.invitation_revoke(
        invitation=InvitationFactory(agency=agency, email=invited.person.user.email)
    )
    assert list(Membership.objects.filter(agency=agency)) == [active]
    assert not Invitation.objects.exists()
