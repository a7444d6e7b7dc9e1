"""An agency's NMT status is a claim curators verify, in the browser.

A coordinator asks for "Certified NMT site" on the agency's profile page (a first try without a
note gets a message beside the field); the public profile and the directory's status filter
still say what they said. A curator approves it from the admin's change form; only then do the
public pages show it, and the coordinator's page shows the answer.

Every portal page visited goes through axe-core (the admin's own pages are Django's, and not
checked). Set ``SCREENSHOTS=<dir>`` to keep a full-page screenshot of every page checked.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from members.models import AgencyStatusRequest, RequestState, Role
from tests.browser.test_hosted import person, sign_in
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_coordinator_asks_for_certified_status_and_a_curator_approves_it(
    page: Page, other_page, live_server, look, mailoutbox
):
    agency = AgencyFactory(
        name="Coastside Family Services",
        slug="coastside",
        county="san_mateo",
        nmt_status="implementing",
    )
    coordinator = person("rosa.coordinator@example.org", "Rosa Alvarez", agency, Role.COORDINATOR)
    curator = person("cleo.curator@example.org", "Cleo Curator", is_staff=True, is_superuser=True)

    sign_in(page, coordinator.email)
    page.goto(f"/agencies/{agency.slug}/manage/profile/")
    look(page, "profile")
    claims = page.locator("#claims")
    expect(claims).to_contain_text("Implementing")
    claims.get_by_label("NMT status").select_option(label="Certified NMT site")
    claims.get_by_role("button", name="Send to the curators").click()
    expect(page.locator("#id_note_error")).to_contain_text("Tell the curators how they can confirm")
    look(page, "profile-mistake")

    page.locator("#claims").get_by_label("Note for the curators").fill(
        "Certified in May; the letter is with our director."
    )
    page.locator("#claims").get_by_role("button", name="Send to the curators").click()
    expect(page.locator(".messages")).to_contain_text("Your request is with the curators.")
    expect(page.locator(".claims__pending")).to_contain_text("Certified NMT site")
    look(page, "profile-waiting")
    request = AgencyStatusRequest.objects.get()
    assert [m.to for m in mailoutbox] == [[curator.email]]

    # Nothing public has changed.
    visitor = other_page()
    visitor.goto("/agencies/?status=certified_site")
    expect(visitor.locator(".agency-grid")).not_to_contain_text("Coastside Family Services")
    visitor.goto(f"/agencies/{agency.slug}/")
    expect(visitor.locator(".status-badge")).to_have_text("Implementing")

    # A curator approves from the change form.
    desk = other_page()
    sign_in(desk, curator.email)
    desk.goto("/admin/members/agencystatusrequest/")
    desk.get_by_role("link", name="Coastside Family Services").click()
    expect(desk).to_have_url(re.compile(rf"/agencystatusrequest/{request.pk}/change/$"))
    desk.get_by_label("Reply from the curator").fill("Welcome, and congratulations.")
    desk.get_by_role("button", name="Approve").click()
    expect(desk.locator(".messagelist")).to_contain_text(
        "Coastside Family Services: Approved. The coordinators have been emailed."
    )

    visitor.goto("/agencies/?status=certified_site")
    expect(visitor.locator(".agency-grid")).to_contain_text("Coastside Family Services")
    visitor.goto(f"/agencies/{agency.slug}/")
    expect(visitor.locator(".status-badge")).to_have_text("Certified NMT site")
    look(visitor, "public-profile")
    assert mailoutbox[-1].to == [coordinator.email]

    page.reload()
    expect(page.locator(".claims__answer")).to_contain_text("Approved")
    expect(page.locator(".claims__answer")).to_contain_text("Welcome, and congratulations.")
    expect(page.locator(".claims__pending")).to_have_count(0)
    look(page, "profile-answered")
    assert AgencyStatusRequest.objects.get().state == RequestState.APPROVED
