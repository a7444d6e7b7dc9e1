"""A practitioner browses the catalogue: filter, open a training, add it to their calendar."""

import datetime as dt
import re
import zoneinfo
from pathlib import Path

import icalendar
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from members.models import County
from tests.factories import TrainingFactory
from trainings.models import Format, Kind

PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")


def pacific(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PACIFIC)


@pytest.fixture
def catalogue(live_server):
    """Five upcoming trainings; the San Mateo Phase I cohort meets three Wednesdays in a row."""
    today = timezone.localdate()
    first = today + dt.timedelta(days=20)
    first += dt.timedelta(days=(2 - first.weekday()) % 7)
    cohort_days = [first + dt.timedelta(weeks=week) for week in range(3)]
    cohort = TrainingFactory(
        title="Phase I Cohort, San Mateo",
        kind=Kind.PHASE_1,
        county=County.SAN_MATEO,
        format=Format.HYBRID,
        sessions=[(pacific(day, 9), pacific(day, 16)) for day in cohort_days],
    )
    return {
        "cohort": cohort,
        "phase_1_santa_clara": TrainingFactory(
            title="Phase I Cohort, Santa Clara",
            kind=Kind.PHASE_1,
            county=County.SANTA_CLARA,
            venue_address="1075 E Santa Clara St, San Jose, CA 95116",
            days_ahead=30,
        ),
        "concepts_san_mateo": TrainingFactory(
            title="Regulate, Relate, Reason", kind=Kind.CONCEPTS, days_ahead=12
        ),
        "concepts_alameda": TrainingFactory(
            title="State-Dependent Functioning in Practice with Teams from Schools, Clinics "
            "and Community-Based Organisations Across the East Bay",
            kind=Kind.CONCEPTS,
            county=County.ALAMEDA,
            venue_address="3200 Adeline St, Berkeley, CA 94703",
            days_ahead=15,
        ),
        "community_of_practice": TrainingFactory(
            title="NMT Community of Practice, monthly meeting",
            kind=Kind.COMMUNITY_OF_PRACTICE,
            format=Format.ONLINE,
            county="",
            days_ahead=8,
        ),
    }


def titles_listed(page: Page) -> set[str]:
    return {text.strip() for text in page.locator(".training-row__title").all_inner_texts()}


def test_practitioner_filters_opens_a_training_and_adds_it_to_the_calendar(
    page: Page, live_server, catalogue, axe_check
):
    cohort = catalogue["cohort"]
    sessions = list(cohort.sessions.order_by("starts_at"))

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check(page)

    page.goto("/trainings/")
    expect(page.locator(".results-count")).to_have_text("5 trainings")
    assert titles_listed(page) == {training.title for training in catalogue.values()}
    axe_check(page)

    # Filter by kind, through the form.
    page.get_by_label("Kind").select_option("phase_1")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"[?&]kind=phase_1(&|$)"))
    expect(page.locator(".results-count")).to_have_text("2 trainings")
    assert titles_listed(page) == {cohort.title, catalogue["phase_1_santa_clara"].title}
    axe_check(page)

    # Then narrow to a county; the kind stays selected.
    expect(page.get_by_label("Kind")).to_have_value("phase_1")
    page.get_by_label("County").select_option("san_mateo")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"[?&]county=san_mateo(&|$)"))
    expect(page.locator(".results-count")).to_have_text("1 training")
    assert titles_listed(page) == {cohort.title}
    axe_check(page)

    # The detail page: every session, in Pacific time with the zone named.
    page.get_by_role("link", name=cohort.title).click()
    expect(page).to_have_url(re.compile(rf"/trainings/{cohort.slug}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(cohort.title)
    expect(page.get_by_role("heading", name="Sessions (3)")).to_be_visible()
    items = page.locator("ol.sessions > li")
    expect(items).to_have_count(3)
    for item, session in zip(items.all(), sessions, strict=True):
        local_start = timezone.localtime(session.starts_at)
        zone = local_start.tzname()
        assert zone in {"PST", "PDT"}
        expect(item).to_contain_text(f"{local_start:%b} {local_start.day}, {local_start.year}")
        expect(item).to_contain_text(f"9:00 AM – 4:00 PM {zone}")
    axe_check(page)

    # Add to calendar: the .ics downloads and holds one event per session.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Add to calendar (.ics)").click()
    download = download_info.value
    assert download.suggested_filename == f"{cohort.slug}.ics"
    calendar = icalendar.Calendar.from_ical(Path(download.path()).read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 3
    assert sorted(event.decoded("dtstart") for event in events) == [s.starts_at for s in sessions]
    assert {event["dtstart"].params["TZID"] for event in events} == {"America/Los_Angeles"}
    assert len({str(event["uid"]) for event in events}) == 3

    # The month calendar shows each of the cohort's sessions in that month, on its day.
    month = timezone.localtime(sessions[0].starts_at).strftime("%Y-%m")
    in_month = [s for s in sessions if f"{timezone.localtime(s.starts_at):%Y-%m}" == month]
    page.goto(f"/trainings/calendar/?month={month}")
    grid_links = page.locator(".calendar-grid").get_by_role("link", name=cohort.title)
    expect(grid_links).to_have_count(len(in_month))
    for link, session in zip(grid_links.all(), in_month, strict=True):
        expect(link).to_be_visible()
        expect(link.locator("time")).to_have_attribute(
            "datetime", timezone.localtime(session.starts_at).isoformat()
        )
    axe_check(page)


@pytest.mark.browser_context_args(viewport={"width": 390, "height": 844})
def test_on_a_phone_the_calendar_is_a_list_and_the_catalogue_fits_the_screen(
    page: Page, live_server, catalogue, axe_check
):
    cohort = catalogue["cohort"]
    first = timezone.localtime(cohort.sessions.order_by("starts_at").first().starts_at)

    page.goto(f"/trainings/calendar/?month={first:%Y-%m}")
    expect(page.locator(".calendar-grid")).to_be_hidden()
    agenda = page.locator(".calendar-agenda")
    expect(agenda).to_be_visible()
    expect(agenda.get_by_role("link", name=cohort.title).first).to_be_visible()
    axe_check(page)

    page.goto("/trainings/")
    expect(page.locator(".results-count")).to_have_text("5 trainings")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    axe_check(page)


def test_a_past_training_says_it_took_place_and_the_archive_shows_no_registration_state(
    page: Page, live_server, axe_check
):
    TrainingFactory(title="Spring concepts day", days_ahead=-40)

    page.goto("/trainings/past/")
    card = page.locator(".training-row", has_text="Spring concepts day")
    expect(card).to_be_visible()
    expect(card.locator(".seats")).to_have_count(0)
    expect(page.get_by_label("Only with free seats")).to_have_count(0)
    axe_check(page)

    card.get_by_role("link", name="Spring concepts day").click()
    expect(page.get_by_role("status").filter(has_text="This training took place:")).to_be_visible()
    expect(page.get_by_text("Registration closes")).to_have_count(0)
    expect(page.get_by_role("button", name="Register")).to_have_count(0)
    expect(page.locator(".breadcrumb").get_by_role("link", name="Past trainings")).to_be_visible()
    axe_check(page)


def test_a_visitor_subscribes_to_the_digest_from_the_footer_in_one_step(
    page: Page, live_server, axe_check
):
    page.goto("/trainings/")
    footer = page.locator("footer")
    footer.get_by_label(re.compile("monthly community digest")).fill("ada@")
    footer.get_by_role("button", name="Subscribe").click()
    # A malformed address: its message beside the field, and the address in no URL.
    expect(page.locator("#id_email_error")).to_be_visible()
    assert "ada" not in page.url

    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_text("Check your inbox at ada@example.org")).to_be_visible()
    assert "ada" not in page.url

    # From the footer of another page, the first time: one step, the same message.
    page.goto("/")
    footer.get_by_label(re.compile("monthly community digest")).fill("grace@example.org")
    footer.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_text("Check your inbox at grace@example.org")).to_be_visible()
    assert "grace" not in page.url
    axe_check(page)
