"""Log lines (portal/logs.py): a refused request (4xx) is one line without a traceback; a server
error keeps its traceback."""

import json
import logging
import sys

import pytest
from django.urls import reverse
from pythonjsonlogger.json import JsonFormatter

from portal.logs import FORMATTERS, ClientErrorWithoutTraceback


def test_a_403_is_logged_once_on_one_line_without_a_traceback(client, staff_a, agency_a, caplog):
    client.force_login(staff_a)  # staff of the agency, not its coordinator
    with caplog.at_level(logging.INFO):
        response = client.get(reverse("members:manage_home", args=[agency_a.slug]))

    assert response.status_code == 403
    [record] = [record for record in caplog.records if record.name == "django.request"]
    assert record.levelno == logging.WARNING
    assert record.status_code == 403
    assert record.exc_info is None
    assert "Traceback" not in caplog.text
    plain = logging.Formatter(FORMATTERS["plain"]["format"]).format(record)
    assert "\n" not in plain
    assert plain.endswith(
        f"WARNING django.request: Forbidden (Permission denied): {record.args[0]}"
    )
    line = JsonFormatter(FORMATTERS["json"]["fmt"]).format(record)
    assert "\n" not in line
    assert "exc_info" not in json.loads(line)


def _record(status_code: int) -> logging.LogRecord:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.getLogger("django.request").makeRecord(
        "django.request", logging.ERROR, __file__, 1, "%s", ("/x/",), exc_info
    )
    record.status_code = status_code
    return record


@pytest.mark.parametrize("status_code", [500, 503])
def test_a_server_error_keeps_its_traceback(status_code):
    record = _record(status_code)
    assert ClientErrorWithoutTraceback().filter(record)
    assert record.exc_info is not None
    assert "Traceback" in logging.Formatter().format(record)


@pytest.mark.parametrize("status_code", [400, 403])
def test_a_client_error_loses_only_its_traceback(status_code):
    record = _record(status_code)
    assert ClientErrorWithoutTraceback().filter(record)
    assert record.exc_info is None
    assert logging.Formatter("%(message)s").format(record) == "/x/"
