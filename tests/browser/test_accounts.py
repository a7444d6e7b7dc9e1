"""Accounts and agencies in the browser: a coordinator invites staff, a visitor signs up and asks
to join. Every page the journeys visit goes through axe-core.

Emails go to Django's locmem outbox (``mailoutbox``): ``live_server`` runs in this process.
SITE_URL points at ``live_server``, so the links in them are followed as a person would.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from playwright.sync_api import Page, expect

from members import services
from members.models import Agency, Membership, MembershipState, Role
from tests.factories import AgencyFactory, UserFactory

PASSWORD = "pw-for-tests-2026"  # UserFactory's password.
NEW_PASSWORD = "Lantern-Harbour-93"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def agency(live_server) -> Agency:
    return AgencyFactory(
        name="Coastside Family Services", slug="coastside-family-services", city="Half Moon Bay"
    )


@pytest.fixture
def coordinator(agency):
    return member(agency, "rosa.coordinator@example.org", "Rosa Alvarez", Role.COORDINATOR)


def member(agency: Agency, email: str, name: str, role: str):
    """A person with a verified address and an active membership of ``agency``."""
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    services.person_update(person=services.person_for_user(user=user), display_name=name)
    Membership.objects.create(
        person=user.person, agency=agency, role=role, state=MembershipState.ACTIVE
    )
    return user


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/me/$"))


def link_in(message: mail.EmailMessage, path_pattern: str) -> str:
    """The one absolute link in an email's text whose path matches ``path_pattern``."""
    links = re.findall(rf"https?://[^\s\"'<>]+{path_pattern}", message.body)
    assert len(set(links)) == 1, message.body
    return links[0]


def roster_row(page: Page, text: str):
    return page.locator("table.roster tbody tr").filter(has_text=text)


def test_coordinator_invites_a_staff_member_who_joins_through_the_emailed_link(
    page: Page, other_page, agency, coordinator, mailoutbox, axe_check
):
    invitee_email = "sam.okafor@example.org"

    # The coordinator signs in through the form, and lands on their page.
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check(page)
    sign_in(page, coordinator.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Rosa Alvarez")
    axe_check(page)

    # Their agency's manage area, then the invite form.
    page.get_by_role("link", name="Manage this agency").click()
    expect(page).to_have_url(re.compile(rf"/agencies/{agency.slug}/manage/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(agency.name)
    axe_check(page)
    page.get_by_role("main").get_by_role("link", name="Invite staff").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite staff")
    axe_check(page)
    page.get_by_label("Email address").fill(invitee_email)
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Job title").fill("Family therapist")
    expect(page.get_by_label("Role")).to_have_value("staff")
    page.get_by_role("button", name="Send the invitation").click()

    # Back on the roster: the invitation waits for an answer.
    expect(page).to_have_url(re.compile(rf"/agencies/{agency.slug}/manage/staff/$"))
    expect(page.get_by_role("status")).to_contain_text(f"Invitation sent to {invitee_email}.")
    waiting = page.get_by_role("region", name="Waiting for an answer")
    expect(waiting.get_by_role("row", name=invitee_email)).to_be_visible()
    expect(roster_row(page, invitee_email)).to_have_count(0)
    axe_check(page)

    # The invitation email, with a link to follow.
    assert len(mailoutbox) == 1
    invitation_email = mailoutbox[0]
    assert invitation_email.to == [invitee_email]
    assert agency.name in invitation_email.subject
    link = link_in(invitation_email, r"/invitations/[^\s/]+/")

    # The invited person, signed out in their own browser, follows it.
    invitee = other_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", level=1)).to_have_text(f"Join {agency.name}")
    expect(invitee.get_by_role("main")).to_contain_text(invitee_email)
    expect(invitee.get_by_label("Your name")).to_have_value("Sam Okafor")
    axe_check(invitee)
    invitee.get_by_label("Your name").fill("Sam Okafor-Reyes")
    invitee.get_by_label("Choose a password").fill(NEW_PASSWORD)
    invitee.get_by_label("Password again").fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Create my account and join").click()

    # Their page: signed in, a member of the agency.
    expect(invitee).to_have_url(re.compile(r"/me/$"))
    expect(invitee.get_by_role("status")).to_have_text(f"Welcome to {agency.name}.")
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Hello, Sam Okafor-Reyes")
    my_agencies = invitee.get_by_role("region", name="My agencies")
    card = my_agencies.get_by_role("article").filter(has_text=agency.name)
    expect(card.get_by_role("link", name=agency.name)).to_be_visible()
    expect(card).to_contain_text("Staff")
    expect(card.get_by_role("link", name="Manage this agency")).to_have_count(0)
    axe_check(invitee)

    # The invitation link has done its work: following it again says so.
    invitee.goto(link)
    expect(invitee.get_by_role("heading", level=1)).to_have_text("This invitation can't be used")
    expect(invitee.get_by_role("main")).to_contain_text("already been used")
    axe_check(invitee)

    # The coordinator finds them on the roster, and no longer among the invitations.
    page.get_by_role("navigation", name="Agency management").get_by_role(
        "link", name="Staff"
    ).click()
    row = roster_row(page, "Sam Okafor-Reyes")
    expect(row).to_contain_text(invitee_email)
    expect(row).to_contain_text("Family therapist")
    expect(row.get_by_label("Role of Sam Okafor-Reyes")).to_have_value("staff")
    expect(page.get_by_role("region", name="Waiting for an answer")).to_have_count(0)
    axe_check(page)

    # And the new account signs in with the password chosen on the invitation page.
    invitee.get_by_role("button", name="Sign out").click()
    sign_in(invitee, invitee_email, NEW_PASSWORD)
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Hello, Sam Okafor-Reyes")


def test_visitor_signs_up_verifies_and_asks_to_join_and_the_coordinator_approves(
    page: Page, other_page, agency, coordinator, mailoutbox, axe_check
):
    AgencyFactory(name="Bayshore Unified School District", slug="bayshore-usd")
    visitor_email = "lee.chen@example.org"

    # The visitor signs up.
    visitor = other_page()
    visitor.goto("/accounts/signup/")
    expect(visitor.get_by_role("heading", level=1)).to_be_visible()
    axe_check(visitor)
    visitor.get_by_label("Email").fill(visitor_email)
    visitor.get_by_label("Your name").fill("Lee Chen")
    visitor.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    visitor.get_by_label("Password (again)").fill(NEW_PASSWORD)
    visitor.get_by_role("button", name="Sign up").click()

    # They are told to verify their address.
    expect(visitor).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Verify your email address")
    axe_check(visitor)

    # The verification email; its link asks for a confirmation (no change on a GET).
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [visitor_email]
    link = link_in(mailoutbox[0], r"/accounts/confirm-email/[^\s/]+/")
    visitor.goto(link)
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Confirm email address")
    axe_check(visitor)
    visitor.get_by_role("button", name="Confirm").click()

    # Verified and signed in, on their page, with no agency yet.
    expect(visitor).to_have_url(re.compile(r"/me/$"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Hello, Lee Chen")
    expect(visitor.get_by_role("button", name="Sign out")).to_be_visible()
    expect(visitor.get_by_role("main")).to_contain_text("You don't belong to an agency yet.")
    axe_check(visitor)

    # The directory, then the agency's page, then "Request to join".
    visitor.get_by_role("link", name="Find your agency and ask to join").click()
    expect(visitor).to_have_url(re.compile(r"/agencies/$"))
    expect(visitor.locator(".results-count")).to_have_text("2 agencies")
    axe_check(visitor)
    visitor.get_by_role("link", name=agency.name).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(agency.name)
    axe_check(visitor)
    visitor.get_by_role("button", name="Request to join").click()
    expect(visitor.get_by_role("status")).to_have_text(
        f"Your request to join {agency.name} was sent to its coordinators."
    )
    expect(visitor.get_by_role("main")).to_contain_text(
        "Your request to join is waiting for a coordinator."
    )
    expect(visitor.get_by_role("button", name="Request to join")).to_have_count(0)
    axe_check(visitor)

    # The coordinators are told by email.
    assert len(mailoutbox) == 2
    assert mailoutbox[1].to == [coordinator.email]
    requests_link = link_in(mailoutbox[1], rf"/agencies/{agency.slug}/manage/requests/")

    # The coordinator signs in, in their own browser, and approves from Join requests.
    sign_in(page, coordinator.email)
    page.get_by_role("link", name="Manage this agency").click()
    expect(page.get_by_role("main")).to_contain_text("1 request waiting.")
    page.get_by_role("navigation", name="Agency management").get_by_role(
        "link", name="Join requests"
    ).click()
    expect(page).to_have_url(requests_link)
    request_card = page.get_by_role("article").filter(has_text="Lee Chen")
    expect(request_card).to_contain_text(visitor_email)
    axe_check(page)
    request_card.get_by_role("button", name="Approve Lee Chen").click()
    expect(page.get_by_role("status")).to_have_text("Lee Chen is now on the roster.")
    expect(page.get_by_text("No one is waiting to join.")).to_be_visible()
    axe_check(page)
    page.get_by_role("navigation", name="Agency management").get_by_role(
        "link", name="Staff"
    ).click()
    expect(roster_row(page, "Lee Chen")).to_contain_text(visitor_email)

    # The visitor is told, and their page shows them as a member.
    assert len(mailoutbox) == 3
    assert mailoutbox[2].to == [visitor_email]
    visitor.get_by_role("link", name="My page").click()
    card = visitor.get_by_role("region", name="My agencies").get_by_role("article")
    expect(card).to_have_count(1)
    expect(card.get_by_role("link", name=agency.name)).to_be_visible()
    expect(card).to_contain_text("Staff")
    expect(card).not_to_contain_text("waiting")
    axe_check(visitor)


def test_invite_form_shows_a_malformed_address_beside_the_field(
    page: Page, agency, coordinator, mailoutbox, axe_check
):
    sign_in(page, coordinator.email)
    page.goto(f"/agencies/{agency.slug}/manage/staff/invite/")
    email = page.get_by_label("Email address")
    # As typed in a hurry: a comma for the dot, and a space.
    email.fill("sam.okafor@example,org ")
    page.get_by_label("First name").fill("Sam")
    page.get_by_role("button", name="Send the invitation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Invite staff")
    error = page.locator("#id_email_error")
    expect(error).to_have_text("Enter a valid email address.")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_attribute("aria-describedby", re.compile(r"\bid_email_error\b"))
    # What was typed stays, for correcting.
    expect(email).to_have_value("sam.okafor@example,org")
    expect(page.get_by_label("First name")).to_have_value("Sam")
    # Beside the field: right under it, before the next one.
    email_box, error_box = email.bounding_box(), error.bounding_box()
    next_box = page.get_by_label("First name").bounding_box()
    assert email_box["y"] + email_box["height"] <= error_box["y"] < next_box["y"]
    axe_check(page)
    assert mailoutbox == []


@pytest.mark.browser_context_args(viewport={"width": 390, "height": 844})
def test_on_a_phone_the_coordinator_pages_fit_the_screen(
    page: Page, agency, coordinator, axe_check
):
    member(agency, "sam.okafor@example.org", "Sam Okafor-Reyes", Role.STAFF)
    sign_in(page, coordinator.email)
    for path in ("", "staff/", "staff/invite/", "requests/"):
        page.goto(f"/agencies/{agency.slug}/manage/{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        # Wide tables scroll inside their box; the page itself does not scroll sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        axe_check(page)
