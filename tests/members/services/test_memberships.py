"""members.services.memberships: join requests and decisions, roles and removal (an agency
keeps a coordinator)."""

import threading

import pytest
from django.core import mail
from django.db import connection

from members import services
from members.models import (
    Membership,
    MembershipState,
    Role,
)
from members.services import MembershipError
from tests.factories import (
    AgencyFactory,
    InvitationFactory,
    MembershipFactory,
    PersonFactory,
    UserFactory,
)
from tests.members.services.support import coordinator, coordinator_count

pytestmark = pytest.mark.django_db


# --- membership_request -----------------------------------------------------------------------


def test_membership_request_creates_a_request_and_emails_the_coordinators_after_commit(
    django_capture_on_commit_callbacks,
):
    agency = AgencyFactory(name="Bayview CBO")
    coordinator(agency, "coord1@example.org")
    coordinator(agency, "coord2@example.org")
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
    coordinator(agency)
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
    coordinator(agency)
    staff = MembershipFactory(agency=agency)
    services.membership_set_role(membership=staff, role=Role.COORDINATOR)
    staff.refresh_from_db()
    assert staff.role == Role.COORDINATOR
    services.membership_set_role(membership=staff, role=Role.STAFF)
    staff.refresh_from_db()
    assert staff.role == Role.STAFF


def test_membership_set_role_refuses_to_demote_the_last_coordinator():
    agency = AgencyFactory()
    only = coordinator(agency)
    with pytest.raises(MembershipError, match="at least one coordinator"):
        services.membership_set_role(membership=only, role=Role.STAFF)
    only.refresh_from_db()
    assert only.role == Role.COORDINATOR


def test_membership_set_role_refuses_an_unknown_role_and_an_inactive_member():
    agency = AgencyFactory()
    coordinator(agency)
    staff = MembershipFactory(agency=agency)
    requested = MembershipFactory(agency=agency, state=MembershipState.REQUESTED)
    with pytest.raises(MembershipError):
        services.membership_set_role(membership=staff, role="owner")
    with pytest.raises(MembershipError):
        services.membership_set_role(membership=requested, role=Role.COORDINATOR)
    assert coordinator_count(agency) == 1


def test_membership_remove_removes_staff_and_a_coordinator_who_is_not_the_last():
    agency = AgencyFactory()
    first = coordinator(agency)
    second = coordinator(agency)
    staff = MembershipFactory(agency=agency)
    services.membership_remove(membership=staff)
    services.membership_remove(membership=second)
    assert list(Membership.objects.filter(agency=agency)) == [first]


def test_membership_remove_refuses_to_remove_the_last_coordinator():
    agency = AgencyFactory()
    only = coordinator(agency)
    MembershipFactory(agency=agency)
    with pytest.raises(MembershipError, match="at least one coordinator"):
        services.membership_remove(membership=only)
    assert Membership.objects.filter(pk=only.pk).exists()


def _demote(membership):
    services.membership_set_role(membership=membership, role=Role.STAFF)


def _remove(membership):
    services.membership_remove(membership=membership)


@pytest.mark.concurrency
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
    one = coordinator(agency)
    two = coordinator(agency)

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
    assert coordinator_count(agency) == 1
