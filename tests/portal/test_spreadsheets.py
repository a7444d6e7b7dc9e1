"""The kernel's spreadsheet cells and CSV downloads."""

import csv
import io

import pytest

from portal.spreadsheets import FORMULA_PREFIXES, csv_response, safe_cell, unescape_cell

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
