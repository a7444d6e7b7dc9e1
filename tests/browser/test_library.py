"""The resource library in the browser.

1. A curator adds a resource with a PDF in Django admin and publishes it; an anonymous visitor
   finds it with a public search and downloads it.
2. A member shares a practice; a curator publishes it from the admin's list action; the member
   is emailed, and follows the link.

Every page of the portal the journeys visit goes through axe-core (the admin's own pages are
Django's, and not checked). Emails go to Django's locmem outbox (``mailoutbox``): ``live_server``
runs in this process, and the outbox rows are sent after commit, eagerly.

Set ``SCREENSHOTS=<dir>`` to keep a full-page screenshot of every page checked, for review.
"""

import re
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from members import services as members_services
from members.models import Membership, MembershipState, Role
from resources.models import Resource, ResourceStatus, Topic
from tests.factories import AgencyFactory, UserFactory
from tests.resources.factories import PDF_BYTES, ResourceFactory

PASSWORD = "pw-for-tests-2026"  # UserFactory's password.

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def person(email: str, name: str, **user_fields):
    """A user with a verified address and a name."""
    user = UserFactory(email=email, **user_fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    members_services.person_update(
        person=members_services.person_for_user(user=user), display_name=name
    )
    return user


@pytest.fixture
def curator(live_server):
    return person("cleo.curator@example.org", "Cleo Curator", is_staff=True, is_superuser=True)


@pytest.fixture
def sharing_member(live_server):
    user = person("mara.lopez@example.org", "Mara Lopez")
    agency = AgencyFactory(name="Coastside Family Services", slug="coastside")
    Membership.objects.create(
        person=user.person, agency=agency, role=Role.STAFF, state=MembershipState.ACTIVE
    )
    return user


@pytest.fixture
def library(live_server):
    """A few published resources around the one the journeys add."""
    topic = Topic.objects.get_or_create(
        slug="sensory-regulation", defaults={"name": "Sensory regulation"}
    )[0]
    ResourceFactory(
        title="Sensory diets at home",
        summary="A caregiver's guide to small sensory breaks through the day.",
        topics=[topic],
    )
    ResourceFactory(
        title="Supervision notes template",
        summary="A page for reflective supervision.",
        visibility="members",
    )


def sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/me/$"))


def link_in(body: str, path_pattern: str) -> str:
    links = re.findall(rf"https?://[^\s\"'<>]+{path_pattern}", body)
    assert len(set(links)) == 1, body
    return links[0]


def test_curator_adds_a_pdf_in_the_admin_and_a_visitor_finds_and_downloads_it(
    page: Page, other_page, curator, library, look
):
    title = "Regulation ladder worksheet"

    # The curator signs in through the portal's form, then opens the admin's add page.
    page.goto("/accounts/login/")
    look(page, "sign-in")
    sign_in(page, curator.email)
    page.goto("/admin/resources/resource/add/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add resource")

    page.locator("#id_title").press_sequentially(title)
    expect(page.locator("#id_slug")).to_have_value("regulation-ladder-worksheet")  # filled in
    page.locator("#id_kind").select_option(label="Worksheet")
    page.locator("#id_summary").fill(
        "A one-page ladder for noticing dysregulation early, step by step."
    )
    page.locator("#id_body").fill("Print it, **laminate** it, keep it by the door.")
    page.locator("#id_file").set_input_files(
        files=[{"name": "ladder.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    page.locator("#id_status").select_option(label="Published")
    page.locator('input[name="_save"]').click()

    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    resource = Resource.objects.get(slug="regulation-ladder-worksheet")
    assert resource.status == ResourceStatus.PUBLISHED
    assert resource.file_type == "application/pdf"
    assert resource.published_at is not None

    # A visitor, not signed in, searches the library and finds it first.
    visitor = other_page()
    visitor.goto("/resources/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Resource library")
    look(visitor, "library")
    visitor.get_by_label("Search", exact=True).fill("laminated ladder")
    visitor.get_by_role("button", name="Search").click()
    expect(visitor).to_have_url(re.compile(r"[?&]q=laminated\+ladder"))
    expect(visitor.locator(".results-count")).to_have_text("1 resource")
    card = visitor.get_by_role("article").filter(has_text=title)
    expect(card.locator("mark")).to_have_text("laminate")  # the body's word, stemmed
    look(visitor, "search")

    # Its page, and the download: the PDF itself, as an attachment.
    card.get_by_role("link", name=title).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(title)
    expect(visitor.locator(".prose strong")).to_have_text("laminate")
    look(visitor, "detail")
    with visitor.expect_download() as download_info:
        visitor.get_by_role("button", name=re.compile(r"^Download")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF")


def test_member_shares_a_practice_a_curator_publishes_it_and_the_member_is_emailed(
    page: Page, other_page, curator, sharing_member, library, mailoutbox, look
):
    title = "Morning check-ins that settled our classrooms"

    # The member signs in and shares a practice, with a link.
    sign_in(page, sharing_member.email)
    page.goto("/resources/")
    page.get_by_role("link", name="Share a resource or a practice that worked for you").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Share a resource or practice")
    look(page, "share")
    page.get_by_label("Title").fill(title)
    page.get_by_label("What is it?").select_option(label="Implementation story")
    page.get_by_label("Summary").fill("A two-minute check-in at the door, every morning.")
    page.get_by_label("Description").fill(
        "We asked one question at the door. After six weeks, **fewer** mornings started in crisis."
    )
    page.get_by_label("Model").select_option(label="NME")
    page.get_by_label("Sensory regulation").check()
    page.get_by_label("Or a link").fill("https://example.org/check-ins")
    page.get_by_label("Shared on behalf of").select_option(label="Coastside Family Services")
    page.get_by_role("button", name="Send for review").click()

    expect(page).to_have_url(re.compile(r"/resources/$"))
    expect(page.get_by_role("status")).to_have_text(
        "Thank you! Curators will review your proposal and email you."
    )
    expect(page.get_by_role("link", name=title)).to_have_count(0)  # not public yet
    look(page, "shared")
    resource = Resource.objects.get(title=title)
    assert resource.status == ResourceStatus.SUBMITTED

    # The curators were told, with a link to review it.
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [curator.email]
    review_link = link_in(mailoutbox[0].body, rf"/admin/resources/resource/{resource.pk}/change/")

    # A curator, in their own browser, publishes it from the moderation queue.
    desk = other_page()
    sign_in(desk, curator.email)
    desk.goto(review_link)
    expect(desk.locator("#id_title")).to_have_value(title)
    desk.goto("/admin/resources/resource/")
    expect(desk.locator(".messagelist")).to_contain_text("1 submission waits for review")
    desk.get_by_role("link", name="Waiting for review (1)").click()
    row = desk.locator("#result_list tbody tr").filter(has_text=title)
    expect(desk.locator("#result_list tbody tr")).to_have_count(1)
    row.locator('input[name="_selected_action"]').check()
    desk.locator('select[name="action"]').select_option(label="Publish selected resources")
    desk.get_by_role("button", name="Go").click()
    expect(desk.locator(".messagelist")).to_contain_text("Published 1 resource.")

    # The member is emailed, and the link opens the published page.
    assert len(mailoutbox) == 2
    published = mailoutbox[1]
    assert published.to == [sharing_member.email]
    assert published.subject == f"Published: “{title}”"
    page.goto(link_in(published.body, rf"/resources/{resource.slug}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("main")).to_contain_text("Implementation story")
    expect(page.get_by_role("main")).to_contain_text("Coastside Family Services")
    expect(page.get_by_role("button", name=re.compile("Open the resource"))).to_have_attribute(
        "href", "https://example.org/check-ins"
    )
    look(page, "published")

    # And anyone now finds it in the library.
    visitor = other_page()
    visitor.goto("/resources/?q=check-in")
    expect(visitor.get_by_role("link", name=title)).to_be_visible()
    look(visitor, "found")


@pytest.mark.browser_context_args(viewport={"width": 390, "height": 844})
def test_on_a_phone_the_library_pages_fit_the_screen(page: Page, library, look):
    resource = Resource.objects.get(title="Sensory diets at home")
    for path in ("/resources/", "/resources/?q=sensory", resource.get_absolute_url()):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        look(page, path.strip("/").replace("/", "-").replace("?", "-") or "home")


def test_a_members_only_resource_asks_the_visitor_to_sign_in_and_comes_back(
    page: Page, sharing_member, library, look
):
    resource = Resource.objects.get(title="Supervision notes template")
    page.goto("/resources/")
    card = page.get_by_role("article").filter(has_text=resource.title)
    expect(card).to_contain_text("Members only")
    card.get_by_role("link", name=resource.title).click()
    expect(page.get_by_role("main")).to_contain_text("This resource is for members")
    look(page, "members-only")

    page.get_by_role("link", name="Sign in to read and download it").click()
    page.get_by_label("Email").fill(sharing_member.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(rf"/resources/{resource.slug}/$"))
    expect(page.get_by_role("button", name=re.compile("Open the resource"))).to_be_visible()
    look(page, "members-only-signed-in")
