"""Implementation progress in the browser: a coordinator follows a funnel figure of the agency
dashboard to the people it counts; a visitor opens /community/ and clicks a county on the map.
axe-core checks every page visited."""

import datetime as dt
import re
from xml.etree import ElementTree

import pytest
from playwright.sync_api import Page, expect

from members.models import County, Credential, CredentialLevel
from tests.browser.test_accounts import member, sign_in
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _credential(user, level):
    Credential.objects.create(
        person=user.person, level=level, model="nmt", earned_on=dt.date(2025, 3, 1),
        source="coordinator",
    )  # fmt: skip


def test_a_coordinator_follows_a_funnel_figure_to_the_people(page: Page, axe_check):
    agency = AgencyFactory(name="Bayside Clinic", slug="bayside-clinic", county=County.MARIN)
    coordinator = member(agency, "cora@example.org", "Cora Coordinator", "coordinator")
    certified = member(agency, "pat@example.org", "Pat Phase-One", "staff")
    trainer = member(agency, "tess@example.org", "Tess Trainer", "staff")
    concepts_only = member(agency, "cal@example.org", "Cal Concepts", "staff")
    for user in (certified, trainer, concepts_only, coordinator):
        _credential(user, CredentialLevel.CONCEPTS)
    _credential(certified, CredentialLevel.PHASE_1)
    _credential(trainer, CredentialLevel.PHASE_1)
    _credential(trainer, CredentialLevel.PHASE_2)

    sign_in(page, "cora@example.org")
    page.goto("/agencies/bayside-clinic/manage/")
    axe_check(page)
    funnel = page.get_by_role("group", name=re.compile("Staff by stage"))
    expect(funnel).to_be_visible()
    # The text alternative names every figure.
    expect(page.locator("#funnel-chart-desc")).to_contain_text("Phase I certified: 2")

    page.get_by_role("link", name="Phase I certified").first.click()

    expect(page).to_have_url(re.compile(r"/manage/staff/\?stage=phase_1$"))
    axe_check(page)
    roster = page.get_by_role("table")
    expect(roster).to_contain_text("Pat Phase-One")
    expect(roster).to_contain_text("Tess Trainer")
    expect(roster).not_to_contain_text("Cal Concepts")
    expect(roster).not_to_contain_text("Cora Coordinator")


def test_a_visitor_clicks_a_county_on_the_community_map(page: Page, axe_check):
    AgencyFactory(name="Marin Kids", slug="marin-kids", county=County.MARIN)
    AgencyFactory(name="Tam Valley Schools", slug="tam-valley", county=County.MARIN)
    AgencyFactory(name="Napa Families", slug="napa-families", county=County.NAPA)

    page.goto("/community/")
    axe_check(page)
    expect(page.locator(".figures")).to_contain_text("3")
    svg = page.locator(".county-map svg").evaluate(
        "node => new XMLSerializer().serializeToString(node)"
    )
    # Well-formed XML, with its text alternative. (Our own page's markup: S314 does not apply.)
    tree = ElementTree.fromstring(svg)  # noqa: S314
    namespace = "{http://www.w3.org/2000/svg}"
    assert tree.find(f"{namespace}title").text.startswith("Map of the Bay Area counties")
    assert "Marin: 2." in tree.find(f"{namespace}desc").text

    page.get_by_role("link", name="Marin: 2 member agencies").click()

    expect(page).to_have_url(re.compile(r"/agencies/\?county=marin$"))
    axe_check(page)
    results = page.locator(".agency-grid")
    expect(results).to_contain_text("Marin Kids")
    expect(results).to_contain_text("Tam Valley Schools")
    expect(results).not_to_contain_text("Napa Families")
