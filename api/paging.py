"""Cursor paging for the API's lists: keyset paging on the list's own order, so a page never
skips or repeats a row when rows are added meanwhile, and a deep page costs what the first does.

The cursor is the last row's sort key, signed (a tampered cursor answers 400, never a 500)."""

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from portal.exceptions import ApplicationError

SALT = "api.paging"
DEFAULT_LIMIT = 25
MAX_LIMIT = 100


class PagingError(ApplicationError):
    pass


@dataclass
class Page:
    items: list
    next_cursor: str | None


def _encode(value):
    """JSON for the cursor; a datetime is tagged, so that a text key that merely looks like one
    (an agency named "2026-01-05 10:00") stays text."""
    return {"datetime": value.isoformat()} if isinstance(value, dt.datetime) else value


def _decode(value):
    if isinstance(value, dict):
        parsed = parse_datetime(str(value.get("datetime", "")))
        if parsed is None:
            raise PagingError(_("This cursor is not valid; start again without it."))
        return parsed
    return value


def page(queryset: QuerySet, *, order: tuple[str, ...], cursor: str | None, limit: int) -> Page:
    """Rows of ``queryset`` in ``order`` (field names, "-" for descending; the last one unique,
    like "pk"), after ``cursor``, at most ``limit`` (1 to MAX_LIMIT)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise PagingError(_("limit must be between 1 and %(max)d.") % {"max": MAX_LIMIT})
    queryset = queryset.order_by(*order)
    if cursor:
        try:
            values = signing.loads(cursor, salt=SALT)
        except signing.BadSignature:
            raise PagingError(_("This cursor is not valid; start again without it.")) from None
        if not isinstance(values, list) or len(values) != len(order):
            raise PagingError(_("This cursor is not valid; start again without it."))
        queryset = queryset.filter(_after(order, [_decode(v) for v in values]))
    rows = list(queryset[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = signing.dumps(
            [_encode(_value(last, name.lstrip("-"))) for name in order], salt=SALT
        )
    return Page(rows, next_cursor)


def _value(row, path: str):
    for part in path.split("__"):
        row = getattr(row, part)
    return row


def _after(order: tuple[str, ...], values: list) -> Q:
    """Rows that come after ``values`` in ``order``: (a > x) or (a = x and b > y) or …"""
    condition = Q(pk__in=[])
    equal = Q()
    for name, value in zip(order, values, strict=True):
        field = name.lstrip("-")
        lookup = "lt" if name.startswith("-") else "gt"
        condition |= equal & Q(**{f"{field}__{lookup}": value})
        equal &= Q(**{field: value})
    return condition
