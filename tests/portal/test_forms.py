"""parse_id and id_or_404: the one way the portal reads an id (or a page number) from a form or
a query string."""

import pytest
from django.http import Http404

from portal.forms import MAX_ID, id_or_404, parse_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        (" 42 ", 42),
        (7, 7),
        (str(MAX_ID), MAX_ID),
        ("²", None),  # str.isdigit() says yes, int() says no
        ("¹²³", None),
        ("-1", None),
        ("0", None),
        ("1.5", None),
        ("1e3", None),
        ("x", None),
        ("", None),
        (None, None),
        (str(MAX_ID + 1), None),
        ("9" * 10_000, None),  # past int()'s digit limit, too
    ],
)
def test_parse_id_reads_only_positive_integers_in_range(value, expected):
    assert parse_id(value) == expected


def test_id_or_404_answers_404_for_what_is_no_id():
    assert id_or_404("12") == 12
    with pytest.raises(Http404):
        id_or_404("²")
