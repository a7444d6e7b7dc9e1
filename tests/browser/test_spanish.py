"""A journey in Spanish on a phone (390 px): on the English home page a visitor switches to
Español with the header's control, signs in, finds a training, registers, and reads the
confirmation on the page and in the email, all in Spanish. Every page goes through axe-core.

Set ``SCREENSHOTS=<dir>`` to keep a full-page screenshot of every page checked, for review.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from members import services as members_services
from members.models import Person
from portal.models import OutboxEmail
from tests.community.test_email_languages import assert_in_language
from tests.factories import AgencyFactory, TrainingFactory, UserFactory
from trainings.models import Registration, RegistrationStatus

PASSWORD = "pw-for-tests-2026"  # UserFactory's password.
TITLE = "Regular, relacionarse, razonar"
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def member(live_server):
    user = UserFactory(email="lucia.mendez@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    person = members_services.person_for_user(user=user)
    members_services.person_update(person=person, display_name="Lucía Méndez")
    return user


def header(page: Page):
    return page.get_by_role("banner")


def main_menu(page: Page):
    """The main menu, opened first where it is folded (on a phone)."""
    nav = page.get_by_role("navigation", name="Principal")
    if nav.locator("summary").is_visible():
        nav.locator("summary").click()
    return nav


def html_lang(page: Page) -> str:
    return page.locator("html").get_attribute("lang")


@pytest.mark.browser_context_args(viewport=PHONE)
def test_a_member_switches_to_spanish_signs_in_and_registers_all_in_spanish(
    page: Page, member, look
):
    training = TrainingFactory(
        title=TITLE,
        slug="regular-relacionarse",
        summary="Para equipos de salud mental y escuelas.",
        host_agency=AgencyFactory(name="Servicios Familiares de la Costa", slug="costa"),
        days_ahead=14,
    )

    # The English home page, with the switch in its header's menu (folded on a phone); the
    # header fits the phone.
    page.goto("/")
    assert html_lang(page) == "en"
    header(page).get_by_text("Menu", exact=True).click()
    switch = header(page).get_by_label("Language")
    expect(switch).to_be_visible()
    expect(switch.locator("option[lang=es]")).to_have_text("Español")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    look(page, "home-en")

    # Switched with the control: the same page, now in Spanish, and the choice shown.
    switch.select_option("es")
    header(page).get_by_role("button", name="Change language").click()
    expect(page).to_have_url(re.compile(r"/$"))
    assert html_lang(page) == "es"
    header(page).get_by_text("Menú", exact=True).click()
    switch = header(page).get_by_label("Idioma")
    expect(switch).to_have_value("es")
    expect(header(page).get_by_role("button", name="Cambiar idioma")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    look(page, "home-es")

    # Sign in, in Spanish.
    nav = page.get_by_role("navigation", name="Principal")  # the menu is still open
    nav.get_by_role("link", name="Iniciar sesión").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")
    look(page, "sign-in")
    page.get_by_label("Correo electrónico").fill(member.email)
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page).to_have_url(re.compile(r"/$"))  # back where they were
    assert html_lang(page) == "es"
    main_menu(page).get_by_role("link", name="Mi página").click()
    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.get_by_role("main").get_by_label("Idioma", exact=True).first).to_be_visible()
    look(page, "me")
    # The choice made before signing in is now the person's: emails will follow it.
    assert Person.objects.get(user=member).language == "es"

    # Find the training in the catalogue.
    main_menu(page).get_by_role("link", name="Capacitaciones", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Próximas capacitaciones")
    look(page, "catalogue")
    page.get_by_role("link", name=TITLE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    look(page, "training")

    # Register, and read the confirmation.
    card = page.get_by_role("complementary", name="Inscripción y lugar")
    card.get_by_role("button", name="Inscribirse", exact=True).click()
    expect(page.locator(".messages")).to_have_text(
        f"Quedó inscrito(a) en {TITLE}. Pronto recibirá un correo electrónico de confirmación."
    )
    expect(card).to_contain_text("Está inscrito(a).")
    assert html_lang(page) == "es"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    look(page, "registered")
    registration = Registration.objects.get(training=training)
    assert registration.status == RegistrationStatus.CONFIRMED

    # The confirmation email: Spanish subject, text, HTML and calendar file, Spanish dates.
    email = OutboxEmail.objects.get(kind="registration_confirmed")
    assert email.to == [member.email]
    assert_in_language(email, "es", dated=True)
    assert TITLE in email.subject
