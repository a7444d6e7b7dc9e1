"""Server-drawn SVG charts: the geometry is computed here and drawn by
``templates/includes/bar_chart.html``.

Every chart carries its numbers, so the template also renders a text alternative and a table
behind a disclosure (screen readers, print, no JavaScript).
"""

from dataclasses import dataclass


@dataclass
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    value_x: float
    value_y: float
    url: str = ""


@dataclass
class BarChart:
    title: str
    bars: list[Bar]
    width: int
    height: int
    horizontal: bool

    @property
    def has_links(self) -> bool:
        return any(bar.url for bar in self.bars)

    @property
    def summary(self) -> str:
        return "; ".join(f"{bar.label}: {bar.value}" for bar in self.bars)


def bar_chart(
    title: str,
    items: list[tuple[str, int]],
    *,
    urls: list[str] | None = None,
    horizontal: bool = True,
    width: int = 560,
    label_width: int = 210,
) -> BarChart:
    """Bars for ``items`` ((label, value) pairs), scaled to the largest value. ``label_width``
    (horizontal charts) is the room left of the bars for the labels."""
    urls = urls or [""] * len(items)
    top = max((value for _label, value in items), default=0) or 1
    bars = []
    if horizontal:
        row, value_width = 34, 50
        span = width - label_width - value_width
        for index, ((label, value), url) in enumerate(zip(items, urls, strict=True)):
            length = max(span * value / top, 1)
            y = index * row + 6
            bars.append(
                Bar(
                    label,
                    value,
                    label_width,
                    y,
                    length,
                    row - 12,
                    label_width - 8,
                    y + 16,
                    label_width + length + 6,
                    y + 16,
                    url,
                )
            )
        return BarChart(title, bars, width, row * len(items) + 6, True)
    column_height = 160
    slot = width / max(len(items), 1)
    for index, ((label, value), url) in enumerate(zip(items, urls, strict=True)):
        length = max(column_height * value / top, 1)
        x = index * slot + slot * 0.15
        y = 20 + column_height - length
        bars.append(
            Bar(
                label,
                value,
                x,
                y,
                slot * 0.7,
                length,
                x + slot * 0.35,
                column_height + 40,
                x + slot * 0.35,
                y - 5,
                url,
            )
        )
    return BarChart(title, bars, width, column_height + 50, False)
