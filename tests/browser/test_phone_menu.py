"""The menus on a phone (issue #16): the main menu and the coordinator's fold behind one
<details> below 760 px, and work without a script; on a desktop their links show at once."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests import url_world
from tests.browser.conftest import sign_in_by_cookie
from tests.url_world import url_for

world = url_world.world

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TOUCH = 44  # px, the smallest touch target


def height(locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return box["height"]


def url_for_path(path: str) -> re.Pattern:
    return re.compile(re.escape(path) + "$")


def content_top(page: Page) -> float:
    """Where the page's own heading starts, from the top of the page."""
    return page.locator("main h1").first.bounding_box()["y"]


def test_the_main_menu_folds_on_a_phone_and_opens_with_a_tap(page: Page, axe_check):
    page.set_viewport_size(PHONE)
    page.goto("/")
    menu = page.locator("header details.site-menu")
    summary = menu.locator("summary")
    trainings = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Trainings", exact=True
    )
    expect(summary).to_be_visible()
    expect(menu).not_to_have_attribute("open", "")
    expect(trainings).to_be_hidden()
    assert content_top(page) < PHONE["height"] / 3
    assert height(summary) >= TOUCH
    axe_check(page)

    summary.click()
    expect(trainings).to_be_visible()
    for link in menu.locator("ul a").all():
        assert height(link) >= TOUCH, link.inner_text()
    expect(menu.get_by_role("link", name="Sign in")).to_be_visible()
    expect(menu.get_by_role("button", name="Change language")).to_be_visible()
    axe_check(page)
    trainings.click()
    expect(page).to_have_url(url_for_path("/trainings/"))
    expect(page.locator("header details.site-menu")).not_to_have_attribute("open", "")


def test_the_main_menu_works_without_javascript(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/")
    link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Library")
    expect(link).to_be_hidden()
    page.locator("header details.site-menu summary").click()
    link.click()
    expect(page).to_have_url(url_for_path("/resources/"))
    context.close()


def test_on_a_desktop_the_menus_show_their_links_without_a_click(
    page: Page, world, coordinator_a, live_server
):
    page.set_viewport_size(DESKTOP)
    sign_in_by_cookie(page.context, coordinator_a, live_server.url)
    page.goto(url_for("members:manage_home", world))
    header = page.get_by_role("navigation", name="Main")
    expect(header.locator("summary")).to_be_hidden()
    expect(header.get_by_role("link", name="Trainings", exact=True)).to_be_visible()
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    manage = page.get_by_role("navigation", name="Agency management")
    expect(manage.locator("summary")).to_be_hidden()
    manage.get_by_role("link", name="Staff").click()
    expect(page).to_have_url(url_for_path(url_for("members:manage_staff", world)))


def test_the_coordinators_menu_folds_on_a_phone(
    page: Page, world, coordinator_a, live_server, axe_check
):
    page.set_viewport_size(PHONE)
    sign_in_by_cookie(page.context, coordinator_a, live_server.url)
    page.goto(url_for("members:manage_home", world))
    manage = page.get_by_role("navigation", name="Agency management")
    summary = manage.locator("summary")
    staff = manage.get_by_role("link", name="Staff", exact=True)
    expect(staff).to_be_hidden()
    assert content_top(page) < PHONE["height"] / 2
    assert height(summary) >= TOUCH
    summary.click()
    expect(staff).to_be_visible()
    for link in manage.locator("ul a").all():
        assert height(link) >= TOUCH, link.inner_text()
    axe_check(page)
    staff.click()
    expect(page).to_have_url(url_for_path(url_for("members:manage_staff", world)))
