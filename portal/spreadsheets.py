"""Spreadsheets that leave the portal, safe to open in Excel, LibreOffice and Sheets.

Every CSV the portal writes goes through ``csv_response``: a UTF-8 byte-order mark (without it
Excel on Windows reads the file as ANSI and garbles every accent), and each cell escaped by
``safe_cell``. The admin's django-import-export resources mix in ``FormulaSafeResourceMixin``,
which escapes every text cell of every export format (CSV, XLSX, ODS…) the same way and takes the
escape off again on import, so exporting and importing a file changes nothing. They subclass
``ImportResource``, which refuses a file that can't be imported as a whole (no column to match
rows by, a NUL byte) with a message instead of a traceback.
"""

import csv

from django.http import HttpResponse
from django.utils.translation import gettext as _
from import_export import resources
from import_export.exceptions import ImportError as FileRefused
from import_export.formats import base_formats
from import_export.widgets import NumberWidget

# A cell starting with one of these is read as a formula by Excel, LibreOffice and Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A leading apostrophe makes a spreadsheet take the rest of the cell as text.
ESCAPE = "'"
BOM = "\ufeff"


def _needs_escape(text: str) -> bool:
    # Text that already starts with the escape before a formula ("'=x") gets one more, so that
    # ``unescape_cell`` can tell an escape we added from an apostrophe someone typed.
    return text.startswith(FORMULA_PREFIXES) or (
        text.startswith(ESCAPE) and _needs_escape(text[1:])
    )


def safe_cell(value) -> str:
    """The value as text, with a leading apostrophe if a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return ESCAPE + text if _needs_escape(text) else text


def unescape_cell(text: str) -> str:
    """The inverse of ``safe_cell`` on text: ``unescape_cell(safe_cell(x)) == str(x)``."""
    if text.startswith(ESCAPE) and _needs_escape(text[1:]):
        return text[1:]
    return text


def safe_row(values) -> list[str]:
    return [safe_cell(value) for value in values]


def csv_response(filename: str, header, rows) -> HttpResponse:
    """A CSV download: the byte-order mark, then ``header`` and ``rows``, every cell escaped.

    ``filename`` is put in the header as given, so it must be a plain name (slugs, digits)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(BOM)
    writer = csv.writer(response)
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(row) for row in rows)
    return response


class FormulaSafeResourceMixin:
    """For a django-import-export ``ModelResource``: text cells are escaped on export, in every
    format (openpyxl writes a string starting with ``=`` as a live formula), and the escape is
    taken off on import. Numbers are left alone: ``-5`` is a number, not a formula."""

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if isinstance(value, str) and not isinstance(field.widget, NumberWidget):
            return safe_cell(value)
        return value

    def before_import_row(self, row, **kwargs):
        for key, value in row.items():
            if isinstance(value, str):
                row[key] = unescape_cell(value)
        super().before_import_row(row, **kwargs)


class CSV(base_formats.CSV):
    """django-import-export's CSV with the byte-order mark. Its import reads ``utf-8-sig``, which
    drops the mark again."""

    def export_data(self, dataset, **kwargs):
        return BOM + super().export_data(dataset, **kwargs)


# The admin's import/export formats: the library's own list, with the CSV above.
ADMIN_FORMATS = [CSV if fmt is base_formats.CSV else fmt for fmt in base_formats.DEFAULT_FORMATS]


class ImportResource(resources.ModelResource):
    """A django-import-export resource whose rows are matched by ``import_id_fields``.

    A file that can't be imported as a whole is refused before any row is read, with a message
    a curator can act on (the import page shows it, never a traceback): a missing column that
    rows are matched by, or a NUL byte (a binary file saved as .csv), which PostgreSQL refuses.
    """

    def import_data(self, dataset, **kwargs):
        refusal = self.refusal(dataset)
        if refusal is None:
            return super().import_data(dataset, **kwargs)
        result = self.get_result_class()()
        result.diff_headers = self.get_diff_headers()
        result.total_rows = len(dataset)
        self.handle_import_error(result, FileRefused(refusal), kwargs.get("raise_errors", False))
        return result

    def refusal(self, dataset) -> str | None:
        """Why the whole file can't be imported, or None."""
        headers = dataset.headers or []
        for name in self.get_import_id_fields():
            column = self.fields[name].column_name
            if column not in headers:
                return _(
                    "The file has no “%(column)s” column. Its first line names the columns, and "
                    "each row is matched by its %(column)s, so it needs one."
                ) % {"column": column}
        if any("\x00" in str(cell) for row in dataset for cell in row if cell is not None):
            return _("The file holds NUL bytes: save it as CSV or XLSX text and try again.")
        return None
