import datetime as dt
import html
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import PersonFactory, TrainingFactory, pacific
from tests.trainings.factories import RegistrationFactory
from trainings.models import Attendance, Format, Kind, Model, Status, Training
from trainings.services import training_cancel

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
NEXT_YEAR = timezone.now().year + 1
NOT_FOUND = "We couldn’t find that page"


def _get(client, url: str, status: int = 200, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def _rows(page: str) -> int:
    return page.count('<article class="training-row')


def _jsonld(page: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert match, "no JSON-LD in the page"
    return json.loads(match.group(1))


# --- Pages ------------------------------------------------------------------------------------


def test_list_page_shows_upcoming_trainings_with_links_to_their_pages(client):
    training = TrainingFactory(title="Regulate, Relate, Reason")
    TrainingFactory(title="Last spring’s cohort", days_ahead=-90)
    page = _get(client, reverse("trainings:list"))
    assert "Regulate, Relate, Reason" in page
    assert f'href="{training.get_absolute_url()}"' in page
    assert "Last spring’s cohort" not in page
    assert "1 training" in page


def test_list_page_says_so_when_nothing_matches(client):
    TrainingFactory(kind=Kind.CONCEPTS)
    page = _get(client, reverse("trainings:list"), kind="phase_2")
    assert _rows(page) == 0
    assert "No trainings match these filters." in page


def test_detail_page_shows_the_training_and_each_session(client):
    day1, day2 = pacific(NEXT_YEAR, 2, 3, 9), pacific(NEXT_YEAR, 2, 10, 9)
    training = TrainingFactory(
        title="NMT Phase I Cohort",
        summary="Four sessions toward Phase I.",
        sessions=[(day1, day1 + 7 * HOUR), (day2, day2 + 7 * HOUR)],
    )
    page = _get(client, training.get_absolute_url())
    assert "<h1>NMT Phase I Cohort</h1>" in page
    assert "Four sessions toward Phase I." in page
    assert "Sessions (2)" in page
    assert page.count("9:00 AM – 4:00 PM PST") == 2
    assert reverse("trainings:ics", kwargs={"slug": training.slug}) in page


def test_calendar_page_shows_sessions_on_the_local_day_they_start(client):
    # 23:30 Pacific on 9 March is 10 March in UTC.
    late = pacific(NEXT_YEAR, 3, 9, 23, 30)
    TrainingFactory(title="Evening circle", sessions=[(late, late + HOUR)])
    TrainingFactory(title="Other month", sessions=[(late + 40 * DAY, late + 41 * DAY)])
    page = _get(client, reverse("trainings:calendar"), month=f"{NEXT_YEAR}-03")
    assert f"Trainings in March {NEXT_YEAR}" in page
    assert "Evening circle" in page
    assert "Other month" not in page
    agenda = page.split('class="calendar-agenda"')[1]
    assert f"{late:%a}, Mar 9<" in agenda
    assert "March 10" not in agenda
    assert "11:30 PM" in page


def test_calendar_page_marks_cancelled_sessions(client):
    start = pacific(NEXT_YEAR, 5, 5, 10)
    TrainingFactory(title="Called off", sessions=[(start, start + HOUR)], status=Status.CANCELLED)
    page = _get(client, reverse("trainings:calendar"), month=f"{NEXT_YEAR}-05")
    assert "Called off (cancelled)" in page


def test_calendar_page_defaults_to_the_current_month(client):
    today = timezone.localdate()
    page = _get(client, reverse("trainings:calendar"))
    assert f"Trainings in {today:%B %Y}" in page
    assert 'aria-current="date"' in page


def test_past_page_lists_ended_trainings_only(client):
    TrainingFactory(title="Ended cohort", days_ahead=-10)
    TrainingFactory(title="Coming cohort", days_ahead=10)
    page = _get(client, reverse("trainings:past"))
    assert "Ended cohort" in page
    assert "Coming cohort" not in page


def test_archive_cards_show_no_registration_state_and_its_filters_offer_no_free_seats(client):
    TrainingFactory(title="Ended cohort", days_ahead=-10)
    TrainingFactory(title="Called-off cohort", days_ahead=-20, status=Status.CANCELLED)
    page = _get(client, reverse("trainings:past"))
    assert _rows(page) == 2
    assert "Registration closed" not in page
    assert "seats--closed" not in page
    assert page.count('class="seats seats--cancelled">Cancelled</p>') == 1  # it did not happen
    assert 'name="open"' not in page
    assert "Only with free seats" not in page
    # An old link with ?open=1 still lists the archive (an unknown parameter is ignored).
    assert _rows(_get(client, reverse("trainings:past"), open="1")) == 2
    # The catalogue keeps its filter.
    assert 'name="open"' in _get(client, reverse("trainings:list"))


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
def test_a_past_training_page_says_it_took_place_with_its_dates_and_offers_no_registration(
    client, signed_in
):
    start = pacific(2025, 3, 4, 9)
    training = TrainingFactory(
        title="Spring concepts day",
        sessions=[(start, start + 6 * HOUR)],
        registration_opens_at=start - 30 * DAY,
        registration_closes_at=start - 2 * DAY,
    )
    if signed_in:
        client.force_login(PersonFactory().user)
    page = html.unescape(_get(client, training.get_absolute_url()))
    assert "This training took place:" in page
    assert "Tue, Mar 4, 2025" in page  # its date, in the banner and the sessions
    assert "already started" not in page
    assert "Registration opens" not in page
    assert "Registration closes" not in page
    assert "Registration closed" not in page
    assert "Sign in to register" not in page
    assert reverse("trainings:register", kwargs={"slug": training.slug}) not in page


def test_a_past_training_page_tells_a_member_they_were_registered(client):
    training = TrainingFactory(days_ahead=-10)
    registration = RegistrationFactory(training=training, attendance=Attendance.ATTENDED)
    client.force_login(registration.person.user)
    page = _get(client, training.get_absolute_url())
    assert "You were registered. Attended." in page
    assert "Cancel my registration" not in page


def test_a_cancelled_past_training_says_it_did_not_take_place(client):
    training = TrainingFactory(days_ahead=-10, status=Status.CANCELLED)
    page = _get(client, training.get_absolute_url())
    assert "This training has been cancelled." in page
    assert "It did not take place on the dates below." in page
    assert "This training took place" not in page
    assert "Registration closes" not in page


def test_home_page_shows_the_next_trainings(client):
    TrainingFactory(title="Next concepts day", days_ahead=3)
    TrainingFactory(title="Draft concepts day", days_ahead=3, status=Status.DRAFT)
    page = _get(client, reverse("home"))
    assert "Next concepts day" in page
    assert "Draft concepts day" not in page


def test_home_page_says_so_when_nothing_is_scheduled(client):
    page = _get(client, reverse("home"))
    assert "No trainings are scheduled yet." in page


# --- Seats ------------------------------------------------------------------------------------


def _with_seats_taken(training: Training, seats: int) -> Training:
    Training.objects.filter(pk=training.pk).update(seats_taken=seats)
    training.refresh_from_db()
    return training


@pytest.mark.parametrize(
    ("setup", "label"),
    [
        (lambda: _with_seats_taken(TrainingFactory(capacity=20), 8), "12 seats left"),
        (lambda: _with_seats_taken(TrainingFactory(capacity=20), 19), "1 seat left"),
        (lambda: _with_seats_taken(TrainingFactory(capacity=20), 20), "Full — waitlist open"),
        (
            lambda: TrainingFactory(registration_closes_at=timezone.now() - HOUR),
            "Registration closed",
        ),
        (lambda: TrainingFactory(status=Status.CANCELLED), "Cancelled"),
    ],
    ids=["seats-left", "one-seat-left", "full", "closed", "cancelled"],
)
def test_seats_label_on_list_and_detail_pages(client, setup, label):
    training = setup()
    for url in (reverse("trainings:list"), training.get_absolute_url()):
        page = _get(client, url)
        assert re.search(rf'<p class="seats seats--[a-z_]+">{re.escape(label)}</p>', page), url


def test_seats_label_tells_when_registration_opens(client):
    opens = pacific(NEXT_YEAR, 1, 20, 9)
    start = pacific(NEXT_YEAR, 3, 2, 9)
    training = TrainingFactory(sessions=[(start, start + HOUR)], registration_opens_at=opens)
    page = _get(client, training.get_absolute_url())
    assert "Registration opens Jan 20" in page


def test_running_training_says_registration_is_closed(client):
    now = timezone.now()
    training = TrainingFactory(
        sessions=[(now - 2 * DAY, now - 2 * DAY + HOUR), (now + DAY, now + DAY + HOUR)]
    )
    page = _get(client, reverse("trainings:list"))
    assert training.title in page
    assert ">Registration closed<" in page


# --- Times ------------------------------------------------------------------------------------


def test_times_are_shown_in_pacific_standard_time_in_winter(client):
    start = pacific(NEXT_YEAR, 1, 14, 9)  # 17:00 UTC
    training = TrainingFactory(sessions=[(start, start + 6 * HOUR)])
    expected = f"{start:%a}, Jan 14, {NEXT_YEAR} · 9:00 AM – 3:00 PM PST"
    for url in (reverse("trainings:list"), training.get_absolute_url()):
        page = _get(client, url)
        assert expected in page, url
        assert "5:00 PM" not in page
        assert "UTC" not in page


def test_times_are_shown_in_pacific_daylight_time_in_summer(client):
    start = pacific(NEXT_YEAR, 7, 14, 9)  # 16:00 UTC
    training = TrainingFactory(sessions=[(start, start + 6 * HOUR)])
    page = _get(client, training.get_absolute_url())
    assert f"{start:%a}, Jul 14, {NEXT_YEAR} · 9:00 AM – 3:00 PM PDT" in page
    assert "4:00 PM" not in page


def test_session_across_midnight_shows_both_days(client):
    start = pacific(NEXT_YEAR, 2, 5, 22)
    training = TrainingFactory(sessions=[(start, start + 3 * HOUR)])
    page = _get(client, training.get_absolute_url())
    assert f"Feb 5, {NEXT_YEAR} 10:00 PM PST – " in page
    assert f"Feb 6, {NEXT_YEAR} 1:00 AM PST" in page


def test_a_series_is_listed_as_its_span_and_session_count(client):
    days = [pacific(NEXT_YEAR, 4, d, 9) for d in (7, 14, 21, 28)]
    TrainingFactory(sessions=[(d, d + 7 * HOUR) for d in days])
    page = _get(client, reverse("trainings:list"))
    assert f"Apr 7, {NEXT_YEAR} – Apr 28, {NEXT_YEAR} · 4 sessions, first at 9:00 AM PDT" in page


# --- The join link stays private --------------------------------------------------------------


def test_online_join_link_never_appears_in_a_public_page_or_calendar(client):
    secret = "https://meet.example.org/j/secret-join-4242"
    upcoming = TrainingFactory(format=Format.HYBRID, online_url=secret)
    online = TrainingFactory(
        format=Format.ONLINE, online_url=secret, venue_name="", venue_address=""
    )
    ended = TrainingFactory(format=Format.ONLINE, online_url=secret, days_ahead=-5)
    month = timezone.localtime(upcoming.starts_at).strftime("%Y-%m")
    urls = [
        reverse("home"),
        reverse("trainings:list"),
        reverse("trainings:past"),
        f"{reverse('trainings:calendar')}?month={month}",
        reverse("trainings:feed"),
        reverse("sitemap"),
    ]
    for training in (upcoming, online, ended):
        urls += [
            training.get_absolute_url(),
            reverse("trainings:ics", kwargs={"slug": training.slug}),
        ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "secret-join" not in body, url
        assert "meet.example.org" not in body, url
    assert upcoming.title in _get(client, reverse("trainings:list"))


def test_online_training_page_says_the_link_is_sent_to_participants(client):
    training = TrainingFactory(format=Format.ONLINE, online_url="https://meet.example.org/x")
    page = _get(client, training.get_absolute_url())
    assert "The join link is sent to confirmed participants." in page


# --- Drafts, unknown and cancelled trainings --------------------------------------------------


def test_draft_answers_404_to_visitors(client):
    draft = TrainingFactory(status=Status.DRAFT, title="Unannounced cohort")
    for url in (draft.get_absolute_url(), reverse("trainings:ics", kwargs={"slug": draft.slug})):
        page = _get(client, url, status=404)
        assert "Unannounced cohort" not in page
    assert "Unannounced cohort" not in _get(client, reverse("trainings:list"))


def test_draft_is_visible_to_staff_with_a_draft_banner(client, curator):
    draft = TrainingFactory(status=Status.DRAFT, title="Unannounced cohort")
    client.force_login(curator)
    page = _get(client, draft.get_absolute_url())
    assert "Unannounced cohort" in page
    assert "Draft: only curators can see this page" in page
    _get(client, reverse("trainings:ics", kwargs={"slug": draft.slug}))


def test_draft_without_sessions_opens_for_staff(client, curator):
    draft = TrainingFactory(status=Status.DRAFT, sessions=[])
    client.force_login(curator)
    page = _get(client, draft.get_absolute_url())
    assert "application/ld+json" not in page
    assert "Registration closed" in page


def test_unknown_slug_answers_the_styled_404_page(client):
    page = _get(client, reverse("trainings:detail", kwargs={"slug": "no-such-training"}), 404)
    assert NOT_FOUND in page
    _get(client, reverse("trainings:ics", kwargs={"slug": "no-such-training"}), 404)


def test_cancelled_training_shows_a_banner_and_points_to_other_dates(client):
    training = TrainingFactory(status=Status.CANCELLED, kind=Kind.PHASE_1)
    TrainingFactory(kind=Kind.PHASE_1, title="The next Phase I cohort", days_ahead=40)
    page = _get(client, training.get_absolute_url())
    assert "This training has been cancelled." in page
    assert 'href="#other-dates"' in page
    assert "The next Phase I cohort" in page


def test_published_training_has_no_cancelled_banner(client, training):
    page = _get(client, training.get_absolute_url())
    assert "This training has been cancelled." not in page


def test_other_dates_of_the_same_kind_are_offered(client):
    training = TrainingFactory(kind=Kind.COMMUNITY_OF_PRACTICE, model=Model.NMT)
    TrainingFactory(kind=Kind.COMMUNITY_OF_PRACTICE, model=Model.NMT, title="June circle")
    TrainingFactory(kind=Kind.PHASE_2, model=Model.NMT, title="Trainer days")
    page = _get(client, training.get_absolute_url())
    assert "Other dates: Community of practice" in page
    assert "June circle" in page
    assert "Trainer days" not in page


# --- Structured data and map ------------------------------------------------------------------


def test_detail_page_carries_a_parseable_schema_org_event(client):
    start = pacific(NEXT_YEAR, 2, 3, 9)
    training = TrainingFactory(
        title="Caregiver Coaching",
        venue_name="Health Campus",
        venue_address="225 37th Ave, San Mateo, CA",
        sessions=[(start, start + 6 * HOUR)],
    )
    data = _jsonld(_get(client, training.get_absolute_url()))
    assert data["@type"] == "Event"
    assert data["name"] == "Caregiver Coaching"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert dt.datetime.fromisoformat(data["startDate"]) == start
    assert dt.datetime.fromisoformat(data["endDate"]) == start + 6 * HOUR
    assert data["location"]["address"] == "225 37th Ave, San Mateo, CA"
    assert data["url"].endswith(training.get_absolute_url())
    assert data["organizer"]["name"] == training.host_agency.name


def test_cancelled_training_event_says_it_is_cancelled(client):
    training = TrainingFactory()
    training_cancel(training=training)
    data = _jsonld(_get(client, training.get_absolute_url()))
    assert data["eventStatus"] == "https://schema.org/EventCancelled"


def test_hybrid_training_event_has_a_place_and_a_virtual_location_without_the_join_link(client):
    training = TrainingFactory(format=Format.HYBRID, online_url="https://meet.example.org/x")
    data = _jsonld(_get(client, training.get_absolute_url()))
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert [place["@type"] for place in data["location"]] == ["Place", "VirtualLocation"]
    assert data["location"][1]["url"].endswith(training.get_absolute_url())


def test_a_title_that_closes_the_script_element_cannot_break_out_of_the_json(client):
    title = "</script><script>alert(1)</script> & more"
    training = TrainingFactory(title=title)
    page = _get(client, training.get_absolute_url())
    assert _jsonld(page)["name"] == title
    assert "<script>alert(1)" not in page


def test_detail_page_links_the_venue_to_openstreetmap(client):
    training = TrainingFactory(venue_name="Health Campus", venue_address="225 37th Ave, San Mateo")
    page = _get(client, training.get_absolute_url())
    link = re.search(r'<a href="(https://www\.openstreetmap\.org/[^"]+)"', page)
    assert link
    query = parse_qs(urlsplit(html.unescape(link.group(1))).query)["query"]
    assert query == ["Health Campus, 225 37th Ave, San Mateo"]


def test_online_training_has_no_map_link(client):
    training = TrainingFactory(format=Format.ONLINE, venue_name="", venue_address="")
    assert "openstreetmap" not in _get(client, training.get_absolute_url())


# --- Paging -----------------------------------------------------------------------------------


def _next_link(page: str) -> str | None:
    match = re.search(r'<a href="([^"]+)" rel="next">', page)
    return html.unescape(match.group(1)) if match else None


def test_list_pages_by_20_and_the_next_link_keeps_the_filters(client):
    for n in range(25):
        TrainingFactory(title=f"Cohort {n}", kind=Kind.PHASE_1, days_ahead=n + 1)
    TrainingFactory(title="Cohort elsewhere", kind=Kind.CONCEPTS)
    url = reverse("trainings:list")

    first = _get(client, url, kind="phase_1", q="cohort")
    assert _rows(first) == 20
    assert "25 trainings" in first
    next_link = _next_link(first)
    assert next_link
    params = parse_qs(urlsplit(next_link).query)
    assert params == {"kind": ["phase_1"], "q": ["cohort"], "page": ["2"]}

    second = _get(client, url + next_link)
    assert _rows(second) == 5
    assert "Cohort 24" in second
    assert "Cohort elsewhere" not in second
    assert _next_link(second) is None


def test_list_offers_a_feed_of_the_same_filters(client, training):
    page = _get(client, reverse("trainings:list"), kind="concepts", county="san_mateo", page="1")
    link = re.search(r'<a href="([^"]*)">Subscribe to these results', page)
    assert link
    url = urlsplit(html.unescape(link.group(1)))
    assert url.path == reverse("trainings:feed")
    assert parse_qs(url.query) == {"kind": ["concepts"], "county": ["san_mateo"]}
    assert client.get(html.unescape(link.group(1))).status_code == 200


@pytest.mark.parametrize("page", ["3", "0", "-1", "abc", "999999999999999999999"])
def test_a_page_past_the_end_or_not_a_number_answers_the_styled_404(client, page):
    for n in range(25):
        TrainingFactory(days_ahead=n + 1)
    body = _get(client, reverse("trainings:list"), 404, page=page)
    assert NOT_FOUND in body


def test_archive_page_past_the_end_answers_404(client):
    TrainingFactory(days_ahead=-3)
    assert NOT_FOUND in _get(client, reverse("trainings:past"), 404, page=2)


# --- Bad input never causes a 500 -------------------------------------------------------------


# A NUL byte never reaches the filters: RejectNulMiddleware answers 400 first
# (tests/portal/test_middleware.py).
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"kind": "phase_3"}, "Select a valid choice. phase_3 is not one of the available"),
        ({"model": "nmx"}, "Select a valid choice."),
        ({"format": "carrier_pigeon"}, "Select a valid choice."),
        ({"county": "los_angeles"}, "Select a valid choice."),
        ({"start_after": "2026-99-01"}, "Enter a valid date."),
        ({"start_before": "yesterday"}, "Enter a valid date."),
        ({"start_after": "1850-01-01"}, "Enter a date between 2000 and 2100."),
        (
            {"start_after": "2026-12-10", "start_before": "2026-12-01"},
            "“Until” must be on or after “From”.",
        ),
        ({"q": "x" * 5000}, "Ensure this value has at most 200 characters (it has 5000)."),
    ],
    ids=[
        "kind", "model", "format", "county", "bad-date", "word-date", "far-date",
        "reversed-range", "long-q",
    ],
)  # fmt: skip
@pytest.mark.parametrize("url_name", ["trainings:list", "trainings:past"])
def test_bad_filter_answers_400_with_the_message_beside_the_field(
    client, training, url_name, params, message
):
    page = _get(client, reverse(url_name), 400, **params)
    assert 'class="field-error"' in page
    assert message in html.unescape(page)
    assert "Please correct the filters above." in page
    assert _rows(page) == 0


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2026-13", "Enter a month as YYYY-MM, for example 2026-12."),
        ("abc", "Enter a month as YYYY-MM, for example 2026-12."),
        ("2026-1-1", "Enter a month as YYYY-MM, for example 2026-12."),
        ("9999-12", "Enter a month between 2000-01 and 2100-12."),
        ("1999-12", "Enter a month between 2000-01 and 2100-12."),
    ],
)
def test_bad_month_answers_400_with_the_message_and_the_current_month(client, month, message):
    page = _get(client, reverse("trainings:calendar"), 400, month=month)
    assert message in page
    assert f"Trainings in {timezone.localdate():%B %Y}" in page


def test_calendar_offers_no_month_before_2000_01_or_after_2100_12(client):
    first = _get(client, reverse("trainings:calendar"), month="2000-01")
    assert "Trainings in January 2000" in first
    assert 'rel="prev"' not in first
    assert "?month=2000-02" in first
    last = _get(client, reverse("trainings:calendar"), month="2100-12")
    assert "Trainings in December 2100" in last
    assert 'rel="next"' not in last
    assert "?month=2100-11" in last


# --- Markdown ---------------------------------------------------------------------------------


def test_description_markdown_is_rendered_and_sanitised(client):
    training = TrainingFactory(
        description=(
            "**Bring** a notebook.\n\n"
            '<script>alert("owned")</script>\n\n'
            "[Click me](javascript:alert(1)) and "
            '<a href="javascript:alert(2)">me</a> and '
            '<img src="x" onerror="alert(3)">\n\n'
            "[Materials](https://example.org/materials)"
        )
    )
    page = _get(client, training.get_absolute_url())
    prose = page.split('<div class="prose">')[1].split("</div>")[0]
    assert "<strong>Bring</strong> a notebook." in prose
    assert "<script" not in prose
    assert "alert(" not in page
    assert "javascript:" not in page.lower()
    assert "onerror" not in page
    assert '<a href="https://example.org/materials" rel="noopener noreferrer">' in prose


# --- robots.txt, sitemap.xml, /healthz ----------------------------------------------------------


def test_robots_txt_keeps_crawlers_out_of_private_areas_and_names_the_sitemap(client, settings):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Disallow: /admin/" in body
    assert "Disallow: /me/" in body
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in body


def test_sitemap_lists_public_trainings_but_not_drafts(client):
    published = TrainingFactory()
    cancelled = TrainingFactory(status=Status.CANCELLED)
    ended = TrainingFactory(days_ahead=-30)
    draft = TrainingFactory(status=Status.DRAFT)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    body = response.content.decode()
    for training in (published, cancelled, ended):
        assert f"{training.get_absolute_url()}</loc>" in body
    assert draft.get_absolute_url() not in body
    assert f"{reverse('trainings:calendar')}</loc>" in body


def test_healthz_reports_database_and_redis_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"]["ok"] is True
    assert data["redis"]["ok"] is True
    assert "no-cache" in response["Cache-Control"]


def test_healthz_stays_200_but_degraded_when_redis_is_unreachable(client, settings):
    """The site works without Redis (email waits in the outbox): a load balancer must keep it."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "degraded"
    assert data["redis"]["ok"] is False
    assert data["database"]["ok"] is True
