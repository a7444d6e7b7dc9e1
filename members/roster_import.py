"""Parsing a roster CSV for import: every row is checked before anything is written.

Columns: email, first_name, last_name, job_title (a header row is required; column names are
matched case-insensitively, spaces and underscores alike). The import is all or nothing: the
preview lists an error per bad row, and the import runs only when there is none.
"""

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from .models import Agency, Membership

REQUIRED_COLUMNS = ("email", "first_name", "last_name", "job_title")


@dataclass
class ImportRow:
    line: int
    email: str
    first_name: str
    last_name: str
    job_title: str
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportPreview:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # problems with the file as a whole

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.rows) and not any(row.errors for row in self.rows)

    @property
    def bad_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    def as_data(self) -> list[dict]:
        return [
            {
                "email": row.email,
                "first_name": row.first_name,
                "last_name": row.last_name,
                "job_title": row.job_title,
            }
            for row in self.rows
        ]


def _normalise(name: str) -> str:
    return name.strip().lower().replace(" ", "_").lstrip("\ufeff")


def parse_roster(*, agency: Agency, content: bytes) -> ImportPreview:
    preview = ImportPreview()
    if len(content) > settings.ROSTER_IMPORT_MAX_BYTES:
        preview.errors.append(_("The file is larger than 1 MB."))
        return preview
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        preview.errors.append(
            _("The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8”.")
        )
        return preview
    if "\x00" in text:
        preview.errors.append(_("The file is not a CSV text file."))
        return preview
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
        records = list(reader)
    except csv.Error as exc:
        preview.errors.append(_("The file could not be read as CSV: %(e)s") % {"e": exc})
        return preview
    if not header:
        preview.errors.append(_("The file is empty."))
        return preview
    columns = [_normalise(name) for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        preview.errors.append(
            _("Missing column(s): %(cols)s. The first row must name the columns %(all)s.")
            % {"cols": ", ".join(missing), "all": ", ".join(REQUIRED_COLUMNS)}
        )
        return preview
    records = [record for record in records if any(cell.strip() for cell in record)]
    if len(records) > settings.ROSTER_IMPORT_MAX_ROWS:
        preview.errors.append(
            _("The file has %(n)d rows; import at most %(max)d at a time.")
            % {"n": len(records), "max": settings.ROSTER_IMPORT_MAX_ROWS}
        )
        return preview
    if not records:
        preview.errors.append(_("The file has a header but no people."))
        return preview

    index = {name: columns.index(name) for name in REQUIRED_COLUMNS}
    members = {
        email.lower()
        for email in Membership.objects.active()
        .filter(agency=agency)
        .values_list("person__user__email", flat=True)
    }
    seen: dict[str, int] = {}
    for number, record in enumerate(records, start=2):
        if len(record) < len(columns):
            record = record + [""] * (len(columns) - len(record))
        row = ImportRow(
            line=number,
            email=record[index["email"]].strip().lower(),
            first_name=record[index["first_name"]].strip(),
            last_name=record[index["last_name"]].strip(),
            job_title=record[index["job_title"]].strip(),
        )
        if not row.email:
            row.errors.append(_("The email is missing."))
        else:
            try:
                validate_email(row.email)
            except ValidationError:
                row.errors.append(
                    _("“%(email)s” is not a valid email address.") % {"email": row.email}
                )
        if row.email and row.email in seen:
            row.errors.append(_("Duplicate of line %(line)d.") % {"line": seen[row.email]})
        elif row.email:
            seen[row.email] = number
        if row.email in members:
            row.errors.append(_("Already a member of this agency."))
        for name, value, limit in (
            ("first_name", row.first_name, 150),
            ("last_name", row.last_name, 150),
            ("job_title", row.job_title, 150),
        ):
            if len(value) > limit:
                row.errors.append(
                    _("%(col)s is longer than %(n)d characters.") % {"col": name, "n": limit}
                )
        preview.rows.append(row)
    return preview
