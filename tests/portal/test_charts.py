"""The bar charts' SVG reads the same in every language: its coordinates are numbers for the
browser, never localized ("12,5" in Spanish draws no bar)."""

import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from portal.charts import bar_chart

# The bars' and labels' coordinates (the <svg>'s own width="100%" aside).
NUMBER_ATTRIBUTES = re.compile(r"<(?:rect|text)\b[^>]*")
COORDINATE = re.compile(r'\b(x|y|width|height)="([^"]*)"')


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("horizontal", [True, False])
def test_every_coordinate_is_a_plain_number(language, horizontal):
    with translation.override(language):
        chart = bar_chart(
            "Staff by stage", [("Trained in concepts", 7), ("Phase I", 3)], horizontal=horizontal
        )
        svg = render_to_string("includes/bar_chart.html", {"chart": chart, "chart_id": "c"})
    values = [found for tag in NUMBER_ATTRIBUTES.findall(svg) for found in COORDINATE.findall(tag)]
    assert len(values) >= 8
    for name, value in values:
        assert re.fullmatch(r"-?\d+(\.\d+)?", value), (language, name, value)
