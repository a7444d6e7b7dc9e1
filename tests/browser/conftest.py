"""The browser-test harness: pytest-playwright driving the system Chromium against `live_server`.

What every test under tests/browser gets:

- The ``browser`` marker, so ``pytest -m "not browser"`` leaves them out.
- The system Chromium (``/usr/bin/chromium``, or ``$CHROMIUM_PATH``) with the flags below.
  Playwright never downloads a browser: do not run ``playwright install``. When the binary is
  missing the tests are skipped on a workstation and fail under ``CI=true``, so CI cannot go
  green without having driven a browser.
- ``page`` opens on Django's ``live_server`` (the context's ``base_url``), so tests write
  ``page.goto("/trainings/")``. pytest-django gives every test that depends on ``live_server``
  a transactional database: rows the test creates are committed, so the server thread sees them,
  and the tables are flushed afterwards.
- A full-page screenshot of a failed test in ``test-results/<test id>/failure.png`` (the
  directory follows pytest-playwright's ``--output``; it is emptied at the start of each run).
- ``other_page()``: a page in a fresh browser context, for a second person in the same test
  (signed out, own cookies); screenshotted on failure too.
- ``axe_check(page)``: runs axe-core on the page and fails on serious or critical violations.
- Content-Security-Policy: every page (``page`` and ``other_page()``) listens for CSP violations
  (Chromium's console reports and ``securitypolicyviolation`` events); any violation fails the
  test, once it has run, with the directive and what was blocked. The portal's CSP allows no
  inline script or style, so an ``onclick=`` or a ``style=`` attribute in a template shows up
  here. ``csp_violations(page)`` returns a page's violations so far.

Playwright's sync API keeps an asyncio loop running on the main thread while it is started.
Django then refuses ORM calls from that thread (``SynchronousOnlyOperation``) unless
``DJANGO_ALLOW_ASYNC_UNSAFE`` is set. So Playwright lives only as long as this package's tests
(the plugin's session-scoped fixtures are overridden below with package scope), and the variable
is set for exactly that span: the rest of the suite runs with Django's guard on and no loop.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserType, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

HERE = Path(__file__).resolve().parent

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    # Without these Chromium calls home (updates, field trials, sync) to hosts tests cannot reach.
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]

# axe-core impacts that fail a test. "moderate" and "minor" findings are left to review.
BLOCKING_IMPACTS = frozenset({"serious", "critical"})

_CALL_REPORT = pytest.StashKey[pytest.TestReport]()
_CSP_VIOLATIONS = pytest.StashKey[list[str]]()


def chromium_path() -> Path:
    return Path(os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM)


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _in_this_package(item: pytest.Item) -> bool:
    return HERE in item.path.resolve().parents


# --- Collection and reports ------------------------------------------------------------------


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A conftest's collection hook sees every collected item, not only its own directory's.
    for item in items:
        if _in_this_package(item):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """A test whose pages met a Content-Security-Policy violation fails, after it has run (a
    test failing for another reason lists them too, as a report section)."""
    try:
        result = yield
    except BaseException:
        violations = _reported(item.stash.get(_CSP_VIOLATIONS, []))
        if violations:
            item.add_report_section("call", "CSP violations", "\n".join(violations))
        raise
    violations = _reported(item.stash.get(_CSP_VIOLATIONS, []))
    if violations:
        pytest.fail(
            f"{len(violations)} Content-Security-Policy violation(s):\n"
            + "\n".join(f"- {v}" for v in violations),
            pytrace=False,
        )
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_CALL_REPORT] = report
    return report


# --- Django next to Playwright ---------------------------------------------------------------


@pytest.fixture(scope="package", autouse=True)
def _django_allow_async_unsafe() -> Iterator[None]:
    # Autouse and package-scoped, so it is set up before Playwright starts and torn down after
    # it stops (see the module docstring).
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


# --- Browser: the system Chromium, for this package only -------------------------------------
# These replace pytest-playwright's session-scoped fixtures of the same names with package-scoped
# ones (everything that depends on `playwright` has to follow it). They keep the plugin's options:
# --headed, --slowmo, --device, --video, --tracing.


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """The plugin's launch options plus the system Chromium and its flags."""
    executable = chromium_path()
    if not executable.is_file() or not os.access(executable, os.X_OK):
        reason = (
            f"Chromium not found at {executable} (set CHROMIUM_PATH, or install the Debian "
            "package `chromium`; never `playwright install`)."
        )
        if _on_ci():
            pytest.fail(f"CI=true and the browser tests cannot run: {reason}", pytrace=False)
        pytest.skip(reason)
    args = list(CHROMIUM_ARGS)
    if browser_type_launch_args.get("headless") is False:  # --headed
        args.remove("--headless")
    return {**browser_type_launch_args, "executable_path": str(executable), "args": args}


@pytest.fixture(scope="package")
def playwright(_pw_api_request_contexts: Any) -> Iterator[Playwright]:
    pw = sync_playwright().start()
    if _pw_api_request_contexts:
        _pw_api_request_contexts.instrument(pw)
    yield pw
    pw.stop()


@pytest.fixture(scope="package")
def browser_type(playwright: Playwright, browser_name: str) -> BrowserType:
    return getattr(playwright, browser_name)


@pytest.fixture(scope="package")
def launch_browser(
    browser_type_launch_args: dict, browser_type: BrowserType
) -> Callable[..., Browser]:
    def launch(**kwargs: Any) -> Browser:
        return browser_type.launch(**{**browser_type_launch_args, **kwargs})

    return launch


@pytest.fixture(scope="package")
def browser(launch_browser: Callable[..., Browser]) -> Iterator[Browser]:
    browser = launch_browser()
    yield browser
    browser.close()


@pytest.fixture(scope="package")
def browser_context_args(
    pytestconfig: pytest.Config,
    playwright: Playwright,
    device: str | None,
    live_server: Any,
    _pw_artifacts_folder: Any,
) -> dict:
    args: dict[str, Any] = {}
    if device:
        args.update(playwright.devices[device])
    args["base_url"] = live_server.url
    if pytestconfig.getoption("--video") in {"on", "retain-on-failure"}:
        args["record_video_dir"] = _pw_artifacts_folder.name
    return args


# --- Content-Security-Policy violations --------------------------------------------------------

# Reports each violation on the console, with what Chromium's own message leaves out (the
# blocked address, the source line, the first characters of an inline script or style).
# Init scripts run outside the page's CSP.
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(
    "Content Security Policy violation (event): " + event.effectiveDirective + " blocked "
    + (event.blockedURI || "?") + " at " + (event.sourceFile || event.documentURI) + ":"
    + event.lineNumber + (event.sample ? " [" + event.sample + "]" : "")
  );
});
"""


_EVENT = "Content Security Policy violation (event)"


def _reported(messages: list[str]) -> list[str]:
    """Chromium reports each violation twice, on the console and as an event (with more
    detail): the events, or Chromium's messages if no event came."""
    events = [message for message in messages if message.startswith(_EVENT)]
    return events or messages


def _watch_csp(page: Page, request: pytest.FixtureRequest) -> None:
    """Record every CSP violation of ``page`` on the test item (see pytest_runtest_call)."""
    violations = request.node.stash.setdefault(_CSP_VIOLATIONS, [])
    page.add_init_script(_REPORT_VIOLATIONS)

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{message.text} (on {page.url})")

    page.on("console", on_console)
    page.csp_violations = violations  # type: ignore[attr-defined]


@pytest.fixture
def csp_violations() -> Callable[[Page], list[str]]:
    """``csp_violations(page)``: the CSP violations ``page`` has met so far."""
    return lambda page: _reported(page.csp_violations)


@pytest.fixture
def page(page: Page, request: pytest.FixtureRequest, output_path: str) -> Iterator[Page]:
    """pytest-playwright's page, screenshotted (full page) when the test fails. It answers
    "OK" to confirmation dialogs (cancel a registration?), as the person clicking means it.
    A CSP violation on it fails the test."""
    page.on("dialog", lambda dialog: dialog.accept())
    _watch_csp(page, request)
    yield page
    report = request.node.stash.get(_CALL_REPORT, None)
    if report is None or not report.failed:
        return
    path = Path(output_path) / "failure.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=path, full_page=True, timeout=10_000)
    except PlaywrightError as exc:
        # The test has already failed; a missing screenshot must not hide why.
        report.sections.append(("Screenshot on failure", f"could not be taken: {exc}"))
    else:
        report.sections.append(("Screenshot on failure", f"{path} (at {page.url})"))


@pytest.fixture
def other_page(
    new_context: Callable[..., Any], request: pytest.FixtureRequest, output_path: str
) -> Iterator[Callable[[], Page]]:
    """``other_page()``: a page in a fresh browser context, i.e. another person, signed out.

    Each call opens a new context (its own cookies), on ``live_server`` like ``page``. When the
    test fails, each of these pages is screenshotted too, as ``failure-other-<n>.png``.
    """
    pages: list[Page] = []

    def open_page() -> Page:
        pages.append(new_context().new_page())
        pages[-1].on("dialog", lambda dialog: dialog.accept())
        _watch_csp(pages[-1], request)
        return pages[-1]

    yield open_page
    report = request.node.stash.get(_CALL_REPORT, None)
    if report is None or not report.failed:
        return
    for number, other in enumerate(pages, start=1):
        path = Path(output_path) / f"failure-other-{number}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            other.screenshot(path=path, full_page=True, timeout=10_000)
        except PlaywrightError as exc:
            report.sections.append((f"Screenshot of other page {number}", f"not taken: {exc}"))
        else:
            report.sections.append((f"Screenshot of other page {number}", f"{path} ({other.url})"))


# --- Accessibility ----------------------------------------------------------------------------


def _format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe-core: {len(violations)} serious or critical violation(s) on {url}"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}")
            if node.get("failureSummary"):
                summary = " ".join(node["failureSummary"].split())
                lines.append(f"       {summary}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def _axe() -> Axe:
    return Axe()


@pytest.fixture
def axe_check(_axe: Axe) -> Callable[[Page], None]:
    """``axe_check(page)``: fail the test when axe-core finds a serious or critical violation.

    Runs every axe-core rule (WCAG 2.x A/AA and best practices) on the page as it is now, so call
    it after the page has settled. The failure lists each rule id and impact with the selectors of
    the offending nodes. Moderate and minor findings do not fail the test.
    """

    def check(page: Page) -> None:
        results = _axe.run(page)
        blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
        if blocking:
            pytest.fail(_format_violations(page.url, blocking), pytrace=False)

    return check


@pytest.fixture(autouse=True)
def _emails_link_to_live_server(settings, live_server):
    """Links in emails point at the live server, so a test follows them as a person would."""
    settings.SITE_URL = live_server.url


@pytest.fixture
def look(axe_check, request):
    """``look(page, name)``: axe-check the page, and screenshot it when SCREENSHOTS is set."""
    folder = os.environ.get("SCREENSHOTS")
    count = 0

    def check(page: Page, name: str) -> None:
        nonlocal count
        axe_check(page)
        if folder:
            count += 1
            path = Path(folder) / request.node.name / f"{count:02d}-{name}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=path, full_page=True)

    return check


def sign_in_by_cookie(context: Any, user: Any, base_url: str, language: str = "en") -> None:
    """Sign ``context`` in as ``user`` (None: a visitor) with a session cookie, as
    ``Client.force_login`` does, in ``language``: no trip through the sign-in form."""
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language}]
    if user is not None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session})
    context.add_cookies([{**cookie, "url": base_url} for cookie in cookies])
