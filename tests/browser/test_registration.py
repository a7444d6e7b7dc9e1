"""Registration, seats and the waitlist in the browser.

A coordinator registers three staff for a two-seat training (two confirmed, one waitlisted); a
confirmed person cancels from /me/trainings/ and the waitlisted one sees their seat. A visitor
signs in from the training page, comes back to it, registers and cancels. Every page visited
goes through axe-core.

Set ``SCREENSHOTS=<dir>`` to keep a full-page screenshot of every page checked, for review.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from members import services as members_services
from members.models import Agency, Membership, MembershipState, Role
from tests.factories import AgencyFactory, TrainingFactory, UserFactory
from trainings.models import Registration, RegistrationStatus, Training

PASSWORD = "pw-for-tests-2026"  # UserFactory's password.
TITLE = "Regulate, Relate, Reason"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def agency(live_server) -> Agency:
    return AgencyFactory(
        name="Coastside Family Services", slug="coastside-family-services", city="Half Moon Bay"
    )


@pytest.fixture
def training(live_server) -> Training:
    """A concepts training in two weeks, with two seats, open to everyone."""
    return TrainingFactory(title=TITLE, slug="regulate-relate-reason", capacity=2, days_ahead=14)


def member(agency: Agency | None, email: str, name: str, role: str = Role.STAFF):
    """A person with a verified address, with an active membership of ``agency`` if given."""
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    person = members_services.person_for_user(user=user)
    members_services.person_update(person=person, display_name=name)
    if agency:
        Membership.objects.create(
            person=person, agency=agency, role=role, state=MembershipState.ACTIVE
        )
    return user


def sign_in(page: Page, email: str, *, then: str = r"/me/$") -> None:
    page.goto("/accounts/login/")
    fill_sign_in(page, email)
    expect(page).to_have_url(re.compile(then))


def fill_sign_in(page: Page, email: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def nav_link(page: Page, name: str):
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name)


def registration_card(page: Page):
    return page.get_by_role("complementary", name="Registration and venue").locator("#registration")


def my_training_row(page: Page, title: str = TITLE, section: str = "Upcoming"):
    return page.get_by_role("region", name=section).get_by_role("article").filter(has_text=title)


def statuses(training: Training) -> dict[str, str]:
    return dict(
        Registration.objects.filter(training=training).values_list("person__display_name", "status")
    )


def test_coordinator_registers_three_staff_for_two_seats_and_a_cancellation_promotes_the_third(
    page: Page, other_page, agency, training, look, mailoutbox
):
    coordinator = member(agency, "rosa.coordinator@example.org", "Rosa Alvarez", Role.COORDINATOR)
    ana = member(agency, "ana.ruiz@example.org", "Ana Ruiz")
    member(agency, "lee.chen@example.org", "Lee Chen")
    sam = member(agency, "sam.okafor@example.org", "Sam Okafor")

    # The coordinator signs in through the form and opens the training.
    page.goto("/accounts/login/")
    look(page, "login")
    sign_in(page, coordinator.email)
    look(page, "coordinator-me")
    page.goto(training.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    card = registration_card(page)
    expect(card).to_contain_text("2 seats in all")
    look(page, "training-for-coordinator")

    # "Register staff of <agency>": the roster, with a box per person.
    card.get_by_role("link", name=f"Register staff of {agency.name}").click()
    expect(page).to_have_url(
        re.compile(rf"/agencies/{agency.slug}/manage/registrations/new/{training.slug}/$")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Register staff")
    look(page, "register-staff")
    roster = page.get_by_role("group", name="Choose from your roster")
    for name in ("Ana Ruiz", "Lee Chen", "Sam Okafor"):
        roster.get_by_label(name).check()
    page.get_by_role("button", name="Register the people chosen").click()

    # Two seats, three people: the first two in the order listed get them, the third waits.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Registered for {TITLE}")
    results = page.get_by_role("table")
    expect(results.get_by_role("row", name="Ana Ruiz")).to_contain_text("Confirmed")
    expect(results.get_by_role("row", name="Lee Chen")).to_contain_text("Confirmed")
    expect(results.get_by_role("row", name="Sam Okafor")).to_contain_text("Waitlisted")
    expect(results.get_by_role("row")).to_have_count(4)  # With the header.
    look(page, "register-result")
    assert statuses(training) == {
        "Ana Ruiz": RegistrationStatus.CONFIRMED,
        "Lee Chen": RegistrationStatus.CONFIRMED,
        "Sam Okafor": RegistrationStatus.WAITLISTED,
    }
    assert sorted(m.to[0] for m in mailoutbox) == [
        "ana.ruiz@example.org",
        "lee.chen@example.org",
        "sam.okafor@example.org",
    ]

    # The training is now full; people already registered can't be picked again.
    page.get_by_role("link", name="Back to the training").click()
    expect(registration_card(page)).to_contain_text("Full — waitlist open")
    look(page, "training-full")
    page.get_by_role("link", name=f"Register staff of {agency.name}").click()
    for name, reason in (
        ("Ana Ruiz", "Already registered."),
        ("Sam Okafor", "Already on the waitlist."),
    ):
        expect(roster.get_by_label(name)).to_be_disabled()
        expect(roster.get_by_label(name)).to_have_accessible_description(reason)
    expect(roster.get_by_label("Rosa Alvarez")).to_be_enabled()
    look(page, "register-staff-again")

    # Sam, in their own browser, sees their place on the waitlist.
    sam_page = other_page()
    sign_in(sam_page, sam.email)
    look(sam_page, "sam-me")
    sam_page.goto(training.get_absolute_url())
    expect(registration_card(sam_page)).to_contain_text("You're number 1 on the waitlist.")
    look(sam_page, "training-waitlisted")
    nav_link(sam_page, "My trainings").click()
    expect(my_training_row(sam_page)).to_contain_text("Waitlisted")
    look(sam_page, "my-trainings-waitlisted")

    # Ana, in hers, cancels from /me/trainings/.
    ana_page = other_page()
    sign_in(ana_page, ana.email)
    look(ana_page, "ana-me")
    nav_link(ana_page, "My trainings").click()
    expect(ana_page).to_have_url(re.compile(r"/me/trainings/$"))
    row = my_training_row(ana_page)
    expect(row).to_contain_text("Confirmed")
    expect(row).to_contain_text(f"For {agency.name}")
    look(ana_page, "my-trainings-confirmed")
    row.get_by_role("button", name=f"Cancel {TITLE}").click()
    expect(ana_page.locator(".messages")).to_have_text(
        f"Your registration for {TITLE} is cancelled."
    )
    # The cancelled registration moves out of "Upcoming" into its own list, without a button.
    expect(my_training_row(ana_page)).to_have_count(0)
    expect(my_training_row(ana_page, section="Cancelled")).to_contain_text("Cancelled")
    expect(my_training_row(ana_page, section="Cancelled").get_by_role("button")).to_have_count(0)
    look(ana_page, "my-trainings-cancelled")

    # Sam's seat: on /me/trainings/ and on the training page.
    sam_page.reload()
    expect(my_training_row(sam_page)).to_contain_text("Confirmed")
    look(sam_page, "my-trainings-promoted")
    my_training_row(sam_page).get_by_role("link", name=TITLE).click()
    card = registration_card(sam_page)
    expect(card).to_contain_text("You're registered.")
    expect(card.get_by_role("button", name="Cancel my registration")).to_be_visible()
    look(sam_page, "training-promoted")
    assert statuses(training) == {
        "Ana Ruiz": RegistrationStatus.CANCELLED,
        "Lee Chen": RegistrationStatus.CONFIRMED,
        "Sam Okafor": RegistrationStatus.CONFIRMED,
    }
    training.refresh_from_db()
    assert training.seats_taken == 2
    promoted = [m for m in mailoutbox if m.to == [sam.email]][-1]
    assert TITLE in promoted.subject

    # The coordinator's list of registrations shows the change.
    page.goto(f"/agencies/{agency.slug}/manage/registrations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrations")
    listing = page.get_by_role("table", name="Registrations of this agency's staff")
    expect(listing.get_by_role("row").filter(has_text="Ana Ruiz")).to_contain_text("Cancelled")
    expect(listing.get_by_role("row").filter(has_text="Sam Okafor")).to_contain_text("Confirmed")
    look(page, "agency-registrations")


def test_visitor_signs_in_from_the_training_page_registers_and_cancels(
    page: Page, agency, training, look, mailoutbox
):
    practitioner = member(agency, "lee.chen@example.org", "Lee Chen")

    # Not signed in: the training page offers to sign in.
    page.goto(training.get_absolute_url())
    card = registration_card(page)
    expect(card.get_by_role("button", name="Register", exact=True)).to_have_count(0)
    look(page, "training-anonymous")
    card.get_by_role("button", name="Sign in to register").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    look(page, "login-with-next")

    # Signed in, they are brought back to the training.
    fill_sign_in(page, practitioner.email)
    expect(page).to_have_url(re.compile(rf"/trainings/{training.slug}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    look(page, "training-signed-in")

    # Register: a seat, said twice (the message and the card), and a confirmation email.
    card.get_by_role("button", name="Register", exact=True).click()
    expect(page.locator(".messages")).to_have_text(
        f"You're registered for {TITLE}. A confirmation email is on its way."
    )
    expect(card).to_contain_text("You're registered.")
    expect(card).to_contain_text("1 seat left")
    look(page, "training-registered")
    assert [m.to for m in mailoutbox] == [[practitioner.email]]
    assert mailoutbox[0].attachments[0][0] == f"{training.slug}.ics"

    # Cancel from the training page: back to "Register", and the seat is free again.
    card.get_by_role("button", name="Cancel my registration").click()
    expect(page.locator(".messages")).to_have_text(f"Your registration for {TITLE} is cancelled.")
    expect(card.get_by_role("button", name="Register", exact=True)).to_be_visible()
    expect(card).to_contain_text("2 seats left")
    look(page, "training-cancelled")
    registration = Registration.objects.get(training=training)
    assert registration.status == RegistrationStatus.CANCELLED
    assert registration.cancelled_by == practitioner
    training.refresh_from_db()
    assert training.seats_taken == 0
