"""The host's printouts, downloaded: a session's sign-in sheet and the training's name badges,
from the host agency's roster and the admin's. Read back with pypdf."""

import datetime as dt
import io

import pypdf
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import TrainingFactory, UserFactory, days_from_today
from tests.trainings.factories import RegistrationFactory, member
from trainings import selectors
from trainings.models import Format, RegistrationStatus, Training

pytestmark = pytest.mark.django_db


def pages_of(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator.user)
    return client


@pytest.fixture
def hosted(home_agency):
    day_1, day_2 = days_from_today(10), days_from_today(17)
    return TrainingFactory(
        title="Sensory Regulation Strategies",
        slug="sensory",
        host_agency=home_agency,
        sessions=[(day_1, day_1 + dt.timedelta(hours=6)), (day_2, day_2 + dt.timedelta(hours=6))],
    )


@pytest.fixture
def roster(hosted, home_agency, other_agency):
    """Three confirmed people (in no order) and one on the waitlist."""
    for name, email, agency in (
        ("Zoë Zamora", "zoe@example.org", home_agency),
        ("Ana Peña", "ana@example.org", other_agency),
        ("Marco Díaz", "marco@example.org", home_agency),
    ):
        RegistrationFactory(training=hosted, person=member(agency, name=name, email=email),
                            agency=agency)  # fmt: skip
    RegistrationFactory(
        training=hosted,
        person=member(home_agency, name="Wes Waiting", email="wes@example.org"),
        status=RegistrationStatus.WAITLISTED,
    )
    return hosted


def sign_in_url(agency, training, session) -> str:
    return reverse(
        "trainings:agency_hosted_sign_in_pdf",
        kwargs={"slug": agency.slug, "training_slug": training.slug, "session_id": session.pk},
    )


def badges_url(agency, training) -> str:
    return reverse(
        "trainings:agency_hosted_badges",
        kwargs={"slug": agency.slug, "training_slug": training.slug},
    )


def test_the_sign_in_sheet_lists_the_confirmed_people_by_name_without_emails(
    coordinator_client, home_agency, roster
):
    second = roster.sessions.order_by("starts_at")[1]

    response = coordinator_client.get(sign_in_url(home_agency, roster, second))

    (page,) = pages_of(response)
    assert response["Content-Disposition"].startswith('attachment; filename="sensory-sign-in-')
    assert page.index("Ana Peña") < page.index("Marco Díaz") < page.index("Zoë Zamora")
    assert "Hilltop Schools" in page  # Ana registered through her agency
    assert "Wes Waiting" not in page
    assert "@" not in page
    assert "Session 2 of 2" in page
    assert "PST" in page or "PDT" in page
    assert "Health Campus" in page


def test_a_long_roster_takes_several_pages_each_with_the_header_row(
    coordinator_client, home_agency, hosted
):
    Training.objects.filter(pk=hosted.pk).update(capacity=100)
    for n in range(45):
        RegistrationFactory(training=hosted, person=member(home_agency, name=f"Person {n:02d}"),
                            agency=home_agency)  # fmt: skip

    pages = pages_of(
        coordinator_client.get(sign_in_url(home_agency, hosted, hosted.sessions.first()))
    )

    assert len(pages) >= 2
    assert all("# Name Agency Signature" in page for page in pages)
    assert "Person 44" in pages[-1]
    assert f"Page 2 of {len(pages)}" in pages[1]


def test_the_badges_have_a_name_and_agency_each_and_no_email(
    coordinator_client, home_agency, roster
):
    response = coordinator_client.get(badges_url(home_agency, roster))

    (page,) = pages_of(response)
    assert response["Content-Disposition"] == 'attachment; filename="sensory-badges.pdf"'
    for name in ("Ana Peña", "Marco Díaz", "Zoë Zamora"):
        assert name in page
    assert "Wes Waiting" not in page
    assert "@" not in page
    assert page.count("Sensory Regulation Strategies") == 3


def test_an_online_training_has_no_badges(coordinator_client, home_agency):
    online = TrainingFactory(host_agency=home_agency, format=Format.ONLINE, venue_name="")

    assert coordinator_client.get(badges_url(home_agency, online)).status_code == 404


def test_another_training_s_session_answers_404(coordinator_client, home_agency, hosted):
    elsewhere = TrainingFactory(host_agency=home_agency).sessions.get()

    response = coordinator_client.get(sign_in_url(home_agency, hosted, elsewhere))

    assert response.status_code == 404


def test_another_agency_s_training_answers_404(coordinator_client, home_agency, other_agency):
    theirs = TrainingFactory(host_agency=other_agency)

    assert (
        coordinator_client.get(sign_in_url(home_agency, theirs, theirs.sessions.get())).status_code
        == 404
    )
    assert coordinator_client.get(badges_url(home_agency, theirs)).status_code == 404


def test_the_roster_links_to_each_session_s_sheet_and_the_badges(
    coordinator_client, home_agency, roster
):
    url = reverse(
        "trainings:agency_hosted_roster",
        kwargs={"slug": home_agency.slug, "training_slug": roster.slug},
    )

    page = coordinator_client.get(url).content.decode()

    for session in roster.sessions.all():
        assert sign_in_url(home_agency, roster, session) in page
    assert badges_url(home_agency, roster) in page


def test_the_sheet_is_in_the_visitor_s_language(coordinator_client, home_agency, roster):
    url = sign_in_url(home_agency, roster, roster.sessions.first())

    (page,) = pages_of(coordinator_client.get(url, headers={"accept-language": "es"}))

    assert "Hoja de firmas de asistencia" in page
    assert "Sesión 1 de 2" in page


def test_the_rows_take_a_fixed_number_of_queries(django_assert_num_queries, home_agency, roster):
    session = roster.sessions.first()
    Training.objects.filter(pk=roster.pk).update(capacity=100)
    for n in range(20):
        RegistrationFactory(training=roster, person=member(home_agency, name=f"More {n}"),
                            agency=home_agency)  # fmt: skip
    training = selectors.hosted_training(agency=home_agency, slug=roster.slug)

    with django_assert_num_queries(2):  # the session order, the confirmed people
        sheet = selectors.session_sign_in_sheet(training=training, session=session)
    with django_assert_num_queries(1):
        badges = selectors.name_badges(training=training)

    assert len(sheet.rows) == len(badges) == 23


# --- The admin's roster -------------------------------------------------------------------------


def test_curators_print_the_same_from_the_admin(client, curator, roster):
    client.force_login(curator)
    session = roster.sessions.first()

    (sheet,) = pages_of(client.get(reverse("admin:trainings_training_sign_in_pdf",
                                           args=[roster.pk, session.pk])))  # fmt: skip
    (badges,) = pages_of(client.get(reverse("admin:trainings_training_badges", args=[roster.pk])))
    roster_page = client.get(reverse("admin:trainings_training_roster", args=[roster.pk]))

    assert "Ana Peña" in sheet
    assert "@" not in sheet
    assert "Ana Peña" in badges
    assert (
        reverse("admin:trainings_training_badges", args=[roster.pk]) in roster_page.content.decode()
    )


def test_staff_without_the_trainings_permission_are_refused(client, roster):
    staff = UserFactory(email="librarian@example.org", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename="view_resource"))
    client.force_login(staff)

    response = client.get(reverse("admin:trainings_training_badges", args=[roster.pk]))

    assert response.status_code == 403
