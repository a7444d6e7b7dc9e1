import csv
import datetime as dt
import html
import io
import json
import os
import re
from urllib.parse import quote

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from members import services
from members.models import (
    Agency,
    AgencyKind,
    County,
    Credential,
    CredentialLevel,
    CredentialSource,
    Invitation,
    Membership,
    MembershipState,
    NmtStatus,
    Person,
    PracticeModel,
    Role,
    User,
)
from tests.factories import (
    AgencyFactory,
    CredentialFactory,
    InvitationFactory,
    MembershipFactory,
    PersonFactory,
    TrainingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-2026"  # UserFactory's


def _text(response) -> str:
    """The page as text with tags removed, entities decoded and whitespace collapsed."""
    page = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(page).split())


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _url(name: str, agency: Agency, **kwargs) -> str:
    return reverse(f"members:{name}", kwargs={"slug": agency.slug, **kwargs})


def _staff(agency, email: str, name: str, **person) -> Membership:
    return MembershipFactory(
        agency=agency,
        person=PersonFactory(user=UserFactory(email=email), display_name=name, **person),
    )


@pytest.fixture
def coordinator_client(client, coordinator_a):
    client.force_login(coordinator_a)
    return client


@pytest.fixture
def membership_b(agency_b, coordinator_b):
    """A staff membership of the other agency, for tampering."""
    return _staff(agency_b, "staff-b@example.org", "Bo Other")


# --- Directory --------------------------------------------------------------------------------


def test_directory_lists_agencies_with_links_to_their_profiles(client):
    agency = AgencyFactory(
        name="A Better Way", county=County.ALAMEDA, city="Berkeley", practises_nme=True
    )
    response = client.get(reverse("members:agency_list"))
    assert response.status_code == 200
    assert f'href="{agency.get_absolute_url()}"' in response.content.decode()
    assert "1 agency" in _text(response)
    assert "A Better Way Community-based organization · Alameda · Berkeley" in _text(response)


def test_directory_filters_in_the_page(client):
    AgencyFactory(name="Alameda CBO", county=County.ALAMEDA)
    AgencyFactory(name="Marin CBO", county=County.MARIN)
    response = client.get(reverse("members:agency_list"), {"county": "marin"})
    assert response.status_code == 200
    assert "Marin CBO" in _text(response)
    assert "Alameda CBO" not in _text(response)


@pytest.mark.parametrize("params", [{"county": "atlantis"}, {"kind": "x"}, {"status": "famous"}])
def test_directory_with_a_bad_filter_answers_400_with_the_message_beside_the_field(client, params):
    AgencyFactory(name="Alameda CBO")
    response = client.get(reverse("members:agency_list"), params)
    assert response.status_code == 400
    field = next(iter(params))
    assert f'id="id_{field}_error"' in response.content.decode()
    assert "Select a valid choice." in _text(response)
    assert "Please correct the filters above." in _text(response)
    assert "Alameda CBO" not in _text(response)


def _queries(client, url: str, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def test_directory_takes_as_many_queries_for_200_agencies_as_for_1(
    client, django_assert_max_num_queries
):
    url = reverse("members:agency_list")
    AgencyFactory(practises_nmt=True, practises_nme=True)
    one = _queries(client, url)
    AgencyFactory.create_batch(199, practises_nmt=True)
    # The count, the page, and the languages the agencies serve (one prefetch).
    with django_assert_max_num_queries(3):
        page = client.get(url)
    assert page.status_code == 200
    assert _queries(client, url) == one
    assert _queries(client, url, {"county": "san_mateo", "model": "nmt"}) == one


# --- Profile ----------------------------------------------------------------------------------


def test_profile_states_the_implementation_figures_in_a_sentence(client, agency_a):
    for level in (CredentialLevel.PHASE_1, CredentialLevel.PHASE_1, CredentialLevel.PHASE_1):
        CredentialFactory(person=MembershipFactory(agency=agency_a).person, level=level)
    CredentialFactory(
        person=MembershipFactory(agency=agency_a).person, level=CredentialLevel.PHASE_2
    )
    CredentialFactory(
        person=MembershipFactory(agency=agency_a).person, level=CredentialLevel.MENTOR
    )
    for _ in range(2):
        CredentialFactory(person=MembershipFactory(agency=agency_a).person)
    requested = MembershipFactory(agency=agency_a, state=MembershipState.REQUESTED)
    CredentialFactory(person=requested.person, level=CredentialLevel.MENTOR)

    response = client.get(agency_a.get_absolute_url())

    assert response.status_code == 200
    assert "5 staff certified in Phase I, 7 trained in NMT concepts, 2 trainers." in _text(response)


def test_profile_figures_sentence_uses_the_singular(client, agency_a):
    CredentialFactory(
        person=MembershipFactory(agency=agency_a).person, level=CredentialLevel.PHASE_2
    )
    response = client.get(agency_a.get_absolute_url())
    assert "1 staff member certified in Phase I, 1 trained in NMT concepts, 1 trainer." in _text(
        response
    )


def test_profile_shows_sensory_spaces_hosted_trainings_and_a_sanitised_description(client):
    agency = AgencyFactory(
        sensory_spaces=4,
        sensory_spaces_note="Calm rooms at three clinics.",
        description="**Welcome** <script>alert(1)</script>",
        contact_email="hello@agency.org",
    )
    TrainingFactory(title="NMT Concepts at the Clinic", host_agency=agency)
    TrainingFactory(title="Someone else's training")
    response = client.get(agency.get_absolute_url())
    page = response.content.decode()
    assert "4 sensory-sensitive spaces" in _text(response)
    assert "Calm rooms at three clinics." in page
    assert "NMT Concepts at the Clinic" in page
    assert "Someone else's training" not in page
    assert "<strong>Welcome</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert 'href="mailto:hello@agency.org"' in page


def test_profile_of_an_unknown_agency_answers_404(client):
    assert client.get(reverse("members:agency_detail", kwargs={"slug": "nope"})).status_code == 404


def test_profile_offers_the_right_join_action_to_each_visitor(client, agency_a, staff_a, member):
    join_url = _url("agency_join", agency_a)
    anonymous = client.get(agency_a.get_absolute_url())
    assert "Sign in to ask to join this agency" in _text(anonymous)
    assert join_url not in anonymous.content.decode()

    client.force_login(member)
    assert f'action="{join_url}"' in client.get(agency_a.get_absolute_url()).content.decode()

    client.force_login(staff_a)
    as_staff = client.get(agency_a.get_absolute_url())
    assert "You are a member of this agency." in _text(as_staff)
    assert join_url not in as_staff.content.decode()


def test_request_to_join_creates_a_request_and_tells_the_coordinators(
    client, agency_a, coordinator_a, member, django_capture_on_commit_callbacks
):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("agency_join", agency_a), follow=True)
    assert response.redirect_chain == [(agency_a.get_absolute_url(), 302)]
    assert _messages(response) == ["Your request to join Agency A was sent to its coordinators."]
    assert "Your request to join is waiting for a coordinator." in _text(response)
    membership = Membership.objects.get(person__user=member, agency=agency_a)
    assert membership.state == MembershipState.REQUESTED
    assert [m.to for m in mail.outbox] == [[coordinator_a.email]]


def test_request_to_join_twice_says_so_and_changes_nothing(client, agency_a, member):
    client.force_login(member)
    client.post(_url("agency_join", agency_a), follow=True)
    response = client.post(_url("agency_join", agency_a), follow=True)
    assert _messages(response) == ["Your request to join is already waiting for a coordinator."]
    assert Membership.objects.filter(agency=agency_a, person__user=member).count() == 1


def test_request_to_join_needs_a_signed_in_person_and_a_post(client, agency_a):
    response = client.post(_url("agency_join", agency_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")
    assert client.get(_url("agency_join", agency_a)).status_code == 405
    assert not Membership.objects.exists()


# --- My page ----------------------------------------------------------------------------------


def test_me_lists_my_agencies_with_a_manage_link_for_coordinators_and_my_credentials(
    client, agency_a, agency_b, coordinator_a
):
    person = coordinator_a.person
    MembershipFactory(person=person, agency=agency_b, role=Role.STAFF)
    CredentialFactory(
        person=person,
        level=CredentialLevel.PHASE_1,
        model=PracticeModel.NME,
        earned_on=dt.date(2024, 3, 15),
        source=CredentialSource.ADMIN,
        verified=True,
    )
    client.force_login(coordinator_a)
    response = client.get(reverse("members:me"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Hello, Cora Coordinator" in _text(response)
    assert f'href="{_url("manage_home", agency_a)}"' in page
    assert f'href="{_url("manage_home", agency_b)}"' not in page
    assert "Phase I certified NME Mar 15, 2024 Verified by an admin · verified" in _text(response)


def test_me_saves_the_profile(client, member):
    client.force_login(member)
    response = client.post(
        reverse("members:me"),
        {"display_name": " Mo M. ", "job_title": "Teacher", "discipline": "Education"},
    )
    assert response.status_code == 302
    person = Person.objects.get(user=member)
    assert (person.display_name, person.job_title, person.discipline) == (
        "Mo M.",
        "Teacher",
        "Education",
    )


@pytest.mark.parametrize("name", ["", "    "])
def test_me_refuses_an_empty_display_name_with_a_message(client, member, name):
    client.force_login(member)
    response = client.post(reverse("members:me"), {"display_name": name, "job_title": "X"})
    assert response.status_code == 400
    assert (
        '<small class="field-error" id="id_display_name_error">This field is required.'
        in response.content.decode()
    )
    assert Person.objects.get(user=member).display_name == "Mo Member"


def test_me_answers_an_invitation_shown_on_the_page(client, agency_a, member):
    invited = MembershipFactory(
        agency=agency_a, person=member.person, state=MembershipState.INVITED
    )
    InvitationFactory(agency=agency_a, email=member.email)
    client.force_login(member)
    assert "You are invited to join." in _text(client.get(reverse("members:me")))
    response = client.post(
        reverse("members:me_invitation", kwargs={"membership_id": invited.pk}),
        {"answer": "accept"},
    )
    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.state == MembershipState.ACTIVE
    assert not Invitation.objects.filter(accepted_at__isnull=True).exists()


def test_me_cannot_answer_someone_elses_invitation(client, agency_a, member):
    theirs = MembershipFactory(agency=agency_a, state=MembershipState.INVITED)
    client.force_login(member)
    response = client.post(
        reverse("members:me_invitation", kwargs={"membership_id": theirs.pk}), {"answer": "accept"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == MembershipState.INVITED


def test_me_export_downloads_my_data_as_json(client, agency_a, staff_a):
    CredentialFactory(person=staff_a.person, level=CredentialLevel.CONCEPTS)
    client.force_login(staff_a)
    response = client.get(reverse("members:me_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="my-nmt-portal-data.json"'
    data = json.loads(response.content)
    assert data["account"]["email"] == "staff-a@example.org"
    assert data["profile"]["display_name"] == "Sam Staff"
    assert [(m["agency"], m["role"]) for m in data["memberships"]] == [("Agency A", "staff")]
    assert [c["level"] for c in data["credentials"]] == ["concepts"]
    assert dt.datetime.fromisoformat(data["exported_at"]) <= timezone.now()


def test_me_delete_with_the_wrong_password_answers_400_and_deletes_nothing(client, staff_a):
    client.force_login(staff_a)
    response = client.post(reverse("members:me_delete"), {"password": "not-my-password"})
    assert response.status_code == 400
    assert "That is not your password." in _text(response)
    assert User.objects.filter(pk=staff_a.pk).exists()
    assert Membership.objects.filter(person__user=staff_a).exists()


def test_me_delete_with_the_right_password_deletes_the_account_and_signs_out(client, staff_a):
    client.force_login(staff_a)
    response = client.post(reverse("members:me_delete"), {"password": PASSWORD}, follow=True)
    assert response.redirect_chain == [(reverse("home"), 302)]
    assert _messages(response) == ["Your account and personal data have been deleted."]
    assert not User.objects.filter(pk=staff_a.pk).exists()
    assert not Membership.objects.exists()
    assert not response.context["user"].is_authenticated


def test_me_delete_of_the_last_coordinator_is_refused_with_a_message(client, coordinator_a):
    client.force_login(coordinator_a)
    response = client.post(reverse("members:me_delete"), {"password": PASSWORD}, follow=True)
    assert response.redirect_chain == [(reverse("members:me"), 302)]
    assert "You are the only coordinator of Agency A." in _messages(response)[0]
    assert User.objects.filter(pk=coordinator_a.pk).exists()


# --- Invitation page --------------------------------------------------------------------------


def _invitation_url(invitation) -> str:
    return reverse("members:invitation", kwargs={"token": services.invitation_token(invitation)})


def test_invitation_page_lets_a_new_person_create_their_account_and_join(client, agency_a):
    invitation = InvitationFactory(
        agency=agency_a, email="nia@example.org", first_name="Nia", last_name="Park"
    )
    url = _invitation_url(invitation)
    page = client.get(url)
    assert page.status_code == 200
    assert "This invitation is for nia@example.org to join Agency A" in _text(page)
    assert 'value="Nia Park"' in page.content.decode()

    mismatch = client.post(
        url, {"display_name": "Nia", "password1": "a-long-pass-2026", "password2": "other-2026"}
    )
    assert mismatch.status_code == 400
    assert "The two passwords differ." in _text(mismatch)
    assert not User.objects.filter(email="nia@example.org").exists()

    response = client.post(
        url,
        {
            "display_name": "Nia P.",
            "password1": "a-long-pass-2026",
            "password2": "a-long-pass-2026",
        },
        follow=True,
    )
    assert response.redirect_chain == [(reverse("members:me"), 302)]
    assert _messages(response) == ["Welcome to Agency A."]
    user = response.context["user"]
    assert user.is_authenticated
    assert user.email == "nia@example.org"
    assert Membership.objects.get(person__user=user).state == MembershipState.ACTIVE
    # The link is spent.
    assert client.get(url).status_code == 410


def test_invitation_page_refuses_a_weak_password(client, agency_a):
    url = _invitation_url(InvitationFactory(agency=agency_a))
    response = client.post(url, {"display_name": "N", "password1": "123", "password2": "123"})
    assert response.status_code == 400
    assert 'id="id_password1_error"' in response.content.decode()
    assert not User.objects.filter(email__startswith="invitee").exists()


def test_invitation_page_asks_someone_with_an_account_to_sign_in(client, agency_a):
    UserFactory(email="has.account@example.org")
    invitation = InvitationFactory(agency=agency_a, email="has.account@example.org")
    url = _invitation_url(invitation)
    page = client.get(url)
    assert page.status_code == 200
    assert "You already have an account with this address." in _text(page)
    assert f'href="{reverse("account_login")}?next={quote(url)}"' in page.content.decode()
    assert client.post(url).status_code == 400
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None


def test_invitation_page_lets_the_invited_signed_in_person_accept(client, agency_a):
    user = UserFactory(email="kim@example.org")
    invited = MembershipFactory(
        agency=agency_a, person=PersonFactory(user=user), state=MembershipState.INVITED
    )
    url = _invitation_url(InvitationFactory(agency=agency_a, email="kim@example.org"))
    client.force_login(user)
    assert "Accept the invitation" in _text(client.get(url))
    response = client.post(url)
    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.state == MembershipState.ACTIVE


def test_invitation_page_refuses_another_signed_in_person(client, agency_a, member):
    invitation = InvitationFactory(agency=agency_a, email="invited@example.org")
    url = _invitation_url(invitation)
    client.force_login(member)
    page = client.get(url)
    assert "You are signed in as member@example.org." in _text(page)
    response = client.post(url)
    assert response.status_code == 400
    assert "This invitation was sent to invited@example.org." in _text(response)
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not Membership.objects.filter(agency=agency_a, person__user=member).exists()


def test_invitation_page_of_a_bad_or_used_link_answers_410_with_the_reason(client, agency_a):
    used = InvitationFactory(agency=agency_a, accepted_at=timezone.now())
    bad = client.get(reverse("members:invitation", kwargs={"token": "forged"}))
    assert bad.status_code == 410
    assert "This invitation link is not valid." in _text(bad)
    spent = client.get(_invitation_url(used))
    assert spent.status_code == 410
    assert "This invitation has already been used." in _text(spent)


# --- Manage: overview and profile -------------------------------------------------------------


def test_manage_home_shows_the_figures_and_waiting_work(coordinator_client, agency_a, staff_a):
    CredentialFactory(person=staff_a.person, level=CredentialLevel.PHASE_1)
    MembershipFactory(agency=agency_a, state=MembershipState.REQUESTED)
    InvitationFactory(agency=agency_a)
    response = coordinator_client.get(_url("manage_home", agency_a))
    text = _text(response)
    assert response.status_code == 200
    assert "2 people on the roster" in text
    assert "Trained in concepts 1" in text.replace(": ", " ")
    assert "1 invitation waiting for an answer." in text
    assert "1 request waiting." in text


def _profile_data(agency, **overrides) -> dict:
    data = {
        "name": agency.name,
        "kind": AgencyKind.CBO,
        "county": County.SOLANO,
        "city": "Vallejo",
        "website": "agency.example.org",
        "description": "We practise NMT.",
        "practises_nmt": "on",
        "sensory_spaces_note": "",
        "contact_email": "hello@agency.example.org",
    }
    data.update(overrides)
    return data


def _png(size=(40, 40), *, noise=False) -> bytes:
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, "teal")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_manage_profile_saves_the_agency(coordinator_client, agency_a, media):
    logo = SimpleUploadedFile("logo.png", _png(), content_type="image/png")
    response = coordinator_client.post(
        _url("manage_profile", agency_a), {**_profile_data(agency_a), "logo": logo}
    )
    assert response.status_code == 302
    agency_a.refresh_from_db()
    assert (agency_a.county, agency_a.city) == ("solano", "Vallejo")
    assert agency_a.website == "https://agency.example.org"
    assert agency_a.practises_nmt
    assert not agency_a.practises_nme
    assert agency_a.logo.name.startswith("agency-logos/")
    assert (media / agency_a.logo.name).exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            lambda: SimpleUploadedFile("logo.png", b"just some text, not an image\n" * 20),
            "Upload a valid image.",
        ),
        (
            lambda: SimpleUploadedFile("logo.png", _png((1200, 1200), noise=True)),
            "The logo must be at most 2 MB.",
        ),
        (
            lambda: SimpleUploadedFile("logo.png", _png((2400, 10))),
            "The logo must be at most 2000 × 2000 pixels (it is 2400 × 10).",
        ),
    ],
    ids=["text-renamed-png", "over-2-mb", "too-many-pixels"],
)
def test_manage_profile_refuses_a_bad_logo_beside_the_field(
    coordinator_client, agency_a, media, upload, message
):
    response = coordinator_client.post(
        _url("manage_profile", agency_a), {**_profile_data(agency_a), "logo": upload()}
    )
    assert response.status_code == 400
    assert f'<small class="field-error" id="id_logo_error">{html.escape(message)}' in (
        response.content.decode()
    )
    agency_a.refresh_from_db()
    assert not agency_a.logo
    assert agency_a.city == ""  # nothing half-saved


def test_manage_profile_refuses_a_gif_logo(coordinator_client, agency_a, media):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "GIF")
    response = coordinator_client.post(
        _url("manage_profile", agency_a),
        {**_profile_data(agency_a), "logo": SimpleUploadedFile("logo.png", buffer.getvalue())},
    )
    assert response.status_code == 400
    assert "The logo must be a PNG, JPEG or WebP image." in _text(response)


def test_manage_profile_refuses_bad_values_beside_their_fields(coordinator_client, agency_a):
    response = coordinator_client.post(
        _url("manage_profile", agency_a),
        _profile_data(agency_a, name="", county="atlantis", description="x" * 5001),
    )
    page = response.content.decode()
    assert response.status_code == 400
    for field in ("name", "county", "description"):
        assert f'id="id_{field}_error"' in page
    assert "at most 5000 characters (it has 5001)" in page
    agency_a.refresh_from_db()
    assert (agency_a.name, agency_a.city, agency_a.description) == ("Agency A", "", "")


def test_the_profile_form_cannot_set_the_verified_values(coordinator_client, agency_a):
    """NMT status, practising since and sensory spaces are claims: posting them with the
    profile changes nothing public (they go through a request to the curators)."""
    response = coordinator_client.post(
        _url("manage_profile", agency_a),
        _profile_data(
            agency_a,
            nmt_status=NmtStatus.CERTIFIED_SITE,
            practising_since="2001",
            sensory_spaces="40",
        ),
    )
    assert response.status_code == 302
    agency_a.refresh_from_db()
    assert agency_a.city == "Vallejo"  # the rest of the profile is saved
    assert (agency_a.nmt_status, agency_a.practising_since, agency_a.sensory_spaces) == (
        NmtStatus.INTERESTED,
        None,
        0,
    )
    page = coordinator_client.get(_url("manage_profile", agency_a)).content.decode()
    assert 'name="nmt_status"' in page  # only in the request form, which posts elsewhere
    assert page.count('name="nmt_status"') == 1
    assert reverse("members:manage_status_request", args=[agency_a.slug]) in page


# --- Manage: roster ---------------------------------------------------------------------------


def test_roster_lists_active_staff_with_credentials_and_searches(
    coordinator_client, agency_a, staff_a
):
    _staff(agency_a, "ana@example.org", "Ana Ruiz", job_title="Clinician")
    CredentialFactory(person=staff_a.person, level=CredentialLevel.PHASE_1)
    MembershipFactory(agency=agency_a, state=MembershipState.REQUESTED)
    response = coordinator_client.get(_url("manage_staff", agency_a))
    text = _text(response)
    assert "Staff roster (3)" in text
    assert "Sam Staff staff-a@example.org Phase I certified · NMT (unverified)" in text

    search = coordinator_client.get(_url("manage_staff", agency_a), {"q": "clinic"})
    assert "Staff roster (1)" in _text(search)
    assert "Ana Ruiz" in _text(search)
    assert "Sam Staff" not in _text(search)


def test_roster_takes_as_many_queries_for_200_staff_as_for_1(
    coordinator_client, agency_a, coordinator_a, django_assert_max_num_queries
):
    url = _url("manage_staff", agency_a)
    CredentialFactory(person=coordinator_a.person)
    one = _queries(coordinator_client, url)
    for membership in MembershipFactory.create_batch(199, agency=agency_a):
        CredentialFactory(person=membership.person, level=CredentialLevel.PHASE_1)
        CredentialFactory(person=membership.person, model=PracticeModel.NME)
    InvitationFactory.create_batch(5, agency=agency_a)
    with django_assert_max_num_queries(7):
        page = coordinator_client.get(url)
    assert "Staff roster (200)" in _text(page)
    assert _queries(coordinator_client, url) == one


def test_roster_csv_export_holds_each_active_member_with_credentials(
    coordinator_client, agency_a, staff_a
):
    CredentialFactory(
        person=staff_a.person,
        level=CredentialLevel.PHASE_1,
        model=PracticeModel.NMT,
        earned_on=dt.date(2024, 3, 15),
    )
    CredentialFactory(
        person=staff_a.person,
        level=CredentialLevel.CONCEPTS,
        model=PracticeModel.NME,
        earned_on=dt.date(2023, 1, 2),
        verified=True,
    )
    MembershipFactory(agency=agency_a, state=MembershipState.INVITED)
    response = coordinator_client.get(_url("manage_staff_export", agency_a))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="agency-a-roster.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 for Excel on Windows
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    today = timezone.localdate().isoformat()
    assert rows == [
        ["Email", "Name", "Job title", "Discipline", "Role", "Member since", "Credentials"],
        ["coordinator-a@example.org", "Cora Coordinator", "", "", "Coordinator", today, ""],
        [
            "staff-a@example.org",
            "Sam Staff",
            "",
            "",
            "Staff",
            today,
            "Trained in NMT concepts (NME), 2023-01-02; "
            "Phase I certified (NMT), 2024-03-15 (unverified)",
        ],
    ]


def test_roster_csv_escapes_what_a_spreadsheet_would_run(coordinator_client, agency_a, staff_a):
    person = staff_a.person
    person.display_name = '=HYPERLINK("https://evil.example/","Click")'
    person.job_title = "+1 555 0100"
    person.discipline = "Niño & Ñandú"
    person.save()

    response = coordinator_client.get(_url("manage_staff_export", agency_a))

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    staff = next(row for row in rows if row["Email"] == "staff-a@example.org")
    assert staff["Name"] == '\'=HYPERLINK("https://evil.example/","Click")'
    assert staff["Job title"] == "'+1 555 0100"
    assert staff["Discipline"] == "Niño & Ñandú"


def test_role_change_makes_staff_a_coordinator(coordinator_client, agency_a, staff_a):
    membership = staff_a.person.memberships.get()
    response = coordinator_client.post(
        _url("manage_member_role", agency_a, membership_id=membership.pk),
        {"role": "coordinator"},
        follow=True,
    )
    assert response.redirect_chain == [(_url("manage_staff", agency_a), 302)]
    assert _messages(response) == ["Sam Staff is now coordinator."]
    membership.refresh_from_db()
    assert membership.role == Role.COORDINATOR


def test_role_change_keeps_the_last_coordinator(coordinator_client, agency_a, coordinator_a):
    membership = coordinator_a.person.memberships.get()
    response = coordinator_client.post(
        _url("manage_member_role", agency_a, membership_id=membership.pk),
        {"role": "staff"},
        follow=True,
    )
    assert _messages(response) == ["An agency needs at least one coordinator."]
    membership.refresh_from_db()
    assert membership.role == Role.COORDINATOR


def test_role_change_to_an_unknown_role_is_refused(coordinator_client, agency_a, staff_a):
    membership = staff_a.person.memberships.get()
    response = coordinator_client.post(
        _url("manage_member_role", agency_a, membership_id=membership.pk),
        {"role": "owner"},
        follow=True,
    )
    assert _messages(response) == ["Choose a valid role."]
    membership.refresh_from_db()
    assert membership.role == Role.STAFF


def test_remove_takes_someone_off_the_roster(coordinator_client, agency_a, staff_a):
    membership = staff_a.person.memberships.get()
    response = coordinator_client.post(
        _url("manage_member_remove", agency_a, membership_id=membership.pk), follow=True
    )
    assert _messages(response) == ["Sam Staff was removed from the roster."]
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert User.objects.filter(pk=staff_a.pk).exists()


def test_remove_keeps_the_last_coordinator(coordinator_client, agency_a, coordinator_a):
    membership = coordinator_a.person.memberships.get()
    response = coordinator_client.post(
        _url("manage_member_remove", agency_a, membership_id=membership.pk), follow=True
    )
    assert "An agency needs at least one coordinator." in _messages(response)[0]
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_credential_add_records_an_unverified_credential(coordinator_client, agency_a, staff_a):
    membership = staff_a.person.memberships.get()
    url = _url("manage_credential_add", agency_a, membership_id=membership.pk)
    assert "Record a credential for Sam Staff" in _text(coordinator_client.get(url))
    response = coordinator_client.post(
        url, {"level": "phase_1", "model": "nme", "earned_on": "2024-09-30"}
    )
    assert response.status_code == 302
    credential = Credential.objects.get(person=staff_a.person)
    assert (credential.level, credential.model, credential.earned_on) == (
        "phase_1",
        "nme",
        dt.date(2024, 9, 30),
    )
    assert credential.source == CredentialSource.COORDINATOR
    assert credential.verified is False


def test_credential_add_with_a_future_date_answers_400_with_a_message(
    coordinator_client, agency_a, staff_a
):
    membership = staff_a.person.memberships.get()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = coordinator_client.post(
        _url("manage_credential_add", agency_a, membership_id=membership.pk),
        {"level": "phase_1", "model": "nmt", "earned_on": tomorrow.isoformat()},
    )
    assert response.status_code == 400
    assert (
        '<small class="field-error" id="id_earned_on_error">'
        "The date earned cannot be in the future." in response.content.decode()
    )
    assert not Credential.objects.exists()


# --- Manage: invitations and requests ---------------------------------------------------------


def test_invite_sends_an_invitation(
    coordinator_client, agency_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(
            _url("manage_invite", agency_a),
            {"email": "new@example.org", "first_name": "Nia", "role": "staff"},
        )
    assert response.status_code == 302
    assert Invitation.objects.get(agency=agency_a).email == "new@example.org"
    assert [m.to for m in mail.outbox] == [["new@example.org"]]
    assert "Cora Coordinator has invited you to join Agency A" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email", "role": "staff"}, "Enter a valid email address."),
        ({"email": "staff-a@example.org", "role": "staff"}, "is already a member of Agency A."),
    ],
)
def test_invite_refuses_beside_the_email_field(
    coordinator_client, agency_a, staff_a, data, message
):
    response = coordinator_client.post(_url("manage_invite", agency_a), data)
    assert response.status_code == 400
    error = re.search(r'id="id_email_error">([^<]*)<', response.content.decode())
    assert error
    assert message in html.unescape(error.group(1))
    assert not Invitation.objects.exists()


def test_invitation_resend_and_withdraw(
    coordinator_client, agency_a, django_capture_on_commit_callbacks
):
    invitation = InvitationFactory(agency=agency_a, email="pat@example.org")
    url = _url("manage_invitation", agency_a, invitation_id=invitation.pk)
    with django_capture_on_commit_callbacks(execute=True):
        resent = coordinator_client.post(url, {"action": "resend"}, follow=True)
    assert _messages(resent) == ["Invitation sent again to pat@example.org."]
    assert [m.to for m in mail.outbox] == [["pat@example.org"]]
    withdrawn = coordinator_client.post(url, {"action": "revoke"}, follow=True)
    assert _messages(withdrawn) == ["Invitation to pat@example.org withdrawn."]
    assert not Invitation.objects.exists()


def test_invitation_resend_to_someone_who_joined_meanwhile_says_so(
    coordinator_client, agency_a, django_capture_on_commit_callbacks
):
    invitation = InvitationFactory(agency=agency_a, email="pat@example.org")
    # Pat signed up on their own, asked to join and was approved: the invitation is still open.
    _staff(agency_a, "pat@example.org", "Pat")
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(
            _url("manage_invitation", agency_a, invitation_id=invitation.pk),
            {"action": "resend"},
            follow=True,
        )
    assert response.status_code == 200
    assert _messages(response) == ["pat@example.org is already a member of Agency A."]
    assert mail.outbox == []


def test_requests_page_lists_requests_and_decisions_apply(
    coordinator_client, agency_a, django_capture_on_commit_callbacks
):
    approve = _staff(agency_a, "yes@example.org", "Yes Person")
    decline = _staff(agency_a, "no@example.org", "No Person")
    Membership.objects.filter(pk__in=[approve.pk, decline.pk]).update(
        state=MembershipState.REQUESTED
    )
    page = coordinator_client.get(_url("manage_requests", agency_a))
    assert "Yes Person" in _text(page)
    assert "No Person" in _text(page)

    with django_capture_on_commit_callbacks(execute=True):
        approved = coordinator_client.post(
            _url("manage_request_decide", agency_a, membership_id=approve.pk),
            {"decision": "approve"},
            follow=True,
        )
        declined = coordinator_client.post(
            _url("manage_request_decide", agency_a, membership_id=decline.pk),
            {"decision": "decline"},
            follow=True,
        )
    assert _messages(approved) == ["Yes Person is now on the roster."]
    assert _messages(declined) == ["Request from No Person declined."]
    approve.refresh_from_db()
    assert approve.state == MembershipState.ACTIVE
    assert not Membership.objects.filter(pk=decline.pk).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["no@example.org", "yes@example.org"]


# --- Tampering: another agency's ids answer 404 and change nothing ---------------------------


def _snapshot():
    return (
        sorted(Membership.objects.values_list("pk", "agency_id", "role", "state")),
        sorted(Credential.objects.values_list("pk", "person_id", "level")),
        sorted(Invitation.objects.values_list("pk", "agency_id", "email", "accepted_at")),
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("manage_member_role", {"role": "coordinator"}),
        ("manage_member_role", {"role": "staff"}),
        ("manage_member_remove", {}),
        ("manage_credential_add", {"level": "phase_1", "model": "nmt", "earned_on": "2024-01-02"}),
        ("manage_request_decide", {"decision": "approve"}),
        ("manage_request_decide", {"decision": "decline"}),
    ],
)
def test_posting_another_agencys_membership_to_my_agencys_urls_answers_404(
    coordinator_client, agency_a, agency_b, coordinator_b, membership_b, name, data
):
    requested_b = MembershipFactory(agency=agency_b, state=MembershipState.REQUESTED)
    before = _snapshot()
    for target in (membership_b, requested_b, coordinator_b.person.memberships.get()):
        url = _url(name, agency_a, membership_id=target.pk)
        assert coordinator_client.post(url, data).status_code == 404
    assert _snapshot() == before


def test_opening_another_agencys_credential_form_answers_404(
    coordinator_client, agency_a, membership_b
):
    url = _url("manage_credential_add", agency_a, membership_id=membership_b.pk)
    assert coordinator_client.get(url).status_code == 404


@pytest.mark.parametrize("action", ["resend", "revoke"])
def test_posting_another_agencys_invitation_to_my_agencys_url_answers_404(
    coordinator_client, agency_a, agency_b, action, django_capture_on_commit_callbacks
):
    theirs = InvitationFactory(agency=agency_b)
    before = _snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(
            _url("manage_invitation", agency_a, invitation_id=theirs.pk), {"action": action}
        )
    assert response.status_code == 404
    assert _snapshot() == before
    assert mail.outbox == []


def test_a_request_of_my_agency_cannot_be_decided_through_another_agencys_url(
    client, agency_a, agency_b, coordinator_a, coordinator_b
):
    requested_a = MembershipFactory(agency=agency_a, state=MembershipState.REQUESTED)
    client.force_login(coordinator_b)
    url = _url("manage_request_decide", agency_a, membership_id=requested_a.pk)
    assert client.post(url, {"decision": "approve"}).status_code == 404
    url = _url("manage_request_decide", agency_b, membership_id=requested_a.pk)
    assert client.post(url, {"decision": "approve"}).status_code == 404
    requested_a.refresh_from_db()
    assert requested_a.state == MembershipState.REQUESTED
