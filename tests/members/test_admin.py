import csv
import datetime as dt
import io
import re
from unittest import mock
from urllib.parse import quote

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from members import services
from members.models import (
    Agency,
    Credential,
    CredentialLevel,
    CredentialSource,
    DigestSubscription,
    MembershipState,
    PracticeModel,
)
from members.spreadsheets import AgencyResource
from tests.factories import AgencyFactory, CredentialFactory, MembershipFactory, PersonFactory
from tests.spreadsheets import admin_export, xlsx_rows

pytestmark = pytest.mark.django_db

AGENCY_COLUMNS = ["slug", "name", "kind", "county", "nmt_status", "practises_nmt"]


# --- Sign-in through allauth ------------------------------------------------------------------


def test_admin_login_sends_anonymous_visitors_to_allauths_sign_in_with_next(client):
    response = client.get(reverse("admin_login"), {"next": "/admin/members/agency/"})
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("account_login") + "?next=" + quote("/admin/members/agency/", safe="")
    )


def test_admin_index_sends_anonymous_visitors_through_the_same_sign_in(client):
    first = client.get(reverse("admin:index"))
    assert first.status_code == 302
    second = client.get(first["Location"])
    assert second.status_code == 302
    assert second["Location"] == reverse("account_login") + "?next=" + quote("/admin/", safe="")


def test_admin_login_ignores_a_next_address_on_another_host(client):
    response = client.get(reverse("admin_login"), {"next": "https://evil.example/steal"})
    assert response["Location"] == (
        reverse("account_login") + "?next=" + quote(reverse("admin:index"), safe="")
    )


def test_admin_login_refuses_a_signed_in_person_without_staff_access_without_a_loop(client, member):
    client.force_login(member)
    response = client.get(reverse("admin_login"), {"next": "/admin/"})
    assert response.status_code == 403
    assert "Your account has no curator access" in response.content.decode()
    # /admin/ itself ends on that page too, not in a redirect loop.
    followed = client.get(reverse("admin:index"), follow=True)
    assert followed.status_code == 403
    assert len(followed.redirect_chain) == 1


def test_admin_login_lets_signed_in_staff_through_to_next(client, curator):
    client.force_login(curator)
    response = client.get(reverse("admin_login"), {"next": "/admin/members/agency/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/members/agency/"


@pytest.mark.parametrize("next_url", ["²", "-1", "admin:index", "x" * 10_000])
def test_admin_login_sends_staff_to_the_admin_for_a_next_that_is_no_path(client, curator, next_url):
    client.force_login(curator)
    response = client.get(reverse("admin_login"), {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


# --- Agencies ---------------------------------------------------------------------------------


def _cell(page: str, agency: Agency, column: str) -> str:
    row = re.search(rf"<tr>(?:(?!</tr>).)*?>{re.escape(agency.name)}</a>.*?</tr>", page, re.S)
    assert row, f"no row for {agency}"
    cell = re.search(rf'<td class="field-{column}">([^<]*)</td>', row.group(0))
    assert cell, f"no {column} cell"
    return cell.group(1)


def test_agency_changelist_shows_the_computed_figures(client, curator):
    agency = AgencyFactory(name="Counted Agency")
    other = AgencyFactory(name="Empty Agency")
    for level in (CredentialLevel.CONCEPTS, CredentialLevel.PHASE_1, CredentialLevel.PHASE_2):
        person = MembershipFactory(agency=agency).person
        CredentialFactory(person=person, level=level)
        CredentialFactory(person=person, level=level, model=PracticeModel.NME)
    MembershipFactory(agency=agency)  # no credentials
    requested = MembershipFactory(agency=agency, state=MembershipState.REQUESTED)
    CredentialFactory(person=requested.person, level=CredentialLevel.MENTOR)

    client.force_login(curator)
    page = client.get(reverse("admin:members_agency_changelist")).content.decode()

    assert [_cell(page, agency, c) for c in ("staff", "concepts", "phase_1", "trainers")] == [
        "4",
        "3",
        "2",
        "1",
    ]
    assert [_cell(page, other, c) for c in ("staff", "concepts", "phase_1", "trainers")] == [
        "0",
        "0",
        "0",
        "0",
    ]


def _dataset(*rows) -> tablib.Dataset:
    return tablib.Dataset(*rows, headers=AGENCY_COLUMNS)


@pytest.mark.parametrize("dry_run", [True, False])
def test_agency_import_saves_through_the_service_and_reports_an_invalid_county(dry_run):
    dataset = _dataset(
        ("bay-cbo", "Bay CBO", "cbo", "alameda", "implementing", "1"),
        ("nowhere-cbo", "Nowhere CBO", "cbo", "atlantis", "interested", "0"),
    )
    with mock.patch.object(services, "agency_save", wraps=services.agency_save) as agency_save:
        result = AgencyResource().import_data(dataset, dry_run=dry_run)

    assert agency_save.call_count == 2
    assert not result.has_errors()
    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.number == 2
    assert "county" in invalid.field_specific_errors
    assert not Agency.objects.filter(slug="nowhere-cbo").exists()
    saved = Agency.objects.filter(slug="bay-cbo").first()
    if dry_run:
        assert saved is None
    else:
        assert (saved.name, saved.county, saved.practises_nmt) == ("Bay CBO", "alameda", True)


def test_agency_import_updates_an_agency_matched_by_slug():
    AgencyFactory(slug="bay-cbo", name="Old Name", county="alameda")
    result = AgencyResource().import_data(
        _dataset(("bay-cbo", "New Name", "cbo", "marin", "certified_site", "1"))
    )
    assert not result.has_errors()
    assert not result.has_validation_errors()
    agency = Agency.objects.get(slug="bay-cbo")
    assert (agency.name, agency.county, agency.nmt_status) == (
        "New Name",
        "marin",
        "certified_site",
    )


def _admin_import(client, rows: bytes):
    """Upload a CSV of agencies on the admin's import page; returns its preview."""
    form = client.get(reverse("admin:members_agency_import")).context["form"]
    formats = {label: value for value, label in form.fields["format"].choices}
    content = b"slug,name,kind,county,nmt_status,practises_nmt\n" + rows
    return client.post(
        reverse("admin:members_agency_import"),
        {
            "resource": "0",
            "format": formats["csv"],
            "import_file": SimpleUploadedFile("agencies.csv", content, content_type="text/csv"),
        },
    )


def test_agency_import_in_the_admin_previews_then_imports(client, superuser):
    client.force_login(superuser)
    preview = _admin_import(client, b"bay-cbo,Bay CBO,cbo,alameda,implementing,1\n")
    assert preview.status_code == 200
    assert not Agency.objects.filter(slug="bay-cbo").exists()  # the preview is a dry run
    confirm = preview.context["confirm_form"].initial
    done = client.post(reverse("admin:members_agency_process_import"), confirm)
    assert done.status_code == 302
    assert Agency.objects.get(slug="bay-cbo").name == "Bay CBO"


def test_agency_import_in_the_admin_shows_an_invalid_row_and_offers_no_import(client, superuser):
    client.force_login(superuser)
    preview = _admin_import(client, b"nowhere,Nowhere CBO,cbo,atlantis,interested,0\n")
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "atlantis" in page
    assert "is not a valid choice" in page
    assert preview.context.get("confirm_form") is None
    assert not Agency.objects.filter(slug="nowhere").exists()


FORMULA = '=HYPERLINK("https://evil.example/","Click")'


def _formula_agency():
    return AgencyFactory(
        slug="bay-cbo",
        name=FORMULA,
        city="@SUM(1+1)*cmd|' /C calc'!A0",
        description="-2+3",
        sensory_spaces_note="'=already quoted",
        contact_email="team@bay.example",
    )


def test_agency_xlsx_export_writes_typed_formulas_as_text(client, superuser):
    _formula_agency()
    client.force_login(superuser)

    header, row = xlsx_rows(admin_export(client, "members_agency", "xlsx").content)

    cells = {h.value: cell for h, cell in zip(header, row, strict=True)}
    for column in ("name", "city", "description", "sensory_spaces_note"):
        assert cells[column].data_type == "s", column  # a string, not a formula ("f")
    assert cells["name"].value == "'" + FORMULA
    assert cells["city"].value == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert cells["description"].value == "'-2+3"
    assert cells["sensory_spaces_note"].value == "''=already quoted"
    assert cells["contact_email"].value == "team@bay.example"


def test_agency_csv_export_has_a_byte_order_mark_and_quoted_formulas(client, superuser):
    _formula_agency()
    client.force_login(superuser)

    response = admin_export(client, "members_agency", "csv")

    assert response.content.startswith(b"\xef\xbb\xbf")
    [row] = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert row["name"] == "'" + FORMULA
    assert row["description"] == "'-2+3"


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_exported_agency_file_imports_back_unchanged(client, superuser, file_format):
    """The escape is the export's: importing the file takes it off again, so a curator can
    export, edit another column and import without adding apostrophes to the texts."""
    agency = _formula_agency()
    client.force_login(superuser)
    content = admin_export(client, "members_agency", file_format).content
    Agency.objects.filter(pk=agency.pk).update(name="Renamed", description="")

    form = client.get(reverse("admin:members_agency_import")).context["form"]
    formats = {label: value for value, label in form.fields["format"].choices}
    preview = client.post(
        reverse("admin:members_agency_import"),
        {
            "resource": "0",
            "format": formats[file_format],
            "import_file": SimpleUploadedFile(f"agencies.{file_format}", content),
        },
    )
    assert preview.status_code == 200
    done = client.post(
        reverse("admin:members_agency_process_import"), preview.context["confirm_form"].initial
    )

    assert done.status_code == 302
    agency.refresh_from_db()
    assert agency.name == FORMULA
    assert agency.city == "@SUM(1+1)*cmd|' /C calc'!A0"
    assert agency.description == "-2+3"
    assert agency.sensory_spaces_note == "'=already quoted"


# --- Credentials ------------------------------------------------------------------------------


def test_credential_verify_action_verifies_the_selected_credentials(client, curator):
    to_verify = CredentialFactory.create_batch(2, verified=False)
    untouched = CredentialFactory(verified=False)
    client.force_login(curator)
    response = client.post(
        reverse("admin:members_credential_changelist"),
        {"action": "verify", "_selected_action": [c.pk for c in to_verify]},
        follow=True,
    )
    assert "Verified 2 credentials." in response.content.decode()
    assert set(Credential.objects.filter(verified=True).values_list("pk", flat=True)) == {
        c.pk for c in to_verify
    }
    assert set(Credential.objects.filter(verified=True).values_list("recorded_by", flat=True)) == {
        curator.pk
    }
    untouched.refresh_from_db()
    assert untouched.verified is False


def _credential_form(person, earned_on: dt.date) -> dict:
    return {
        "person": person.pk,
        "level": CredentialLevel.PHASE_1,
        "model": PracticeModel.NMT,
        "earned_on": earned_on.isoformat(),
        "source": CredentialSource.COORDINATOR,
    }


def test_credential_added_in_the_admin_is_verified(client, curator):
    person = PersonFactory()
    client.force_login(curator)
    response = client.post(
        reverse("admin:members_credential_add"), _credential_form(person, dt.date(2024, 2, 1))
    )
    assert response.status_code == 302
    credential = Credential.objects.get(person=person)
    assert (credential.source, credential.verified, credential.recorded_by) == (
        CredentialSource.ADMIN,
        True,
        curator,
    )


def test_credential_with_a_future_date_is_refused_in_the_admin_with_a_message(client, curator):
    person = PersonFactory()
    client.force_login(curator)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(
        reverse("admin:members_credential_add"), _credential_form(person, tomorrow)
    )
    assert response.status_code == 200
    assert "The date earned cannot be in the future." in response.content.decode()
    assert not Credential.objects.exists()


# --- The digest's subscriptions ---------------------------------------------------------------


def test_digest_unsubscribe_action_unsubscribes_through_the_service(client, curator):
    now = timezone.now()
    receiving, other, left = (
        DigestSubscription.objects.create(email=email, confirmed_at=now, unsubscribed_at=gone)
        for email, gone in (
            ("a@example.org", None),
            ("b@example.org", None),
            ("c@example.org", now - dt.timedelta(days=3)),
        )
    )
    client.force_login(curator)

    response = client.post(
        reverse("admin:members_digestsubscription_changelist"),
        {"action": "unsubscribe", "_selected_action": [receiving.pk, left.pk]},
        follow=True,
    )

    assert "Unsubscribed 1 address." in response.content.decode()
    for subscription in (receiving, other, left):
        subscription.refresh_from_db()
    assert receiving.unsubscribed_at is not None
    assert other.unsubscribed_at is None
    assert left.unsubscribed_at == now - dt.timedelta(days=3)  # kept: the first date stands
