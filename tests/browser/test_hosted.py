"""An agency shares its own training, in the browser.

A coordinator proposes a training their agency hosts, led by one of its Phase II trainers; it
waits as "Submitted for review" and is not in the catalogue. A curator publishes it from the
admin's review queue; it then appears in /trainings/ for everyone, and the coordinator keeps its
roster and attendance. A member subscribes to a community-of-practice series from a meeting.

Every portal page visited goes through axe-core (the admin's own pages are Django's, and not
checked). Set ``SCREENSHOTS=<dir>`` to keep a full-page screenshot of every page checked.
"""

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import Page, expect

from members import services as members_services
from members.models import CredentialLevel, Membership, MembershipState, Role
from tests.factories import AgencyFactory, CredentialFactory, UserFactory
from tests.trainings.factories import start_now
from trainings.models import Attendance, Format, Registration, Series, Status, Training
from trainings.services import registration_create, series_generate

PASSWORD = "pw-for-tests-2026"  # UserFactory's password.
TITLE = "Regulation First: Classroom Routines"

pytestmark = pytest.mark.django_db(transaction=True)


def person(email: str, name: str, agency=None, role: str = Role.STAFF, **user_fields):
    """A user with a verified address and a name, in ``agency`` if given."""
    user = UserFactory(email=email, **user_fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    members_services.person_update(
        person=members_services.person_for_user(user=user), display_name=name
    )
    if agency is not None:
        Membership.objects.create(
            person=user.person, agency=agency, role=role, state=MembershipState.ACTIVE
        )
    return user


def sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/me/$"))


@pytest.fixture
def agency(live_server):
    return AgencyFactory(
        name="Coastside Family Services", slug="coastside", county="san_mateo", city="Pacifica"
    )


@pytest.fixture
def coordinator(agency):
    return person("rosa.coordinator@example.org", "Rosa Alvarez", agency, Role.COORDINATOR)


@pytest.fixture
def trainer(agency):
    user = person("tess.trainer@example.org", "Tess Trainer", agency)
    CredentialFactory(person=user.person, level=CredentialLevel.PHASE_1)
    CredentialFactory(person=user.person, level=CredentialLevel.PHASE_2)
    return user


@pytest.fixture
def curator(live_server):
    return person("cleo.curator@example.org", "Cleo Curator", is_staff=True, is_superuser=True)


def test_a_coordinator_proposes_a_training_a_curator_publishes_it_and_it_is_in_the_catalogue(
    page: Page, other_page, agency, coordinator, trainer, curator, look, mailoutbox
):
    day = timezone.localdate() + dt.timedelta(days=40)

    # The coordinator opens their agency's area and follows "Propose a training".
    sign_in(page, coordinator.email)
    page.goto(f"/agencies/{agency.slug}/manage/")
    manage_nav = page.get_by_role("navigation", name="Agency management")
    manage_nav.get_by_role("link", name="Propose a training").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose a training")
    look(page, "propose")

    # A first try without a venue is shown again with the message beside the field.
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Summary").fill("Regulating routines for classrooms, one day.")
    page.get_by_label("Lead trainer").select_option(
        label="Tess Trainer — Phase II / Train-the-Trainer certified (NMT)"
    )
    session_1 = page.get_by_role("group", name="Session 1")
    session_1.get_by_label("Date").fill(f"{day:%Y-%m-%d}")
    session_1.get_by_label("Starts").fill("09:00")
    session_1.get_by_label("Ends").fill("15:30")
    page.get_by_role("button", name="Send for review").click()
    expect(page.locator(".field-error").filter(has_text="Say where")).to_be_visible()
    assert not Training.objects.exists()
    look(page, "propose-mistake")

    page.get_by_label("Venue name").fill("Coastside Family Services, Room 2")
    page.get_by_label("Venue address").fill("1 Harbor Way, Pacifica, CA")
    page.get_by_label("Seats").fill("18")
    page.get_by_role("button", name="Send for review").click()

    # It waits, submitted, in the agency's hosted trainings; the catalogue doesn't show it.
    expect(page).to_have_url(re.compile(rf"/agencies/{agency.slug}/manage/hosted/$"))
    expect(page.locator(".messages")).to_contain_text(f"“{TITLE}” is submitted")
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Submitted for review")
    expect(row).to_contain_text("led by Tess Trainer")
    look(page, "hosted-submitted")
    training = Training.objects.get(title=TITLE)
    assert (training.status, training.host_agency, training.lead_trainer) == (
        Status.SUBMITTED,
        agency,
        trainer.person,
    )
    visitor = other_page()
    visitor.goto("/trainings/")
    expect(visitor.get_by_role("link", name=TITLE)).to_have_count(0)

    # The curators were emailed a link to review it.
    assert [m.to for m in mailoutbox] == [[curator.email]]
    assert f"/admin/trainings/training/{training.pk}/change/" in mailoutbox[0].body

    # A curator publishes it from the admin's review queue.
    desk = other_page()
    sign_in(desk, curator.email)
    desk.goto("/admin/trainings/training/")
    expect(desk.locator(".messagelist")).to_contain_text(
        "1 training proposed by an agency waits for review"
    )
    desk.get_by_role("link", name="Proposed by agencies (1)").click()
    expect(desk.locator("#result_list tbody tr")).to_have_count(1)
    desk.locator("#result_list tbody tr").filter(has_text=TITLE).locator(
        'input[name="_selected_action"]'
    ).check()
    desk.locator('select[name="action"]').select_option(label="Publish selected trainings")
    desk.get_by_role("button", name="Go").click()
    expect(desk.locator(".messagelist")).to_contain_text("Published 1 training.")

    # Everyone now finds it in the catalogue, led by the agency's trainer.
    visitor.goto("/trainings/")
    visitor.get_by_role("link", name=TITLE).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    hosted_by = visitor.get_by_role("complementary").locator(".card").filter(has_text="Hosted by")
    expect(hosted_by).to_contain_text("Coastside Family Services")
    expect(hosted_by).to_contain_text("Led by Tess Trainer")
    look(visitor, "published-detail")
    visitor.goto("/trainings/")
    look(visitor, "catalogue")

    # The host's coordinators were told; the hosted list links the public page now.
    assert mailoutbox[-1].to == [coordinator.email]
    page.reload()
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Published")
    expect(row.get_by_role("link", name=TITLE, exact=True)).to_be_visible()


def test_the_host_marks_attendance_and_writes_notes_for_a_series_meeting(
    page: Page, other_page, agency, coordinator, look
):
    series = Series.objects.create(
        title="Coastside peer consultation, first Tuesday",
        slug="coastside-peer-consultation",
        summary="Bring a case question or an implementation win.",
        model="nmt",
        format=Format.ONLINE,
        host_agency=agency,
        capacity=20,
        rule="FREQ=MONTHLY;BYDAY=1TU",
        start_time=dt.time(12),
        duration_minutes=90,
        first_date=timezone.localdate() + dt.timedelta(days=1),
    )
    meeting = series_generate(series=series, until=timezone.localdate() + dt.timedelta(days=70))[0]
    guest_agency = AgencyFactory(name="Hilltop Schools", slug="hilltop")
    guest = person("gus.guest@example.org", "Gus Guest", guest_agency)
    registration_create(
        training=meeting, person=guest.person, agency=guest_agency, registered_by=guest
    )
    start_now(meeting)  # attendance is marked once the meeting has begun

    # The coordinator opens the meeting's roster from the hosted trainings.
    sign_in(page, coordinator.email)
    page.goto(f"/agencies/{agency.slug}/manage/")
    page.get_by_role("navigation", name="Agency management").get_by_role(
        "link", name="Hosted trainings"
    ).click()
    look(page, "hosted")
    page.get_by_role("row").filter(has_text=meeting.title).get_by_role(
        "link", name="Roster"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(meeting.title)
    look(page, "roster")

    page.get_by_label("Attendance of Gus Guest").select_option(label="Excused")
    page.get_by_role("button", name="Save attendance").click()
    expect(page.locator(".messages")).to_contain_text("Attendance saved for 1 person.")
    assert Registration.objects.get(person=guest.person).attendance == Attendance.EXCUSED

    page.get_by_role("textbox", name="Notes for members").fill("We talked about **transitions**.")
    page.get_by_role("button", name="Save the notes").click()
    expect(page.locator(".messages")).to_contain_text("The notes are saved.")
    look(page, "roster-with-notes")

    # A member reads the notes on the meeting's page and finds the series' feed there.
    member_page = other_page()
    sign_in(member_page, guest.email)
    member_page.goto(meeting.get_absolute_url())
    notes = member_page.get_by_role("region", name="Meeting notes")
    expect(notes.locator("strong")).to_have_text("transitions")
    subscribe = member_page.get_by_role("button", name="Subscribe to this series")
    expect(subscribe).to_have_attribute("href", f"/trainings/series/{series.slug}.ics")
    look(member_page, "meeting")
    response = member_page.request.get(f"/trainings/series/{series.slug}.ics")
    assert response.ok
    assert response.text().count("BEGIN:VEVENT") == series.meetings.count()
