"""Curators' reports in the admin: each training's registrations, attendance and no-show rate
(a page and its CSV), each agency's staff by stage (CSV), and the practice follow-up's answers.

The numbers are checked against small fixtures counted by hand.
"""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import CredentialLevel, MembershipState
from tests.factories import (
    AgencyFactory,
    CredentialFactory,
    MembershipFactory,
    TrainingFactory,
    pacific,
)
from tests.trainings.factories import RegistrationFactory
from trainings.models import Attendance, Kind, PracticeReport, RegistrationStatus, Status
from trainings.selectors import training_attendance_report

pytestmark = pytest.mark.django_db

REPORT = "admin:trainings_training_attendance_report"
REPORT_CSV = "admin:trainings_training_attendance_report_csv"
STAGES_CSV = "admin:members_agency_staff_by_stage_csv"

CONFIRMED, WAITLISTED, CANCELLED = (
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.CANCELLED,
)


def held(title: str, start, *, kind=Kind.PHASE_1, registrations=(), **fields):
    """A training with one session at ``start`` and registrations given as
    (status, attendance) pairs."""
    training = TrainingFactory(
        title=title, kind=kind, sessions=[(start, start.replace(hour=16))], **fields
    )
    for status, attendance in registrations:
        RegistrationFactory(
            training=training,
            status=status,
            attendance=attendance,
            cancelled_at=pacific(2026, 1, 1) if status == CANCELLED else None,
        )
    return training


@pytest.fixture
def trainings():
    """Counted by hand:

    - Phase I, March 2026: 4 confirmed (2 attended, 1 absent, 1 not marked), 1 waitlisted,
      2 cancelled (one marked absent beforehand). No-show rate 1 / 3.
    - Concepts, June 2026: 3 confirmed (1 attended, 1 absent, 1 excused). No-show rate 1 / 3.
    - Phase II, December 2026 (ahead): 2 confirmed, none marked: no rate.
    - Not in the report: a Phase I in 2025, a draft and a cancelled training in 2026.
    """
    host = AgencyFactory(name="Bayside Clinic")
    phase_1 = held(
        "Phase I cohort, spring",
        pacific(2026, 3, 9, 9),
        host_agency=host,
        registrations=[
            (CONFIRMED, Attendance.ATTENDED),
            (CONFIRMED, Attendance.ATTENDED),
            (CONFIRMED, Attendance.ABSENT),
            (CONFIRMED, ""),
            (WAITLISTED, ""),
            (CANCELLED, ""),
            # Marked absent ahead of time, then cancelled: not a no-show.
            (CANCELLED, Attendance.ABSENT),
        ],
    )
    concepts = held(
        "Concepts day",
        pacific(2026, 6, 2, 9),
        kind=Kind.CONCEPTS,
        host_agency=None,
        registrations=[
            (CONFIRMED, Attendance.ATTENDED),
            (CONFIRMED, Attendance.ABSENT),
            (CONFIRMED, Attendance.EXCUSED),
        ],
    )
    phase_2 = held(
        "Phase II trainers",
        pacific(2026, 12, 7, 9),
        kind=Kind.PHASE_2,
        registrations=[(CONFIRMED, ""), (CONFIRMED, "")],
    )
    held("Last year's cohort", pacific(2025, 5, 5, 9), registrations=[(CONFIRMED, "")])
    held("A draft", pacific(2026, 4, 4, 9), status=Status.DRAFT)
    held("Called off", pacific(2026, 4, 5, 9), status=Status.CANCELLED)
    return phase_1, concepts, phase_2


def figures(row) -> tuple:
    return (
        row.confirmed,
        row.waitlisted,
        row.cancelled,
        row.attended,
        row.absent,
        row.excused,
        row.unmarked,
    )


def test_the_attendance_report_counts_each_training_by_hand(trainings):
    phase_1, concepts, phase_2 = trainings

    rows = training_attendance_report(year=2026)

    assert [row.pk for row in rows] == [phase_1.pk, concepts.pk, phase_2.pk]
    assert [figures(row) for row in rows] == [
        (4, 1, 2, 2, 1, 0, 1),
        (3, 0, 0, 1, 1, 1, 0),
        (2, 0, 0, 0, 0, 0, 2),
    ]
    assert [row.no_show_rate for row in rows] == [1 / 3, 1 / 3, None]


def test_the_attendance_report_filters_by_kind_and_year(trainings):
    phase_1, _concepts, _phase_2 = trainings

    assert [row.pk for row in training_attendance_report(year=2026, kind=Kind.PHASE_1)] == [
        phase_1.pk
    ]
    assert [row.title for row in training_attendance_report(year=2025)] == ["Last year's cohort"]


def test_the_attendance_report_is_one_query_however_many_trainings(django_assert_num_queries):
    for n in range(30):
        held(
            f"Training {n}",
            pacific(2026, 2, 1 + n % 28, 9),
            registrations=[(CONFIRMED, Attendance.ATTENDED), (CONFIRMED, Attendance.ABSENT)],
        )

    with django_assert_num_queries(1):
        rows = training_attendance_report(year=2026)

    assert len(rows) == 30
    assert {row.no_show_rate for row in rows} == {0.5}


def test_the_report_page_shows_the_numbers_and_totals(admin_client, trainings):
    response = admin_client.get(reverse(REPORT), {"year": "2026"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Phase I cohort, spring" in page
    assert "Last year&#x27;s cohort" not in page
    assert "<td>33.3%</td>" in page
    # The totals: 9 confirmed, 3 attended, 2 absent, 1 excused: 2 / 6 no-shows.
    assert response.context["totals"] == {
        "confirmed": 9,
        "waitlisted": 1,
        "cancelled": 2,
        "attended": 3,
        "absent": 2,
        "excused": 1,
        "unmarked": 3,
        "no_show": "33.3%",
    }
    assert reverse(REPORT_CSV) + "?year=2026" in page


def test_the_report_page_defaults_to_this_year(admin_client, trainings):
    response = admin_client.get(reverse(REPORT))

    assert response.status_code == 200
    assert response.context["form"].cleaned_data["year"] == timezone.localdate().year


def test_the_report_page_makes_the_same_queries_for_1_and_30_trainings(
    admin_client, django_assert_max_num_queries
):
    held("One", pacific(2026, 2, 1, 9), registrations=[(CONFIRMED, Attendance.ATTENDED)])
    with django_assert_max_num_queries(10) as one:
        admin_client.get(reverse(REPORT), {"year": "2026"})
    for n in range(29):
        held(f"More {n}", pacific(2026, 3, 1 + n % 28, 9), registrations=[(CONFIRMED, "")])

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = admin_client.get(reverse(REPORT), {"year": "2026"})

    assert len(response.context["rows"]) == 30


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year": "1899"}, "greater than or equal to 2000"),
        ({"year": "next"}, "Enter a whole number."),
        ({"year": "2026", "kind": "yoga"}, "Select a valid choice."),
    ],
)
def test_bad_report_filters_answer_400_with_a_message(admin_client, params, message):
    page = admin_client.get(reverse(REPORT), params)
    export = admin_client.get(reverse(REPORT_CSV), params)

    assert page.status_code == 400
    assert message in page.content.decode()
    assert export.status_code == 400
    assert message in export.content.decode()


def test_the_report_csv_has_the_same_numbers_and_safe_cells(admin_client, trainings):
    phase_1, _concepts, _phase_2 = trainings
    phase_1.title = "=HYPERLINK(1)"
    phase_1.save(update_fields=["title"])

    response = admin_client.get(reverse(REPORT_CSV), {"year": "2026"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="attendance-2026.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Training", "Kind", "First session", "Host agency", "Confirmed", "Waitlisted",
        "Cancelled", "Attended", "Absent", "Excused", "Not marked", "No-show rate",
    ]  # fmt: skip
    assert rows[1:] == [
        ["'=HYPERLINK(1)", "Phase I", "2026-03-09", "Bayside Clinic",
         "4", "1", "2", "2", "1", "0", "1", "33.3%"],
        ["Concepts day", "NMT/NME concepts", "2026-06-02", "",
         "3", "0", "0", "1", "1", "1", "0", "33.3%"],
        ["Phase II trainers", "Phase II / Train-the-Trainer", "2026-12-07",
         trainings[2].host_agency.name, "2", "0", "0", "0", "0", "0", "2", ""],
    ]  # fmt: skip


def test_the_training_changelist_links_the_report(admin_client):
    response = admin_client.get(reverse("admin:trainings_training_changelist"))

    assert response.status_code == 200
    assert f'href="{reverse(REPORT)}"' in response.content.decode()


def test_curators_may_read_the_report_and_other_people_may_not(client, curator, staff_a):
    client.force_login(curator)
    assert client.get(reverse(REPORT)).status_code == 200
    assert client.get(reverse(REPORT_CSV)).status_code == 200

    client.force_login(staff_a)
    assert client.get(reverse(REPORT)).status_code == 302  # The admin's sign-in.
    assert client.get(reverse(REPORT_CSV)).status_code == 302


# --- Staff by stage ---------------------------------------------------------------------------


def staff(agency, *levels, state=MembershipState.ACTIVE):
    person = MembershipFactory(agency=agency, state=state).person
    for level in levels:
        CredentialFactory(person=person, level=level)
    return person


def test_the_staff_by_stage_csv_counts_each_agency_by_hand(admin_client):
    """Bayside: 4 active staff (one with nothing, one in concepts, one at Phase I, one Mentor)
    and someone at Phase II who only asked to join, who does not count. Hilltop: one Phase II
    trainer."""
    bayside = AgencyFactory(name="Bayside Clinic")
    hilltop = AgencyFactory(name="=Hilltop Schools")
    staff(bayside)
    staff(bayside, CredentialLevel.CONCEPTS)
    staff(bayside, CredentialLevel.CONCEPTS, CredentialLevel.PHASE_1)
    staff(bayside, CredentialLevel.MENTOR)  # Cumulative: counts at every stage.
    staff(bayside, CredentialLevel.PHASE_2, state=MembershipState.REQUESTED)
    staff(hilltop, CredentialLevel.PHASE_1, CredentialLevel.PHASE_2)

    response = admin_client.get(reverse(STAGES_CSV))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="staff-by-stage.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["Agency", "County", "NMT status", "Staff", "Trained in NMT concepts",
         "Phase I certified", "Phase II / Train-the-Trainer certified", "Mentor"],
        ["'=Hilltop Schools", "San Mateo", hilltop.get_nmt_status_display(),
         "1", "1", "1", "1", "0"],
        ["Bayside Clinic", "San Mateo", bayside.get_nmt_status_display(),
         "4", "3", "2", "1", "1"],
    ]  # fmt: skip


def test_the_staff_by_stage_csv_is_one_query_for_many_agencies(
    admin_client, django_assert_max_num_queries
):
    agency = AgencyFactory()
    staff(agency, CredentialLevel.PHASE_1)
    with django_assert_max_num_queries(10) as one:
        admin_client.get(reverse(STAGES_CSV))
    for _ in range(20):
        staff(AgencyFactory(), CredentialLevel.CONCEPTS)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = admin_client.get(reverse(STAGES_CSV))

    assert len(response.content.decode().strip().splitlines()) == 22


def test_the_agency_changelist_links_the_export(admin_client):
    response = admin_client.get(reverse("admin:members_agency_changelist"))

    assert f'href="{reverse(STAGES_CSV)}"' in response.content.decode()


def test_people_without_admin_access_cannot_export_staff_by_stage(client, staff_a):
    client.force_login(staff_a)

    assert client.get(reverse(STAGES_CSV)).status_code == 302


# --- Practice follow-up answers ------------------------------------------------------------------


def test_curators_read_the_follow_up_answers_with_their_labels(admin_client):
    registration = RegistrationFactory(training=TrainingFactory(kind=Kind.PHASE_1))
    report = PracticeReport.objects.create(
        registration=registration,
        practices=["sensory_tools", "sharing"],
        obstacles=["time"],
        note="Our calm room opened.",
    )

    listing = admin_client.get(reverse("admin:trainings_practicereport_changelist"))
    detail = admin_client.get(reverse("admin:trainings_practicereport_change", args=[report.pk]))

    assert listing.status_code == 200
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "Sensory tools or spaces; Sharing with caregivers/teachers" in page
    assert "Our calm room opened." in page
    assert admin_client.get(reverse("admin:trainings_practicereport_add")).status_code == 403
