"""The certificate pages: public verification (what it says, or revoked), a person's own
downloads and transcript, the coordinator's ZIP per training (their agency's staff only), the
evaluation form, and the aggregated evaluations the host sees."""

import datetime as dt
import io
import zipfile

import pypdf
import pytest
import zxingcpp
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from tests.factories import PersonFactory, TrainingFactory, days_from_today
from tests.trainings.factories import RegistrationFactory, member
from trainings.models import Certificate
from trainings.services import attendance_mark, certificate_revoke, evaluation_submit

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def _attended(training, person=None, *, agency=None, by=None) -> Certificate:
    registration = RegistrationFactory(
        training=training, person=person or PersonFactory(), agency=agency
    )
    attendance_mark(training=training, marks={registration.pk: "attended"}, marked_by=by)
    return Certificate.objects.get(registration=registration)


def _past(**fields):
    return TrainingFactory(days_ahead=-3, **fields)


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_the_verification_page_shows_what_the_certificate_says_and_nothing_else(client):
    person = PersonFactory(display_name="Ana", certificate_name="Ana María Pérez")
    certificate = _attended(_past(title="NMT concepts"), person)

    page = client.get(certificate.get_absolute_url()).content.decode()
    assert "Valid." in page
    assert "Ana María Pérez" in page
    assert "NMT concepts" in page
    assert "6 contact hours" in page
    assert person.user.email not in page
    assert "not a certification of clinical competence" in page
    # Typed in lower case, without dashes, with look-alike letters: the same certificate.
    typed = certificate.code.lower()
    response = client.get(reverse("trainings:certificate_lookup"), {"code": typed})
    assert response.status_code == 302
    assert client.get(response.url).status_code == 200


def test_a_revoked_certificate_says_so_and_codes_that_name_nothing_get_404(client, curator):
    certificate = _attended(_past())
    certificate_revoke(certificate=certificate, by=curator, reason="Issued in error")
    page = client.get(certificate.get_absolute_url()).content.decode()
    assert "has been revoked and is no longer valid" in page
    assert "Valid." not in page

    forged = "0" * 20
    assert client.get(reverse("trainings:certificate_verify", args=[forged])).status_code == 404
    assert client.get(reverse("trainings:certificate_verify", args=["short"])).status_code == 404
    response = client.get(reverse("trainings:certificate_lookup"), {"code": "not-a-code"})
    assert response.status_code == 400
    assert "20 letters and digits" in response.content.decode()


def test_a_person_downloads_their_own_certificate_and_transcript_and_no_one_elses(client):
    mine = _attended(
        _past(title="Concepts, Bay Area cohort"), PersonFactory(certificate_name="Zoë")
    )
    theirs = _attended(_past())
    client.force_login(mine.person.user)

    response = client.get(reverse("trainings:my_certificate_pdf", args=[mine.code]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    text = _text(response.content)
    assert "Zoë" in text
    assert "Concepts, Bay Area cohort" in text
    assert mine.display_code in text
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    qr = next(iter(reader.pages[0].images))
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.data)))
    assert decoded[0].text == mine.verify_url

    other = client.get(reverse("trainings:my_certificate_pdf", args=[theirs.code]))
    assert other.status_code == 404

    transcript = client.get(reverse("trainings:my_transcript_pdf"))
    text = _text(transcript.content)
    assert "Concepts, Bay Area cohort" in text
    assert mine.display_code in text
    assert theirs.display_code not in text

    page = client.get(reverse("trainings:my_certificates")).content.decode()
    assert mine.display_code in page
    assert theirs.display_code not in page
    assert "Concepts, Bay Area cohort" in client.get(reverse("members:me")).content.decode()


def test_the_coordinator_downloads_their_staffs_certificates_as_one_zip(
    client, agency_a, agency_b, coordinator_a, coordinator_b
):
    training = _past(title="Phase I")
    ours = [
        _attended(training, member(agency_a, name=f"Staff {n}"), agency=agency_a) for n in (1, 2)
    ]
    theirs = _attended(training, member(agency_b, name="Other"), agency=agency_b)
    url = reverse(
        "trainings:agency_certificates_zip",
        kwargs={"slug": agency_a.slug, "training_slug": training.slug},
    )
    client.force_login(coordinator_a)
    listing = client.get(reverse("trainings:agency_certificates", args=[agency_a.slug]))
    assert "Phase I" in listing.content.decode()

    response = client.get(url)
    assert response.streaming
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert len(names) == 2
    texts = [_text(archive.read(name)) for name in names]
    assert {c.display_code for c in ours} == {
        c.display_code for c in ours if any(c.display_code in t for t in texts)
    }
    assert not any(theirs.display_code in t for t in texts)

    # Agency B's coordinator: agency A's page does not exist; their own has only their person.
    client.force_login(coordinator_b)
    assert client.get(url).status_code == 404
    own = reverse(
        "trainings:agency_certificates_zip",
        kwargs={"slug": agency_b.slug, "training_slug": training.slug},
    )
    assert (
        len(zipfile.ZipFile(io.BytesIO(b"".join(client.get(own).streaming_content))).namelist())
        == 1
    )


def test_the_evaluation_form_releases_the_certificate_and_the_host_sees_totals_from_five(
    client, agency_a, coordinator_a
):
    training = _past(host_agency=agency_a, evaluation_required=True)
    registrations = [RegistrationFactory(training=training) for _ in range(5)]
    attendance_mark(
        training=training, marks={r.pk: "attended" for r in registrations}, marked_by=None
    )
    assert not Certificate.objects.exists()
    first = registrations[0]
    client.force_login(first.person.user)
    assert "waits for your evaluation" in client.get(reverse("members:me")).content.decode()
    url = reverse("trainings:my_evaluation", args=[first.pk])

    bad = client.post(url, {"content_rating": "9", "trainer_rating": "5", "practice_rating": "5"})
    assert bad.status_code == 400
    assert 'aria-invalid="true"' in bad.content.decode()
    response = client.post(
        url,
        {"content_rating": "5", "trainer_rating": "4", "practice_rating": "3", "comments": "Yes"},
    )
    assert response.status_code == 302
    assert Certificate.objects.get().registration == first

    roster = reverse(
        "trainings:agency_hosted_roster",
        kwargs={"slug": agency_a.slug, "training_slug": training.slug},
    )
    client.force_login(coordinator_a)
    page = client.get(roster).content.decode()
    assert "1 answer so far" in page
    assert "Yes" not in page
    for registration in registrations[1:]:
        evaluation_submit(
            registration=registration, user=registration.person.user, content_rating=4,
            trainer_rating=4, practice_rating=4, comments="",
        )  # fmt: skip
    page = client.get(roster).content.decode()
    assert "5 answers." in page
    assert "4.2" in page
    assert "Yes" in page
    assert first.person.display_name not in page.split("evaluations-heading")[1]


def test_the_host_roster_marks_each_session_and_the_whole_list_at_once(
    client, agency_a, coordinator_a
):
    start = days_from_today(-8)
    training = TrainingFactory(
        host_agency=agency_a,
        sessions=[
            (start, start + 3 * HOUR),
            (start + dt.timedelta(days=7), start + dt.timedelta(days=7, hours=3)),
        ],
    )
    first, second = (RegistrationFactory(training=training) for _ in range(2))
    day_1, day_2 = training.sessions.order_by("starts_at")
    url = reverse(
        "trainings:agency_hosted_roster",
        kwargs={"slug": agency_a.slug, "training_slug": training.slug},
    )
    client.force_login(coordinator_a)
    page = client.get(url).content.decode()
    assert f'name="attendance-{first.pk}-{day_2.pk}"' in page

    client.post(url, {"mark-all-session": day_1.pk, "mark-all-value": "attended"})
    assert first.session_attendance.get().session == day_1
    assert second.session_attendance.get().session == day_1
    client.post(url, {f"attendance-{first.pk}-{day_2.pk}": "attended"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.attendance, second.attendance) == ("attended", "")
    assert Certificate.objects.get().registration == first


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_pages_queries_do_not_grow_with_the_rows(client, agency_a, coordinator_a):
    """The roster's grid, a person's certificates and the agency's list each read a constant
    number of queries, whatever the number of people, sessions marked or certificates."""
    start = days_from_today(-8)
    week = dt.timedelta(days=7)
    training = TrainingFactory(
        host_agency=agency_a,
        sessions=[(start, start + 3 * HOUR), (start + week, start + week + 3 * HOUR)],
    )
    person = PersonFactory()
    roster = reverse(
        "trainings:agency_hosted_roster",
        kwargs={"slug": agency_a.slug, "training_slug": training.slug},
    )
    mine = reverse("trainings:my_certificates")
    listing = reverse("trainings:agency_certificates", args=[agency_a.slug])

    def grow(count):
        for _ in range(count):
            registration = RegistrationFactory(training=training, agency=agency_a)
            attendance_mark(training=training, marks={registration.pk: "attended"}, marked_by=None)
            _attended(_past(), person, agency=agency_a)

    grow(2)
    client.force_login(coordinator_a)
    few = (_queries(client, roster), _queries(client, listing))
    client.force_login(person.user)
    few_mine = _queries(client, mine)
    grow(6)
    client.force_login(coordinator_a)
    assert (_queries(client, roster), _queries(client, listing)) == few
    client.force_login(person.user)
    assert _queries(client, mine) == few_mine
