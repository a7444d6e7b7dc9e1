"""Attendance and certificates, in the browser.

A host opens the check-in page of a session that is on now and reads out its code; an attendee
on a phone-sized screen signs in, opens the check-in link and is checked in. The coordinator
downloads the agency's certificates of a past training as one ZIP, and a visitor verifies a
certificate's code. Every portal page visited goes through axe-core; set ``SCREENSHOTS=<dir>``
to keep a screenshot of each.
"""

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pypdf
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from members.models import Role
from tests.browser.test_hosted import person, sign_in
from tests.factories import AgencyFactory, TrainingFactory
from tests.trainings.factories import RegistrationFactory
from trainings.models import Certificate, SessionAttendance
from trainings.services import attendance_mark

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def agency(live_server):
    return AgencyFactory(name="Coastside Family Services", slug="coastside", county="san_mateo")


@pytest.fixture
def coordinator(agency):
    return person("rosa.coordinator@example.org", "Rosa Alvarez", agency, Role.COORDINATOR)


def test_the_host_shows_the_code_and_an_attendee_checks_in_from_a_phone(
    page: Page, new_context, agency, coordinator, look
):
    now = timezone.now()
    training = TrainingFactory(
        title="NMT concepts, drop-in",
        host_agency=agency,
        sessions=[(now - dt.timedelta(minutes=10), now + dt.timedelta(hours=2))],
    )
    attendee = person("ana.attendee@example.org", "Ana Attendee", agency)
    RegistrationFactory(training=training, person=attendee.person, agency=agency)

    sign_in(page, coordinator.email)
    page.goto(f"/agencies/{agency.slug}/manage/hosted/{training.slug}/roster/")
    page.get_by_role("link", name="Show the check-in code (phone or projector)").click()
    expect(page.locator(".check-in-code svg")).to_be_visible()
    code = page.get_by_label("Check-in code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    expect(page.get_by_text("0 of 1 confirmed participants checked in.")).to_be_visible()
    look(page, "check-in-host")

    phone = new_context(viewport=PHONE).new_page()
    phone.goto(f"/check-in/{code}/")
    expect(phone).to_have_url(re.compile(r"/accounts/login/"))
    phone.get_by_label("Email").fill(attendee.email)
    phone.get_by_label("Password", exact=True).fill("pw-for-tests-2026")
    phone.get_by_role("button", name="Sign in").click()
    expect(phone).to_have_url(re.compile(rf"/check-in/{code}/$"))
    look(phone, "check-in-confirm-phone")
    phone.get_by_role("button", name=re.compile("Check me in")).click()
    expect(phone.get_by_role("heading", name="You are checked in")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    look(phone, "checked-in-phone")
    assert SessionAttendance.objects.get().registration.person == attendee.person

    page.reload()
    expect(page.get_by_text("1 of 1 confirmed participants checked in.")).to_be_visible()


def test_the_coordinator_downloads_the_zip_and_a_visitor_verifies_a_code(
    page: Page, other_page, agency, coordinator, look
):
    training = TrainingFactory(title="NMT Phase I, spring", host_agency=agency, days_ahead=-5)
    names = ["José Núñez", "Mei Chen"]
    registrations = [
        RegistrationFactory(
            training=training,
            person=person(f"p{n}@example.org", name, agency).person,
            agency=agency,
        )
        for n, name in enumerate(names)
    ]
    attendance_mark(
        training=training, marks={r.pk: "attended" for r in registrations}, marked_by=None
    )
    certificate = Certificate.objects.get(registration=registrations[0])

    sign_in(page, coordinator.email)
    page.goto(f"/agencies/{agency.slug}/manage/")
    page.get_by_role("link", name="Certificates", exact=True).first.click()
    look(page, "agency-certificates")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download \\(ZIP\\)")).click()
    download = download_info.value
    assert download.suggested_filename == f"certificates-{training.slug}.zip"
    with zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes())) as archive:
        assert len(archive.namelist()) == 2
        first = archive.read(archive.namelist()[0])
    text = pypdf.PdfReader(io.BytesIO(first)).pages[0].extract_text()
    assert "Certificate of attendance" in text

    visitor = other_page()
    visitor.goto("/certificates/")
    look(visitor, "verify-form")
    visitor.get_by_label("Verification code").fill("nonsense")
    visitor.get_by_role("button", name="Verify").click()
    expect(visitor.get_by_text("A verification code has 20 letters and digits")).to_be_visible()
    visitor.get_by_label("Verification code").fill(certificate.display_code.lower())
    visitor.get_by_role("button", name="Verify").click()
    expect(visitor.get_by_text("Valid.")).to_be_visible()
    expect(visitor.get_by_text("José Núñez")).to_be_visible()
    look(visitor, "verify-valid")
