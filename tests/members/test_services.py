import datetime as dt
import re
import threading
import time
from unittest import mock
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail, signing
from django.db import connection
from django.utils import timezone

from community import services as community_services
from members import services
from members.models import (
    Credential,
    CredentialLevel,
    CredentialSource,
    Invitation,
    Membership,
    MembershipState,
    Person,
    PracticeModel,
    Role,
    User,
)
from members.services import InvitationError, MembershipError
from portal.exceptions import ApplicationError
from tests.factories import (
    AgencyFactory,
    CredentialFactory,
    InvitationFactory,
    MembershipFactory,
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

INVITATION_LINK = re.compile(r"https?://\S+/invitations/[^/\s]+/")


def _coordinator(agency, email=None):
    user = UserFactory(**({"email": email} if email else {}))
    return MembershipFactory(agency=agency, person=PersonFactory(user=user), role=Role.COORDINATOR)


def _coordinator_count(agency) -> int:
    return Membership.objects.filter(agency=agency).coordinators().count()


def _link_path(message) -> str:
    match = INVITATION_LINK.search(message.body)
    assert match, message.body
    return urlsplit(match.group(0)).path


def _token(message) -> str:
    return _link_path(message).rstrip("/").rsplit("/", 1)[1]


# --- People -----------------------------------------------------------------------------------


def test_person_for_user_is_created_once_with_a_name_from_the_account():
    user = UserFactory(email="ana.ruiz@example.org", first_name="Ana", last_name="Ruiz")
    person = services.person_for_user(user=user)
    assert person.display_name == "Ana Ruiz"
    assert services.person_for_user(user=user) == person
    assert Person.objects.filter(user=user).count() == 1


def test_person_for_user_falls_back_to_the_local_part_of_the_email():
    person = services.person_for_user(user=UserFactory(email="jo@example.org"))
    assert person.display_name == "jo"


def test_person_update_refuses_an_empty_display_name():
    person = PersonFactory(display_name="Kept")
    with pytest.raises(ApplicationError):
        services.person_update(person=person, display_name="   ")
    person.refresh_from_db()
    assert person.display_name == "Kept"


# --- membership_request -----------------------------------------------------------------------


def test_membership_request_creates_a_request_and_emails_the_coordinators_after_commit(
    django_capture_on_commit_callbacks,
):
    agency = AgencyFactory(name="Bayview CBO")
    _coordinator(agency, "coord1@example.org")
    _coordinator(agency, "coord2@example.org")
    MembershipFactory(agency=agency, role=Role.STAFF)  # staff are not emailed
    asker = PersonFactory(display_name="Lee Asker").user

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        membership = services.membership_request(user=asker, agency=agency)
        assert mail.outbox == []  # nothing leaves before the commit

    assert membership.state == MembershipState.REQUESTED
    assert membership.role == Role.STAFF
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["coord1@example.org", "coord2@example.org"]
    assert "Lee Asker" in message.body
    assert "Bayview CBO" in message.subject + message.body
    assert f"/agencies/{agency.slug}/manage/requests/" in message.body


def test_membership_request_refuses_a_second_request():
    agency = AgencyFactory()
    asker = UserFactory()
    services.membership_request(user=asker, agency=agency)
    with pytest.raises(MembershipError, match="already waiting"):
        services.membership_request(user=asker, agency=agency)
    assert Membership.objects.filter(agency=agency).count() == 1


def test_membership_request_refuses_an_active_member():
    membership = MembershipFactory()
    with pytest.raises(MembershipError, match="already a member"):
        services.membership_request(user=membership.person.user, agency=membership.agency)
    membership.refresh_from_db()
    assert membership.state == MembershipState.ACTIVE


def test_membership_request_from_an_invited_person_makes_them_a_member(
    django_capture_on_commit_callbacks,
):
    agency = AgencyFactory()
    _coordinator(agency)
    invited = MembershipFactory(agency=agency, state=MembershipState.INVITED)
    invitation = InvitationFactory(agency=agency, email=invited.person.user.email)

    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_request(user=invited.person.user, agency=agency)

    assert membership.pk == invited.pk
    invited.refresh_from_db()
    assert invited.state == MembershipState.ACTIVE
    # The invitation they answered this way is closed, not left "waiting for an answer".
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert mail.outbox == []  # no join request to approve


# --- membership_decide ------------------------------------------------------------------------


def test_membership_decide_approve_activates_and_emails_the_person(
    django_capture_on_commit_callbacks,
):
    agency = AgencyFactory(name="Eastside Schools")
    request = MembershipFactory(
        agency=agency,
        state=MembershipState.REQUESTED,
        person=PersonFactory(user=UserFactory(email="asker@example.org")),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_decide(membership=request, approve=True)

    request.refresh_from_db()
    assert request.state == MembershipState.ACTIVE
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["asker@example.org"]
    assert "has been approved" in mail.outbox[0].body


def test_membership_decide_decline_deletes_the_request_and_emails_the_person(
    django_capture_on_commit_callbacks,
):
    request = MembershipFactory(
        state=MembershipState.REQUESTED,
        person=PersonFactory(user=UserFactory(email="asker@example.org")),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.membership_decide(membership=request, approve=False) is None

    assert not Membership.objects.filter(pk=request.pk).exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["asker@example.org"]
    assert "was not approved" in mail.outbox[0].body


def test_membership_decide_refuses_a_request_already_handled(django_capture_on_commit_callbacks):
    active = MembershipFactory(state=MembershipState.ACTIVE)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(MembershipError):
        services.membership_decide(membership=active, approve=False)
    assert Membership.objects.filter(pk=active.pk).exists()
    assert mail.outbox == []


# --- Roles and removal: an agency keeps a coordinator ----------------------------------------


def test_membership_set_role_makes_staff_a_coordinator_and_back():
    agency = AgencyFactory()
    _coordinator(agency)
    staff = MembershipFactory(agency=agency)
    services.membership_set_role(membership=staff, role=Role.COORDINATOR)
    staff.refresh_from_db()
    assert staff.role == Role.COORDINATOR
    services.membership_set_role(membership=staff, role=Role.STAFF)
    staff.refresh_from_db()
    assert staff.role == Role.STAFF


def test_membership_set_role_refuses_to_demote_the_last_coordinator():
    agency = AgencyFactory()
    only = _coordinator(agency)
    with pytest.raises(MembershipError, match="at least one coordinator"):
        services.membership_set_role(membership=only, role=Role.STAFF)
    only.refresh_from_db()
    assert only.role == Role.COORDINATOR


def test_membership_set_role_refuses_an_unknown_role_and_an_inactive_member():
    agency = AgencyFactory()
    _coordinator(agency)
    staff = MembershipFactory(agency=agency)
    requested = MembershipFactory(agency=agency, state=MembershipState.REQUESTED)
    with pytest.raises(MembershipError):
        services.membership_set_role(membership=staff, role="owner")
    with pytest.raises(MembershipError):
        services.membership_set_role(membership=requested, role=Role.COORDINATOR)
    assert _coordinator_count(agency) == 1


def test_membership_remove_removes_staff_and_a_coordinator_who_is_not_the_last():
    agency = AgencyFactory()
    first = _coordinator(agency)
    second = _coordinator(agency)
    staff = MembershipFactory(agency=agency)
    services.membership_remove(membership=staff)
    services.membership_remove(membership=second)
    assert list(Membership.objects.filter(agency=agency)) == [first]


def test_membership_remove_refuses_to_remove_the_last_coordinator():
    agency = AgencyFactory()
    only = _coordinator(agency)
    MembershipFactory(agency=agency)
    with pytest.raises(MembershipError, match="at least one coordinator"):
        services.membership_remove(membership=only)
    assert Membership.objects.filter(pk=only.pk).exists()


def _demote(membership):
    services.membership_set_role(membership=membership, role=Role.STAFF)


def _remove(membership):
    services.membership_remove(membership=membership)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("first", "second"),
    [(_demote, _demote), (_remove, _remove), (_demote, _remove)],
    ids=["both-demote", "both-remove", "demote-and-remove"],
)
def test_two_coordinators_acting_on_each_other_at_once_leave_the_agency_a_coordinator(
    monkeypatch, first, second
):
    """Each coordinator, in their own request (thread and connection), demotes or removes the
    other. Both count two coordinators unless the agency row lock makes the second wait: the
    barrier holds each thread just after it counted, so without the lock both would go ahead."""
    agency = AgencyFactory()
    one = _coordinator(agency)
    two = _coordinator(agency)

    barrier = threading.Barrier(2, timeout=1.5)
    count = services.memberships._coordinator_count

    def count_then_wait_for_the_other(agency):
        result = count(agency)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass  # the other request is waiting for the lock: it can't reach the barrier
        return result

    monkeypatch.setattr(services.memberships, "_coordinator_count", count_then_wait_for_the_other)
    outcomes: list[str] = []

    def act(action, target):
        try:
            action(target)
            outcomes.append("done")
        except MembershipError:
            outcomes.append("refused")
        except Exception as exc:  # reported by the assertion below, not lost in the thread
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(first, two)),
        threading.Thread(target=act, args=(second, one)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["done", "refused"]
    assert _coordinator_count(agency) == 1


# --- staff_invite -----------------------------------------------------------------------------


def test_staff_invite_a_new_address_opens_an_invitation_and_emails_a_working_link(
    client, django_capture_on_commit_callbacks
):
    agency = AgencyFactory(name="Harbor Youth Services")
    inviter = _coordinator(agency).person.user
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
    assert services.invitation_from_token(token=_token(message)) == invitation
    page = client.get(_link_path(message))
    assert page.status_code == 200
    assert "Join Harbor Youth Services" in page.content.decode()


def test_staff_invite_the_same_address_again_resends_the_one_open_invitation(
    django_capture_on_commit_callbacks,
):
    agency = AgencyFactory()
    inviter = _coordinator(agency).person.user
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
    assert {services.invitation_from_token(token=_token(m)).pk for m in mail.outbox} == {first.pk}


def test_staff_invite_refuses_an_active_member_and_sends_nothing(
    django_capture_on_commit_callbacks,
):
    agency = AgencyFactory()
    inviter = _coordinator(agency).person.user
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
    inviter = _coordinator(agency).person.user
    existing = UserFactory(email="has.account@example.org")
    services.staff_invite(
        agency=agency, email="has.account@example.org", invited_by=inviter, role=Role.COORDINATOR
    )
    membership = Membership.objects.get(person__user=existing, agency=agency)
    assert membership.state == MembershipState.INVITED
    assert membership.role == Role.COORDINATOR


def test_staff_invite_answers_a_pending_join_request_by_activating_it():
    agency = AgencyFactory()
    inviter = _coordinator(agency).person.user
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


# --- Credentials ------------------------------------------------------------------------------


def test_credential_record_refuses_a_date_in_the_future():
    person = PersonFactory()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ApplicationError, match="future"):
        services.credential_record(
            person=person,
            level=CredentialLevel.PHASE_1,
            model=PracticeModel.NMT,
            earned_on=tomorrow,
            source=CredentialSource.COORDINATOR,
        )
    assert not Credential.objects.exists()


def test_credential_record_by_a_coordinator_is_unverified_and_by_an_admin_verified():
    person = PersonFactory()
    recorder = UserFactory()
    today = timezone.localdate()
    by_coordinator = services.credential_record(
        person=person,
        level=CredentialLevel.CONCEPTS,
        model=PracticeModel.NMT,
        earned_on=today,
        source=CredentialSource.COORDINATOR,
        recorded_by=recorder,
    )
    by_admin = services.credential_record(
        person=person,
        level=CredentialLevel.PHASE_1,
        model=PracticeModel.NMT,
        earned_on=today,
        source=CredentialSource.ADMIN,
    )
    assert by_coordinator.verified is False
    assert by_coordinator.recorded_by == recorder
    assert by_admin.verified is True


def test_credential_record_again_updates_the_one_credential_of_that_level_and_model():
    person = PersonFactory()
    for earned_on in (dt.date(2023, 5, 1), dt.date(2024, 6, 2)):
        services.credential_record(
            person=person,
            level=CredentialLevel.PHASE_1,
            model=PracticeModel.NME,
            earned_on=earned_on,
            source=CredentialSource.COORDINATOR,
        )
    assert list(Credential.objects.values_list("earned_on", flat=True)) == [dt.date(2024, 6, 2)]


def test_credential_verify_marks_it_verified():
    credential = CredentialFactory(verified=False)
    curator = UserFactory(is_staff=True)
    services.credential_verify(credential=credential, verified_by=curator)
    credential.refresh_from_db()
    assert credential.verified is True
    assert credential.recorded_by == curator


# --- account_delete ---------------------------------------------------------------------------


def test_account_delete_removes_the_account_and_personal_data():
    agency = AgencyFactory()
    _coordinator(agency)
    membership = MembershipFactory(agency=agency)
    user = membership.person.user
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    CredentialFactory(person=membership.person)
    InvitationFactory(agency=AgencyFactory(), email=user.email)

    community_services.account_delete(user=user)

    assert not User.objects.filter(pk=user.pk).exists()
    assert not Person.objects.filter(pk=membership.person.pk).exists()
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert not Credential.objects.exists()
    assert not EmailAddress.objects.filter(email=user.email).exists()
    assert not Invitation.objects.filter(email=user.email).exists()
    assert _coordinator_count(agency) == 1


def test_account_delete_is_refused_for_the_last_coordinator_of_an_agency():
    agency = AgencyFactory(name="Solo Agency")
    only = _coordinator(agency)
    with pytest.raises(MembershipError, match="Solo Agency"):
        community_services.account_delete(user=only.person.user)
    assert User.objects.filter(pk=only.person.user.pk).exists()
    assert Membership.objects.filter(pk=only.pk).exists()


def test_account_delete_of_a_coordinator_who_is_not_the_last_is_allowed():
    agency = AgencyFactory()
    leaving = _coordinator(agency)
    _coordinator(agency)
    community_services.account_delete(user=leaving.person.user)
    assert _coordinator_count(agency) == 1
