"""Reading what the admin's import/export hands out, for the tests of its resources."""

import io

import openpyxl
from django.urls import reverse


def admin_export(client, admin_name: str, file_format: str):
    """Export every row from ``admin:<admin_name>_export`` in ``file_format`` ("csv", "xlsx"),
    with every column ticked, as a curator would."""
    url = reverse(f"admin:{admin_name}_export")
    form = client.get(url).context["form"]
    formats = {label: value for value, label in form.fields["format"].choices}
    data = {"format": formats[file_format], "resource": "0"}
    data.update({name: "on" for name, field in form.fields.items() if field.initial is True})
    response = client.post(url, data)
    assert response.status_code == 200, response.content[:500]
    return response


def xlsx_rows(content: bytes) -> list[list]:
    """The first sheet's cells, as openpyxl reads them (a formula stays a formula)."""
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows()]
