import html
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members import services
from members.models import Invitation, MembershipState
from members.roster_import import parse_roster
from members.views.manage import IMPORT_SESSION_KEY
from portal.exceptions import ApplicationError
from tests.factories import AgencyFactory, MembershipFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "email,first_name,last_name,job_title\n"


def _csv(*lines: str, header: str = HEADER) -> bytes:
    return (header + "".join(f"{line}\n" for line in lines)).encode()


def _upload(content: bytes, name: str = "staff.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def _row_of_line(page: str, line: int) -> str:
    """The preview table row of a file line, as text."""
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        if cells and cells[0] == str(line):
            return html.unescape(re.sub(r"<[^>]+>", " ", row))
    raise AssertionError(f"no preview row for line {line}")


# --- parse_roster -----------------------------------------------------------------------------


def test_parse_roster_reads_a_valid_file():
    agency = AgencyFactory()
    content = _csv(
        "ana@example.org,Ana,Ruiz,Clinician",
        " Ben@Example.org , Ben , Cho , Teacher ",
        "",  # blank lines are skipped
        "cy@example.org,Cy,,",
    )
    preview = parse_roster(agency=agency, content=content)

    assert preview.is_valid
    assert preview.errors == []
    assert [(r.line, r.email, r.first_name, r.last_name, r.job_title) for r in preview.rows] == [
        (2, "ana@example.org", "Ana", "Ruiz", "Clinician"),
        (3, "ben@example.org", "Ben", "Cho", "Teacher"),
        (4, "cy@example.org", "Cy", "", ""),
    ]


def test_parse_roster_matches_column_names_loosely_and_reads_a_utf8_bom():
    content = (
        "\ufeffJob Title,EMAIL,Last Name,first_name,notes\nNurse,zoe@example.org,Ñúñez,Zoë,x\n"
    )
    preview = parse_roster(agency=AgencyFactory(), content=content.encode("utf-8"))
    assert preview.is_valid, preview.errors
    row = preview.rows[0]
    assert (row.email, row.first_name, row.last_name, row.job_title) == (
        "zoe@example.org",
        "Zoë",
        "Ñúñez",
        "Nurse",
    )


def test_parse_roster_reports_a_malformed_email_on_its_line():
    preview = parse_roster(
        agency=AgencyFactory(),
        content=_csv("ana@example.org,Ana,Ruiz,", "not-an-email,Bad,Row,", ",No,Email,"),
    )
    assert not preview.is_valid
    assert [(row.line, row.errors) for row in preview.bad_rows] == [
        (3, ["“not-an-email” is not a valid email address."]),
        (4, ["The email is missing."]),
    ]


def test_parse_roster_reports_a_duplicate_row():
    preview = parse_roster(
        agency=AgencyFactory(),
        content=_csv("ana@example.org,Ana,Ruiz,", "ben@example.org,Ben,,", "ANA@example.org,A,R,"),
    )
    assert not preview.is_valid
    assert [(row.line, row.errors) for row in preview.bad_rows] == [(4, ["Duplicate of line 2."])]


def test_parse_roster_reports_someone_already_on_the_roster_but_not_an_invited_person():
    agency = AgencyFactory()
    MembershipFactory(agency=agency, person=PersonFactory(user=UserFactory(email="on@example.org")))
    MembershipFactory(
        agency=agency,
        person=PersonFactory(user=UserFactory(email="invited@example.org")),
        state=MembershipState.INVITED,
    )
    MembershipFactory(person=PersonFactory(user=UserFactory(email="elsewhere@example.org")))
    preview = parse_roster(
        agency=agency,
        content=_csv("On@example.org,,,", "invited@example.org,,,", "elsewhere@example.org,,,"),
    )
    assert [(row.line, row.errors) for row in preview.bad_rows] == [
        (2, ["Already a member of this agency."])
    ]


def test_parse_roster_reports_a_missing_column():
    preview = parse_roster(
        agency=AgencyFactory(),
        content=_csv("ana@example.org,Ana,Ruiz", header="email,first_name,last_name\n"),
    )
    assert not preview.is_valid
    assert preview.rows == []
    assert len(preview.errors) == 1
    assert "Missing column(s): job_title" in preview.errors[0]


def test_parse_roster_refuses_a_file_that_is_not_utf8():
    content = _csv("jose@example.org,José,Núñez,Consejero").decode().encode("latin-1")
    preview = parse_roster(agency=AgencyFactory(), content=content)
    assert not preview.is_valid
    assert preview.errors == [
        "The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8”."
    ]


def test_parse_roster_refuses_more_than_2000_rows(settings):
    rows = [f"person{n}@example.org,P,{n}," for n in range(settings.ROSTER_IMPORT_MAX_ROWS + 1)]
    preview = parse_roster(agency=AgencyFactory(), content=_csv(*rows))
    assert not preview.is_valid
    assert preview.rows == []
    assert preview.errors == ["The file has 2001 rows; import at most 2000 at a time."]


def test_parse_roster_takes_exactly_2000_rows(settings):
    rows = [f"person{n}@example.org,P,{n}," for n in range(settings.ROSTER_IMPORT_MAX_ROWS)]
    preview = parse_roster(agency=AgencyFactory(), content=_csv(*rows))
    assert preview.is_valid
    assert len(preview.rows) == 2000


def test_parse_roster_refuses_a_file_over_1_mb(settings):
    content = _csv("ana@example.org,Ana,Ruiz," + "x" * settings.ROSTER_IMPORT_MAX_BYTES)
    preview = parse_roster(agency=AgencyFactory(), content=content)
    assert preview.errors == ["The file is larger than 1 MB."]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (HEADER.encode(), "The file has a header but no people."),
        (b"PK\x03\x04\x00\x00\x00\x00", "The file is not a CSV text file."),
    ],
)
def test_parse_roster_explains_an_unusable_file(content, message):
    preview = parse_roster(agency=AgencyFactory(), content=content)
    assert not preview.is_valid
    assert preview.errors == [message]


# --- roster_import (the service) --------------------------------------------------------------


def test_roster_import_invites_everyone_in_the_file(django_capture_on_commit_callbacks):
    agency = AgencyFactory()
    coordinator = UserFactory()
    rows = parse_roster(
        agency=agency, content=_csv("ana@example.org,Ana,Ruiz,Clinician", "ben@example.org,Ben,,")
    ).as_data()
    with django_capture_on_commit_callbacks(execute=True):
        invitations = services.roster_import(agency=agency, rows=rows, invited_by=coordinator)
    assert [(i.email, i.first_name, i.job_title) for i in invitations] == [
        ("ana@example.org", "Ana", "Clinician"),
        ("ben@example.org", "Ben", ""),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.org", "ben@example.org"]


def test_roster_import_refuses_rows_that_no_longer_pass_and_imports_nothing():
    agency = AgencyFactory()
    rows = parse_roster(
        agency=agency, content=_csv("ana@example.org,Ana,,", "ben@example.org,Ben,,")
    ).as_data()
    # Between the preview and the confirmation, Ben joined the agency.
    MembershipFactory(
        agency=agency, person=PersonFactory(user=UserFactory(email="ben@example.org"))
    )
    with pytest.raises(ApplicationError):
        services.roster_import(agency=agency, rows=rows, invited_by=UserFactory())
    assert not Invitation.objects.exists()


def test_roster_import_rolls_everything_back_when_one_invitation_fails(monkeypatch):
    agency = AgencyFactory()
    rows = parse_roster(
        agency=agency, content=_csv("ana@example.org,,,", "ben@example.org,,,", "cy@example.org,,,")
    ).as_data()
    invite = services.staff_invite

    def fail_on_the_third(**kwargs):
        if kwargs["email"] == "cy@example.org":
            raise services.InvitationError("boom")
        return invite(**kwargs)

    monkeypatch.setattr(services.roster, "staff_invite", fail_on_the_third)
    with pytest.raises(services.InvitationError):
        services.roster_import(agency=agency, rows=rows, invited_by=UserFactory())
    assert not Invitation.objects.exists()


# --- The view flow: upload, preview, confirm --------------------------------------------------


@pytest.fixture
def coordinator_client(client, agency_a, coordinator_a):
    client.force_login(coordinator_a)
    return client


def _import_url(agency):
    return reverse("members:manage_import", kwargs={"slug": agency.slug})


def _confirm_url(agency):
    return reverse("members:manage_import_confirm", kwargs={"slug": agency.slug})


def test_import_flow_previews_then_invites_everyone_on_confirmation(
    coordinator_client, agency_a, django_capture_on_commit_callbacks
):
    content = _csv(
        "ana@example.org,Ana,Ruiz,Clinician", "ben@example.org,Ben,Cho,", "cy@example.org,Cy,,"
    )
    preview = coordinator_client.post(_import_url(agency_a), {"file": _upload(content)})
    page = preview.content.decode()

    assert preview.status_code == 200
    assert "3 people are ready to invite." in page
    assert "Ana Ruiz" in _row_of_line(page, 2)
    assert "OK" in _row_of_line(page, 4)
    assert not Invitation.objects.exists()  # nothing before the confirmation

    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(_confirm_url(agency_a))

    assert response.status_code == 302
    assert response["Location"] == reverse("members:manage_staff", kwargs={"slug": agency_a.slug})
    assert sorted(Invitation.objects.filter(agency=agency_a).values_list("email", flat=True)) == [
        "ana@example.org",
        "ben@example.org",
        "cy@example.org",
    ]
    assert len(mail.outbox) == 3
    staff_page = coordinator_client.get(response["Location"]).content.decode()
    assert "Imported 3 people: their invitations are on their way." in staff_page
    # Confirming twice imports nothing more.
    again = coordinator_client.post(_confirm_url(agency_a), follow=True)
    assert "Nothing to import: upload the file again." in again.content.decode()
    assert Invitation.objects.count() == 3


def test_import_with_one_bad_row_shows_the_error_beside_that_line_and_imports_nothing(
    coordinator_client, agency_a
):
    content = _csv("ana@example.org,Ana,Ruiz,", "ana.at.example.org,Bad,Address,", "cy@x.org,Cy,,")
    response = coordinator_client.post(_import_url(agency_a), {"file": _upload(content)})
    page = response.content.decode()

    assert response.status_code == 400
    assert "“ana.at.example.org” is not a valid email address." in _row_of_line(page, 3)
    assert "OK" in _row_of_line(page, 2)
    assert "1 row has a problem; fix it and upload the file again. Nothing was imported." in page
    assert _confirm_url(agency_a) not in page  # no import button

    confirm = coordinator_client.post(_confirm_url(agency_a))
    assert confirm.status_code == 302
    assert not Invitation.objects.exists()


def test_a_bad_upload_after_a_good_one_cannot_be_confirmed(coordinator_client, agency_a):
    coordinator_client.post(_import_url(agency_a), {"file": _upload(_csv("ok@example.org,,,"))})
    coordinator_client.post(_import_url(agency_a), {"file": _upload(_csv("not-an-email,,,"))})
    coordinator_client.post(_confirm_url(agency_a))
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "email,first_name,last_name,job_title\njosé@example.org,José,Núñez,\n".encode(
                "latin-1"
            ),
            "The file is not UTF-8 text.",
        ),
        (_csv("ana@example.org,Ana,", header="email,first_name,last_name\n"), "Missing column(s)"),
        (
            _csv(*[f"p{n}@example.org,,," for n in range(2001)]),
            "The file has 2001 rows; import at most 2000 at a time.",
        ),
    ],
    ids=["latin-1", "missing-column", "too-many-rows"],
)
def test_import_of_an_unusable_file_explains_why(coordinator_client, agency_a, content, message):
    response = coordinator_client.post(_import_url(agency_a), {"file": _upload(content)})
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert IMPORT_SESSION_KEY.format(agency_id=agency_a.pk) not in coordinator_client.session


def test_import_refuses_a_file_over_1_mb_beside_the_field(coordinator_client, agency_a):
    content = _csv("ana@example.org,Ana,Ruiz," + "x" * (1024 * 1024))
    response = coordinator_client.post(_import_url(agency_a), {"file": _upload(content)})
    page = response.content.decode()
    assert response.status_code == 400
    assert '<small class="field-error" id="id_file_error">The file is larger than 1 MB.' in page
    assert not Invitation.objects.exists()
