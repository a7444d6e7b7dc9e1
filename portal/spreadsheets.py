"""CSV exports that are safe to open in a spreadsheet, and the base of the admin's imports."""

from django.utils.translation import gettext as _
from import_export import resources
from import_export.exceptions import ImportError as FileRefused

# A cell starting with one of these is read as a formula by Excel, LibreOffice and Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The value as text, with a leading apostrophe if a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def safe_row(values) -> list[str]:
    return [safe_cell(value) for value in values]


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
