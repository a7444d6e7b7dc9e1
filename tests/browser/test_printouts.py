"""Printing and the curators' desk, in the browser.

A host on a phone-sized screen opens a hosted training's roster and downloads a session's
sign-in sheet (read back with pypdf: the names, no email address). Printed, the roster page
drops the site's header, menus and footer and repeats its tables' header rows. A curator finds
what waits on the admin's home page, and the trainings changelist fits a 1280 px screen.
"""

import datetime as dt
import io
import re
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import Page, expect

from members.models import Role
from resources.models import ResourceStatus
from tests.browser.test_hosted import person, sign_in
from tests.factories import AgencyFactory, TrainingFactory, days_from_today
from tests.resources.factories import ResourceFactory
from tests.trainings.factories import RegistrationFactory
from trainings.models import Kind, Status

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def agency(live_server):
    return AgencyFactory(name="Coastside Family Services", slug="coastside", county="san_mateo")


@pytest.fixture
def coordinator(agency):
    return person("rosa.coordinator@example.org", "Rosa Alvarez", agency, Role.COORDINATOR)


@pytest.fixture
def cohort(agency):
    first, second = days_from_today(8), days_from_today(15)
    training = TrainingFactory(
        title="Sensory Regulation Strategies",
        host_agency=agency,
        sessions=[(first, first + dt.timedelta(hours=6)), (second, second + dt.timedelta(hours=6))],
    )
    for n, name in enumerate(["Zoë Zamora", "José Núñez", "Mei Chen"]):
        RegistrationFactory(
            training=training, person=person(f"p{n}@example.org", name, agency).person,
            agency=agency,
        )  # fmt: skip
    return training


@pytest.mark.browser_context_args(viewport=PHONE)
def test_a_host_on_a_phone_downloads_a_session_s_sign_in_sheet(
    page: Page, agency, coordinator, cohort, look
):
    sign_in(page, coordinator.email)
    page.goto(f"/agencies/{agency.slug}/manage/hosted/{cohort.slug}/roster/")
    look(page, "hosted-roster-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^Sign-in sheet, .+ \(PDF\)$")).first.click()

    download = download_info.value
    assert re.fullmatch(
        rf"{cohort.slug}-sign-in-\d{{4}}-\d\d-\d\d\.pdf", download.suggested_filename
    )
    reader = pypdf.PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Session 1 of 2" in text
    assert text.index("José Núñez") < text.index("Mei Chen") < text.index("Zoë Zamora")
    assert "Coastside Family Services" in text
    assert "@" not in text


def test_printed_the_roster_keeps_its_content_and_drops_the_menus(
    page: Page, agency, coordinator, cohort
):
    sign_in(page, coordinator.email)
    page.goto(f"/agencies/{agency.slug}/manage/hosted/{cohort.slug}/roster/")
    expect(page.locator(".site-header")).to_be_visible()

    page.emulate_media(media="print")

    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.locator(".manage-nav")).to_be_hidden()
    expect(page.get_by_role("heading", name="Sensory Regulation Strategies")).to_be_visible()
    expect(page.get_by_text("Zoë Zamora")).to_be_visible()
    assert (
        page.locator("main button").evaluate_all(
            "buttons => buttons.filter(b => getComputedStyle(b).display !== 'none').length"
        )
        == 0
    )
    styles = page.evaluate(
        """() => ({
          thead: getComputedStyle(document.querySelector('table thead')).display,
          background: getComputedStyle(document.body).backgroundColor,
          link: getComputedStyle(document.querySelector('main a')).textDecorationLine,
        })"""
    )
    assert styles["thead"] == "table-header-group"
    assert styles["background"] in {"rgba(0, 0, 0, 0)", "transparent"}
    assert styles["link"] == "none"

    page.emulate_media(media="screen")
    expect(page.locator(".site-header")).to_be_visible()  # the negative control


@pytest.mark.browser_context_args(viewport=DESKTOP)
def test_a_curator_finds_what_waits_and_the_trainings_list_fits_the_screen(page: Page, agency):
    curator = person("cleo.curator@example.org", "Cleo Curator", is_staff=True, is_superuser=True)
    ResourceFactory(
        title="Our calm-down corner", status=ResourceStatus.SUBMITTED, published_at=None
    )
    TrainingFactory(title="A proposal from Coastside", host_agency=agency, status=Status.SUBMITTED)
    for n in range(12):
        TrainingFactory(
            title=f"NMT Phase II / Train-the-Trainer Cohort for Bay Area Agencies, group {n}",
            kind=Kind.PHASE_2 if n % 2 else Kind.CONCEPTS,
            host_agency=agency,
            sessions=[
                (
                    days_from_today(5 + n + d * 7),
                    days_from_today(5 + n + d * 7) + dt.timedelta(hours=6),
                )
                for d in range(3)
            ],
        )

    sign_in(page, curator.email)
    page.goto("/admin/")
    desk = page.get_by_role("region", name="Waiting for you")
    expect(desk.get_by_role("link", name="1 resource submitted for review")).to_be_visible()
    desk.get_by_role("link", name="1 training proposed by an agency").click()
    expect(page.get_by_role("link", name="A proposal from Coastside")).to_be_visible()

    page.goto("/admin/trainings/training/")
    expect(page.locator("#result_list tbody tr")).to_have_count(13)
    widths = page.evaluate(
        """() => {
          const results = document.querySelector('.results');
          return {page: document.documentElement.scrollWidth,
                  results: results.scrollWidth, room: results.clientWidth};
        }"""
    )
    assert widths["page"] <= DESKTOP["width"]
    assert widths["results"] <= widths["room"], widths  # the table does not scroll sideways
