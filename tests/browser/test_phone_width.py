"""No page scrolls sideways on a phone (issue #16).

Every GET of the permission matrix that answers an HTML page, opened by the first role that gets
200, at 360 px wide: the document is no wider than the window. Wide tables scroll inside their
own region (``.table-wrap``), one-column grids shrink (``minmax(0, 1fr)``). The coordinator's
manage pages are opened in Spanish too, whose words are longer. The check is seen failing on a
page made too wide on purpose.
"""

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests import url_world
from tests.browser.conftest import sign_in_by_cookie
from tests.conftest import ROLES
from tests.members.test_permissions import MATRIX
from tests.url_world import url_for

world = url_world.world

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}

# How far the document reaches past the window, in CSS pixels (0: it fits), and the elements
# that stick out, to say what to fix.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const over = document.documentElement.scrollWidth - width;
  if (over <= 0) return [0, []];
  const culprits = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0 && element.checkVisibility()) {
      const parent = element.parentElement.getBoundingClientRect();
      if (parent.right <= width + 1 || culprits.length < 3) {
        culprits.push(element.tagName.toLowerCase() + (element.className ? "." +
          String(element.className).trim().split(/\\s+/).join(".") : "") +
          " (right " + Math.round(box.right) + ")");
      }
      if (culprits.length >= 6) break;
    }
  }
  return [over, culprits];
}"""


def overflow(page: Page) -> tuple[int, list[str]]:
    over, culprits = page.evaluate(OVERFLOW)
    return over, culprits


def first_role_with_a_page() -> dict[str, str]:
    """Each GET route of the matrix, and the first role that gets 200."""
    return {
        name: next(role for role in ROLES if row["GET"][role] == 200)
        for name, row in MATRIX.items()
        if any(row["GET"][role] == 200 for role in ROLES)
    }


@pytest.fixture
def phone(browser: Browser, live_server) -> Iterator[Callable[..., Page]]:
    """``phone(user, language)``: a page at 360 px, signed in as ``user`` (None: a visitor)
    through a session cookie, one browser context per person and language."""
    contexts: dict[tuple, BrowserContext] = {}
    pages: dict[tuple, Page] = {}

    def open_page(user=None, language: str = "en") -> Page:
        key = (user.pk if user is not None else None, language)
        if key not in pages:
            context = browser.new_context(base_url=live_server.url, viewport=PHONE)
            sign_in_by_cookie(context, user, live_server.url, language)
            contexts[key] = context
            pages[key] = context.new_page()
        return pages[key]

    yield open_page
    for context in contexts.values():
        context.close()


def too_wide(page: Page, url: str) -> str | None:
    # Asked first with the page's cookies, so a file (a calendar, a PDF) is not downloaded.
    answer = page.request.get(url)
    assert answer.status == 200, (url, answer.status)
    if not (answer.headers.get("content-type") or "").startswith("text/html"):
        return None
    page.goto(url)
    over, culprits = overflow(page)
    if over <= 0:
        return None
    return f"{url}: {over} px too wide; sticking out: {', '.join(culprits)}"


def test_no_page_of_the_matrix_scrolls_sideways_at_360_px(request, world, phone):
    problems, pages = [], 0
    for name, role in first_role_with_a_page().items():
        user = None if role == "anonymous" else request.getfixturevalue(role)
        page = phone(user)
        url = url_for(name, world)
        problem = too_wide(page, url)
        pages += 1
        if problem:
            problems.append(f"{role} {problem}")
    assert pages >= 50
    assert not problems, "Pages wider than a 360 px phone:\n" + "\n".join(problems)


def test_the_coordinators_manage_pages_fit_360_px_in_spanish(request, world, phone):
    coordinator = request.getfixturevalue("coordinator_a")
    page = phone(coordinator, "es")
    problems, pages = [], 0
    for name, row in MATRIX.items():
        if not name.startswith("members:manage") or row["GET"]["coordinator_a"] != 200:
            continue
        problem = too_wide(page, url_for(name, world))
        pages += 1
        if problem:
            problems.append(problem)
    assert pages >= 5
    assert not problems, "Spanish pages wider than a 360 px phone:\n" + "\n".join(problems)


def test_the_width_check_catches_a_page_too_wide(world, phone):
    page = phone()
    page.goto("/")
    assert overflow(page)[0] == 0
    page.evaluate(
        """() => { const table = document.createElement("table");
        table.innerHTML = "<tr><td>" + "wide ".repeat(5) + "</td><td>" +
          "x".repeat(120) + "</td></tr>";
        document.querySelector("main").append(table); }"""
    )
    over, culprits = overflow(page)
    assert over > 0
    assert any(culprit.startswith(("table", "td")) for culprit in culprits), culprits
