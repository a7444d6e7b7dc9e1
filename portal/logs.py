"""The formats of a log line, shared by Django's ``LOGGING`` (portal/settings/base.py) and
gunicorn's ``logconfig_dict`` (deploy/gunicorn.conf.py), so that the web server's, the portal's
and the worker's lines look alike. Imports nothing from Django: gunicorn reads it first.

``json`` writes one JSON object per line, traceback included as one field, for a log
collector; ``plain`` is for reading in a terminal.
"""

import logging

ISO_TIME = "%Y-%m-%dT%H:%M:%S%z"  # with the UTC offset

FORMATTERS = {
    "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s", "datefmt": ISO_TIME},
    "json": {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        "datefmt": ISO_TIME,
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
    },
}


class ClientErrorWithoutTraceback(logging.Filter):
    """One line for a refused request. Django logs a PermissionDenied (403) or a BadRequest (400)
    on ``django.request`` with the exception's traceback, though nothing went wrong on our side;
    a 5xx keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= getattr(record, "status_code", 0) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
