"""Roster import: invitations in bulk from a coordinator's CSV."""

import csv
import io

from django.db import transaction
from django.utils.translation import gettext as _

from portal.exceptions import ApplicationError

from ..models import (
    Agency,
    Invitation,
    User,
)
from ..roster_import import parse_roster
from .invitations import staff_invite


@transaction.atomic
def roster_import(*, agency: Agency, rows: list[dict], invited_by: User) -> list[Invitation]:
    """Invite every row of a checked roster file, all or nothing.

    The rows are checked again here (the roster may have changed since the preview); one bad
    row rolls the whole import back.
    """
    content = _rows_as_csv(rows)
    preview = parse_roster(agency=agency, content=content)
    if not preview.is_valid:
        raise ApplicationError(
            _("The file no longer passes the checks; upload it again to see why.")
        )
    invitations = [
        staff_invite(
            agency=agency,
            email=row.email,
            invited_by=invited_by,
            first_name=row.first_name,
            last_name=row.last_name,
            job_title=row.job_title,
        )
        for row in preview.rows
    ]
    return [invitation for invitation in invitations if invitation is not None]


def _rows_as_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["email", "first_name", "last_name", "job_title"])
    writer.writeheader()
    for row in rows:
        writer.writerow({key: row.get(key, "") for key in writer.fieldnames})
    return buffer.getvalue().encode()
