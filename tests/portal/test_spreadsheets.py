"""The kernel's spreadsheets: cells escaped against formulas, CSV downloads, and the admin's
imports (ImportResource and the import page): a file that can't be imported is refused with a
message a curator can act on, never a traceback with server paths."""

import csv
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import Agency
from members.spreadsheets import AgencyResource
from portal.spreadsheets import FORMULA_PREFIXES, csv_response, safe_cell, unescape_cell
from trainings.models import Training

TEXTS = [
    "", "plain", "'", "''", "'plain", "'=1", "''=1", "'''", "= 1", "=1", "+1", "-1", "@x",
    "\tx", "\rx", "'\tx", "O'Brien", "a=b", "Niño",
]  # fmt: skip


@pytest.mark.parametrize("text", TEXTS)
def test_a_cell_survives_escaping_and_unescaping(text):
    assert unescape_cell(safe_cell(text)) == text


@pytest.mark.parametrize("text", TEXTS)
def test_no_escaped_cell_starts_like_a_formula(text):
    assert not safe_cell(text).startswith(FORMULA_PREFIXES)


def test_an_apostrophe_someone_typed_stays_when_no_formula_follows():
    assert safe_cell("'Ohana House") == "'Ohana House"
    assert unescape_cell("'Ohana House") == "'Ohana House"


def test_numbers_and_none_become_text():
    assert (safe_cell(None), safe_cell(3), safe_cell(-2)) == ("", "3", "'-2")


def test_csv_response_is_an_escaped_utf8_attachment_with_a_byte_order_mark():
    response = csv_response("people.csv", ["Name", "Note"], [["Zoë", "=1+1"], ["Ana", None]])

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="people.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["Name", "Note"], ["Zoë", "'=1+1"], ["Ana", ""]]


pytestmark = pytest.mark.django_db

IMPORTS = {
    "members_agency": (Agency, b"name,kind,county,nmt_status\nBay CBO,cbo,alameda,implementing\n"),
    "trainings_training": (Training, b"title,kind,model\nA new training,concepts,nmt\n"),
}


def _upload(client, model: str, content: bytes):
    url = reverse(f"admin:{model}_import")
    form = client.get(url).context["form"]
    formats = {label: value for value, label in form.fields["format"].choices}
    return client.post(
        url,
        {
            "resource": "0",
            "format": formats["csv"],
            "import_file": SimpleUploadedFile("sheet.csv", content, content_type="text/csv"),
        },
    )


def _shows_no_internals(page: str) -> bool:
    return "Traceback" not in page and str(settings.BASE_DIR) not in page and ".py" not in page


@pytest.mark.parametrize("model", IMPORTS)
def test_a_file_without_a_slug_column_is_refused_with_a_message(client, superuser, model):
    client.force_login(superuser)
    entity, content = IMPORTS[model]

    response = _upload(client, model, content)

    page = response.content.decode()
    assert response.status_code == 200
    assert "The file has no “slug” column." in page
    assert _shows_no_internals(page)
    assert response.context.get("confirm_form") is None
    assert not entity.objects.exists()


@pytest.mark.parametrize("model", IMPORTS)
def test_a_file_with_a_nul_byte_is_refused_with_a_message(client, superuser, model):
    client.force_login(superuser)
    entity, content = IMPORTS[model]

    response = _upload(client, model, b"slug," + content.replace(b"\n", b"\nnul\x00slug,", 1))

    page = response.content.decode()
    assert response.status_code == 200
    assert "The file holds NUL bytes" in page
    assert _shows_no_internals(page)
    assert not entity.objects.exists()


def test_an_error_that_stops_an_import_shows_its_message_without_the_traceback(
    client, superuser, monkeypatch
):
    """Whatever stops a whole file (here a fault in a resource's hook) is listed by its message
    alone: django-import-export's own template would print the traceback, server paths and all."""

    def fault(self, dataset, **kwargs):
        raise ValueError("The sheet could not be read.")

    monkeypatch.setattr(AgencyResource, "before_import", fault)
    client.force_login(superuser)

    response = _upload(client, "members_agency", b"slug," + IMPORTS["members_agency"][1])

    page = response.content.decode()
    assert response.status_code == 200
    assert "The sheet could not be read." in page
    assert _shows_no_internals(page)
