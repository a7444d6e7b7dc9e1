"""What an agency says about itself in public: the verified values (NMT status, practising since,
sensory spaces) change only when a curator approves a coordinator's request; the profile's
values must be plausible; the request form, the services and the admin path."""

import html
import re

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from members import services
from members.models import (
    Agency,
    AgencyStatusRequest,
    NmtStatus,
    RequestState,
)
from members.services import ClaimError
from tests.factories import AgencyFactory, pacific

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    page = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(page).split())


def _ask(agency, user, **values):
    """A request through the service, the public values for anything not given."""
    fields = {
        "nmt_status": agency.nmt_status,
        "practising_since": agency.practising_since,
        "sensory_spaces": agency.sensory_spaces,
        "note": "Our certificate is dated May 2026; call Dr. Lee.",
        **values,
    }
    return services.agency_status_request_submit(agency=agency, requested_by=user, **fields)


def _public(agency) -> tuple:
    agency = Agency.objects.get(pk=agency.pk)
    return (agency.nmt_status, agency.practising_since, agency.sensory_spaces)


def _directory_names(client, **params) -> list[str]:
    response = client.get(reverse("members:agency_list"), params)
    return [agency.name for agency in response.context["agencies"]]


def _community_certified(client) -> int:
    response = client.get(reverse("community"))
    return dict((value, n) for _label, n, value in response.context["figures"]["by_status"])[
        NmtStatus.CERTIFIED_SITE
    ]


# --- Services -----------------------------------------------------------------------------------


def test_a_request_changes_nothing_public_and_emails_the_curators(
    agency_a, coordinator_a, curator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = _ask(
            agency_a,
            coordinator_a,
            nmt_status=NmtStatus.CERTIFIED_SITE,
            practising_since=2016,
            sensory_spaces=4,
        )

    assert request.state == RequestState.PENDING
    assert request.changes == {
        "nmt_status": "certified_site",
        "practising_since": 2016,
        "sensory_spaces": 4,
    }
    assert request.previous == {
        "nmt_status": "interested",
        "practising_since": None,
        "sensory_spaces": 0,
    }
    assert _public(agency_a) == ("interested", None, 0)
    [message] = mail.outbox
    assert message.to == ["curator@example.org"]
    assert message.subject == "Agency A asks to update its public profile"
    assert "NMT status: Certified NMT site (now Interested)" in message.body
    assert "Practicing since: 2016 (now not stated)" in message.body
    assert "call Dr. Lee" in message.body
    assert f"/admin/members/agencystatusrequest/{request.pk}/change/" in message.body


def test_approving_makes_the_values_public_and_emails_the_coordinators(
    agency_a, coordinator_a, curator, django_capture_on_commit_callbacks
):
    request = _ask(agency_a, coordinator_a, nmt_status=NmtStatus.IMPLEMENTING, sensory_spaces=3)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.agency_status_request_approve(
            request=request, decided_by=curator, reply="Confirmed with your director."
        )

    assert _public(agency_a) == ("implementing", None, 3)
    request.refresh_from_db()
    assert (request.state, request.decided_by, request.reply) == (
        RequestState.APPROVED,
        curator,
        "Confirmed with your director.",
    )
    assert request.decided_at is not None
    [message] = mail.outbox
    assert message.to == ["coordinator-a@example.org"]
    assert "approved" in message.subject
    assert "NMT status: Implementing" in message.body
    assert "Confirmed with your director." in message.body
    assert "/agencies/agency-a/manage/profile/" in message.body


def test_declining_needs_a_reply_leaves_the_public_values_and_emails_the_coordinators(
    agency_a, coordinator_a, curator, django_capture_on_commit_callbacks
):
    request = _ask(agency_a, coordinator_a, nmt_status=NmtStatus.CERTIFIED_SITE)
    mail.outbox.clear()

    with pytest.raises(ClaimError) as error:
        services.agency_status_request_decline(request=request, decided_by=curator, reply=" ")
    assert error.value.field == "reply"

    with django_capture_on_commit_callbacks(execute=True):
        services.agency_status_request_decline(
            request=request,
            decided_by=curator,
            reply="The Neurosequential Network lists you as in training.",
        )

    assert _public(agency_a) == ("interested", None, 0)
    request.refresh_from_db()
    assert request.state == RequestState.DECLINED
    [message] = mail.outbox
    assert "declined" in message.subject
    assert "lists you as in training" in message.body


def test_a_decided_request_cannot_be_decided_again(agency_a, coordinator_a, curator):
    request = _ask(agency_a, coordinator_a, nmt_status=NmtStatus.IMPLEMENTING)
    services.agency_status_request_decline(request=request, decided_by=curator, reply="Not yet.")

    with pytest.raises(ClaimError, match="already Declined"):
        services.agency_status_request_approve(request=request, decided_by=curator)
    assert _public(agency_a)[0] == "interested"


def test_a_new_request_while_one_is_pending_updates_it(
    agency_a, coordinator_a, curator, django_capture_on_commit_callbacks
):
    first = _ask(agency_a, coordinator_a, nmt_status=NmtStatus.CERTIFIED_SITE)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        second = _ask(
            agency_a, coordinator_a, nmt_status=NmtStatus.IMPLEMENTING, note="We are not there yet."
        )

    assert second.pk == first.pk
    assert AgencyStatusRequest.objects.count() == 1
    assert (second.changes, second.note) == (
        {"nmt_status": "implementing"},
        "We are not there yet.",
    )
    [message] = mail.outbox
    assert message.subject == "Agency A changed its request to update its public profile"


def test_asking_for_the_public_values_again_withdraws_the_pending_request(agency_a, coordinator_a):
    request = _ask(agency_a, coordinator_a, sensory_spaces=2)

    again = _ask(agency_a, coordinator_a)

    assert again.pk == request.pk
    assert again.state == RequestState.WITHDRAWN
    with pytest.raises(ClaimError, match="Nothing to ask for"):
        _ask(agency_a, coordinator_a)


def test_a_request_needs_a_note(agency_a, coordinator_a):
    with pytest.raises(ClaimError) as error:
        _ask(agency_a, coordinator_a, nmt_status=NmtStatus.IMPLEMENTING, note="  ")
    assert error.value.field == "note"
    assert not AgencyStatusRequest.objects.exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"practising_since": 1989}, "practising_since"),
        ({"practising_since": 2999}, "practising_since"),
        ({"sensory_spaces": 501}, "sensory_spaces"),
        ({"nmt_status": "world_famous"}, "nmt_status"),
    ],
    ids=["before-1990", "future-year", "501-spaces", "unknown-status"],
)
def test_a_request_for_an_implausible_value_is_refused(agency_a, coordinator_a, values, field):
    with pytest.raises(ClaimError) as error:
        _ask(agency_a, coordinator_a, **values)
    assert error.value.field == field
    assert not AgencyStatusRequest.objects.exists()


def test_the_database_holds_one_pending_request_per_agency(agency_a, agency_b):
    pending = {"changes": {"sensory_spaces": 1}, "note": "n"}
    AgencyStatusRequest.objects.create(agency=agency_a, **pending)
    AgencyStatusRequest.objects.create(agency=agency_b, **pending)  # another agency: fine
    AgencyStatusRequest.objects.create(
        agency=agency_a, state=RequestState.DECLINED, decided_at=timezone.now(), **pending
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AgencyStatusRequest.objects.create(agency=agency_a, **pending)


def test_approving_a_request_the_agency_changed_meanwhile_is_refused(
    agency_a, coordinator_a, curator
):
    request = _ask(agency_a, coordinator_a, nmt_status=NmtStatus.IMPLEMENTING)
    seen = request.updated_at
    _ask(agency_a, coordinator_a, nmt_status=NmtStatus.CERTIFIED_SITE)

    with pytest.raises(ClaimError, match="changed this request"):
        services.agency_status_request_approve(request=request, decided_by=curator, seen_at=seen)
    assert _public(agency_a)[0] == "interested"


def test_the_profile_service_refuses_the_verified_values(agency_a):
    with pytest.raises(ClaimError):
        services.agency_update(agency=agency_a, fields={"nmt_status": NmtStatus.CERTIFIED_SITE})
    assert _public(agency_a)[0] == "interested"


# --- Plausible values: the model (so the admin and every service) --------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("practising_since", 1989, "Enter a year from 1990 to 2030."),
        ("practising_since", 2031, "Enter a year from 1990 to 2030."),
        ("sensory_spaces", 501, "Enter at most 500"),
        ("description", "x" * 5001, "at most 5000 characters"),
    ],
)
def test_the_model_refuses_implausible_profile_values(agency_a, field, value, message):
    with time_machine.travel(pacific(2030, 6, 1, 12), tick=False):
        setattr(agency_a, field, value)
        with pytest.raises(ValidationError) as error:
            services.agency_save(agency=agency_a)
    assert list(error.value.message_dict) == [field]
    assert message in " ".join(error.value.message_dict[field])


@pytest.mark.parametrize(
    ("when", "year"), [((2030, 1, 1, 0, 5), 2030), ((2029, 12, 31, 23, 55), 2029)]
)
def test_this_year_is_the_regions_year(agency_a, when, year):
    """The bound follows the clock, in Pacific time (not UTC, which is a day ahead at night)."""
    with time_machine.travel(pacific(*when), tick=False):
        agency_a.practising_since = year
        services.agency_save(agency=agency_a)
        agency_a.practising_since = year + 1
        with pytest.raises(ValidationError):
            services.agency_save(agency=agency_a)


def test_the_database_refuses_implausible_values_whatever_the_path(agency_a):
    for values in ({"sensory_spaces": 501}, {"practising_since": 1989}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Agency.objects.filter(pk=agency_a.pk).update(**values)


# --- The coordinator's pages --------------------------------------------------------------------


@pytest.fixture
def coordinator_client(client, coordinator_a):
    client.force_login(coordinator_a)
    return client


def _request_url(agency) -> str:
    return reverse("members:manage_status_request", args=[agency.slug])


def test_a_coordinator_asks_for_a_status_and_sees_it_waiting(coordinator_client, agency_a, curator):
    response = coordinator_client.post(
        _request_url(agency_a),
        {
            "nmt_status": NmtStatus.CERTIFIED_SITE,
            "practising_since": "2015",
            "sensory_spaces": "2",
            "note": "Certified in May.",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0].endswith("/manage/profile/#claims")
    text = _text(response)
    assert "Your request is with the curators." in text
    assert "Waiting for a curator" in text
    assert "NMT status: Certified NMT site (public now: Interested)" in text
    assert "Update the request" in text
    assert _public(agency_a) == ("interested", None, 0)
    form = response.context["request_form"]
    assert form.initial["nmt_status"] == "certified_site"  # the form starts from the request


def test_the_profile_page_shows_the_last_answer(
    coordinator_client, agency_a, coordinator_a, curator
):
    request = _ask(agency_a, coordinator_a, nmt_status=NmtStatus.CERTIFIED_SITE)
    services.agency_status_request_decline(
        request=request, decided_by=curator, reply="Send us the certificate."
    )

    text = _text(coordinator_client.get(reverse("members:manage_profile", args=[agency_a.slug])))

    assert "The curators’ last answer Declined" in text
    assert "Their reply: Send us the certificate." in text
    assert "Waiting for a curator" not in text


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"practising_since": "1989"}, "practising_since", "Enter a year from 1990 to"),
        ({"sensory_spaces": "501"}, "sensory_spaces", "Enter at most 500"),
        ({"sensory_spaces": "-1"}, "sensory_spaces", "greater than or equal to 0"),
        ({"note": ""}, "note", "Tell the curators how they can confirm"),
        ({"note": "n" * 2001}, "note", "at most 2000 characters"),
    ],
)
def test_a_bad_request_gets_a_message_beside_the_field_and_saves_nothing(
    coordinator_client, agency_a, values, field, message
):
    data = {
        "nmt_status": NmtStatus.IMPLEMENTING,
        "practising_since": "2015",
        "sensory_spaces": "2",
        "note": "Started in 2015.",
        **values,
    }
    response = coordinator_client.post(_request_url(agency_a), data)

    assert response.status_code == 400
    error = re.search(
        rf'<small class="field-error" id="id_{field}_error">([^<]*)</small>',
        response.content.decode(),
    )
    assert error, response.content.decode()
    assert message in html.unescape(error[1])
    assert not AgencyStatusRequest.objects.exists()


def test_asking_for_nothing_new_gets_a_message(coordinator_client, agency_a):
    response = coordinator_client.post(
        _request_url(agency_a),
        {"nmt_status": "interested", "practising_since": "", "sensory_spaces": "0", "note": ""},
    )
    assert response.status_code == 400
    assert "Nothing to ask for" in _text(response)


def test_a_coordinator_withdraws_the_waiting_request(coordinator_client, agency_a, coordinator_a):
    _ask(agency_a, coordinator_a, sensory_spaces=9)

    response = coordinator_client.post(
        reverse("members:manage_status_request_withdraw", args=[agency_a.slug]), follow=True
    )

    assert "Your request is withdrawn." in _text(response)
    assert AgencyStatusRequest.objects.get().state == RequestState.WITHDRAWN


def test_another_agencys_coordinator_cannot_ask_for_you(client, agency_a, coordinator_b):
    client.force_login(coordinator_b)
    data = {"nmt_status": "certified_site", "sensory_spaces": "0", "note": "We are great."}

    assert client.post(_request_url(agency_a), data).status_code == 404
    assert (
        client.post(
            reverse("members:manage_status_request_withdraw", args=[agency_a.slug])
        ).status_code
        == 404
    )
    assert not AgencyStatusRequest.objects.exists()


# --- The admin path -----------------------------------------------------------------------------


def _change_url(request) -> str:
    return reverse("admin:members_agencystatusrequest_change", args=[request.pk])


def test_a_curator_approves_in_the_admin_and_only_then_the_public_pages_show_it(
    client, agency_a, coordinator_a, curator, django_capture_on_commit_callbacks
):
    AgencyFactory(name="Other Agency")
    request = _ask(agency_a, coordinator_a, nmt_status=NmtStatus.CERTIFIED_SITE)

    # Waiting: the directory, its status filter and /community/ don't show it.
    assert "Agency A" not in _directory_names(client, status="certified_site")
    assert _community_certified(client) == 0
    detail = client.get(agency_a.get_absolute_url())
    assert "Certified NMT site" not in _text(detail)

    client.force_login(curator)
    queue = client.get(reverse("admin:members_agencystatusrequest_changelist"))
    assert list(queue.context["cl"].result_list) == [request]  # waiting ones by default
    page = client.get(_change_url(request))
    assert page.status_code == 200
    assert 'name="decision" value="approve"' in page.content.decode()
    seen = page.context["adminform"].form["seen"].value()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _change_url(request), {"reply": "Welcome!", "seen": seen, "decision": "approve"}
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:members_agencystatusrequest_changelist")
    assert _public(agency_a)[0] == "certified_site"
    [message] = mail.outbox
    assert message.to == ["coordinator-a@example.org"]
    client.logout()
    assert _directory_names(client, status="certified_site") == ["Agency A"]
    assert _community_certified(client) == 1
    assert "Certified NMT site" in _text(client.get(agency_a.get_absolute_url()))


def test_declining_in_the_admin_without_a_reply_says_so_beside_the_field(
    client, agency_a, coordinator_a, curator
):
    request = _ask(agency_a, coordinator_a, nmt_status=NmtStatus.CERTIFIED_SITE)
    client.force_login(curator)

    response = client.post(_change_url(request), {"reply": "", "decision": "decline"})

    assert response.status_code == 200  # the form again
    assert response.context["adminform"].form.errors == {
        "reply": ["Tell the agency why (they get your reply by email)."]
    }
    request.refresh_from_db()
    assert request.state == RequestState.PENDING

    response = client.post(_change_url(request), {"reply": "Not yet.", "decision": "decline"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.state, request.reply) == (RequestState.DECLINED, "Not yet.")
    assert _public(agency_a)[0] == "interested"


def test_an_admin_decision_on_a_request_that_changed_meanwhile_is_refused(
    client, agency_a, coordinator_a, curator
):
    request = _ask(agency_a, coordinator_a, nmt_status=NmtStatus.IMPLEMENTING)
    client.force_login(curator)
    seen = client.get(_change_url(request)).context["adminform"].form["seen"].value()
    _ask(agency_a, coordinator_a, nmt_status=NmtStatus.CERTIFIED_SITE)

    response = client.post(_change_url(request), {"seen": seen, "decision": "approve"}, follow=True)

    assert "changed this request while you were reading it" in _text(response)
    assert _public(agency_a)[0] == "interested"
    assert AgencyStatusRequest.objects.get().state == RequestState.PENDING


def test_a_decided_request_is_read_only_in_the_admin(client, agency_a, coordinator_a, curator):
    request = _ask(agency_a, coordinator_a, nmt_status=NmtStatus.IMPLEMENTING)
    services.agency_status_request_approve(request=request, decided_by=curator)
    client.force_login(curator)

    page = client.get(_change_url(request))
    assert 'name="decision"' not in page.content.decode()
    response = client.post(_change_url(request), {"reply": "x", "decision": "decline"})
    assert response.status_code == 200
    assert "This request was already decided." in _text(response)
    request.refresh_from_db()
    assert request.state == RequestState.APPROVED


def test_the_admin_action_approves_several_requests(client, agency_a, agency_b, coordinator_a,
                                                    coordinator_b, curator):  # fmt: skip
    first = _ask(agency_a, coordinator_a, sensory_spaces=3)
    second = _ask(agency_b, coordinator_b, nmt_status=NmtStatus.IMPLEMENTING)
    client.force_login(curator)

    client.post(
        reverse("admin:members_agencystatusrequest_changelist"),
        {"action": "approve", "_selected_action": [first.pk, second.pk]},
    )

    assert _public(agency_a)[2] == 3
    assert _public(agency_b)[0] == "implementing"
    assert set(AgencyStatusRequest.objects.values_list("state", flat=True)) == {"approved"}


def test_the_request_queue_takes_as_many_queries_for_50_requests_as_for_1(
    client, curator, django_assert_max_num_queries
):
    client.force_login(curator)
    url = reverse("admin:members_agencystatusrequest_changelist")

    def make(n):
        for _ in range(n):
            AgencyStatusRequest.objects.create(
                agency=AgencyFactory(), changes={"sensory_spaces": 1}, note="n"
            )

    make(1)
    with django_assert_max_num_queries(12) as one:
        client.get(url)
    make(49)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get(url).context["cl"].result_list) == 50


def test_a_request_date_is_shown_in_pacific_time(coordinator_client, agency_a, coordinator_a):
    with time_machine.travel(pacific(2026, 3, 9, 20, 30), tick=False):  # 03:30 UTC next day
        _ask(agency_a, coordinator_a, sensory_spaces=1)
    text = _text(coordinator_client.get(reverse("members:manage_profile", args=[agency_a.slug])))
    assert "Asked on Mar 9, 2026" in text
