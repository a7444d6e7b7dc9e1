"""What a host prints for a session: the sign-in sheet and the name badges, as PDF bytes (fpdf2).

Pure rendering, as ``certificates.py`` is, whose fonts (the bundled DejaVu, so "Peña" and
"Nguyễn" print right) and typesetter they share: plain frozen dataclasses in, bytes out, no
model and no database. The rows come from ``selectors.sign_in_sheet`` and
``selectors.name_badges``. Every fixed label goes through ``gettext``: the PDF is in the
language active when it is made.

The sign-in sheet lies on a table at the door, so it carries names and agencies only, never an
email address.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from fpdf import FPDF

from .certificates import ACCENT, CREATOR, FAMILY, MUTED, PT, TEXT, PortalPDF, Typesetter, new_pdf


@dataclass(frozen=True)
class SignInRow:
    name: str
    agency: str


@dataclass(frozen=True)
class SignInSheet:
    training_title: str
    session: str  # "Session 2 of 3: Day 2"
    when: str  # its day and times, with the zone named
    venue: str
    host: str
    rows: Sequence[SignInRow]


@dataclass(frozen=True)
class Badge:
    name: str
    agency: str


def sign_in_filename(slug: str, day: dt.date) -> str:
    return f"{slug}-sign-in-{day.isoformat()}.pdf"


# --- The sign-in sheet --------------------------------------------------------------------------

MARGIN = 15.0  # portrait Letter: 215.9 mm wide, so 185.9 mm of table
BOTTOM = 20.0  # room for the footer
TABLE_SIZE = 10.0
ROW_H = 10.0  # room to sign
CELL_PAD_X = 1.8
LINE = (160, 168, 176)


class _SheetPDF(PortalPDF):
    running_title = ""
    running_when = ""

    def header(self) -> None:
        # From the second page on, a line that says which sheet this page belongs to; the first
        # has the full heading.
        if self.page_no() == 1:
            return
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*MUTED)
        self.set_xy(self.l_margin, 8)
        self.cell(w=self.epw, h=4, text=_fitted(self, self.running_title, 8, self.epw * 0.62))
        self.set_x(self.l_margin)
        self.cell(w=self.epw, h=4, text=self.running_when, align="R")

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*MUTED)
        self.cell(w=0, h=5, text=_("Sign-in sheet"), align="L")
        self.set_x(self.l_margin)
        pages = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(w=0, h=5, text=pages, align="R")


def _fitted(pdf: FPDF, text: str, size: float, width: float, style: str = "") -> str:
    """``text`` cut with an ellipsis to fit on one line ``width`` wide."""
    type_ = Typesetter(pdf)
    room = width - 2 * pdf.c_margin
    if type_.width(text, style, size) <= room:
        return text
    while text and type_.width(text + "…", style, size) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def sign_in_sheet_pdf(sheet: SignInSheet) -> bytes:
    heading = _("Sign-in sheet")
    pdf = new_pdf(
        _SheetPDF,
        "portrait",
        title=f"{heading}: {sheet.training_title}",
        subject=f"{sheet.session} · {sheet.when}",
    )
    pdf.running_title = sheet.training_title
    pdf.running_when = sheet.when
    pdf.set_margins(left=MARGIN, top=MARGIN, right=MARGIN)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    type_ = Typesetter(pdf)
    x, width = MARGIN, pdf.epw

    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.set_char_spacing(1.2)
    pdf.set_xy(x, MARGIN)
    pdf.cell(w=width, h=5, text=CREATOR.upper())
    pdf.set_char_spacing(0)
    y = type_.write(heading, x=x, y=MARGIN + 6, width=width, size=18, style="B", align="L",
                    color=ACCENT)  # fmt: skip
    y = type_.write(sheet.training_title, x=x, y=y + 1, width=width, size=13, style="B",
                    align="L")  # fmt: skip
    y = type_.write(f"{sheet.session} · {sheet.when}", x=x, y=y + 1, width=width, size=10,
                    align="L")  # fmt: skip
    if sheet.venue:
        y = type_.write(_("Where: %(venue)s") % {"venue": sheet.venue}, x=x, y=y, width=width,
                        size=10, align="L")  # fmt: skip
    if sheet.host:
        y = type_.write(_("Host: %(agency)s") % {"agency": sheet.host}, x=x, y=y, width=width,
                        size=10, align="L", color=MUTED)  # fmt: skip
    y = type_.write(_("Please sign beside your name."), x=x, y=y + 2, width=width, size=9,
                    align="L", color=MUTED)  # fmt: skip
    y = _sign_in_table(pdf, type_, sheet.rows, y=y + 3)
    if not sheet.rows:
        type_.write(_("No one is confirmed for this training yet."), x=x, y=y + 3, width=width,
                    size=10, align="L")  # fmt: skip
    return bytes(pdf.output())


def _sign_in_table(pdf: FPDF, type_: Typesetter, rows: Sequence[SignInRow], *, y: float) -> float:
    """One row per person, numbered; a row never splits, and the heading repeats on every page.
    A name or agency too long for two lines is cut with an ellipsis."""
    columns = (  # label, width, alignment
        ("#", 10.0, "R"),
        (_("Name"), 62.0, "L"),
        (_("Agency"), 52.0, "L"),
        (_("Signature"), pdf.epw - 124.0, "L"),
    )
    line_h = TABLE_SIZE * PT * 1.2

    def cells(texts: Sequence[str], style: str, size: float) -> list[list[str]]:
        cut = []
        for text, (_label, width, _align) in zip(texts, columns, strict=True):
            lines = type_.lines(text, style, size, width - 2 * CELL_PAD_X + 2 * pdf.c_margin)
            if len(lines) > 2:
                lines = [lines[0], _fitted(pdf, " ".join(lines[1:]), size, width, style)]
            cut.append(lines)
        return cut

    def draw(texts: Sequence[str], top: float, *, heading: bool) -> float:
        size = 9.0 if heading else TABLE_SIZE
        style = "B" if heading else ""
        lines_per_cell = cells(texts, style, size)
        height = max(ROW_H if not heading else 7.0, max(map(len, lines_per_cell)) * line_h + 3)
        if heading:
            pdf.set_fill_color(*ACCENT)
            pdf.rect(MARGIN, top, pdf.epw, height, style="F")
        pdf.set_font(FAMILY, style, size)
        pdf.set_text_color(*((255, 255, 255) if heading else TEXT))
        pdf.set_draw_color(*LINE)
        pdf.set_line_width(0.25)
        left = MARGIN
        for lines, (_label, width, align) in zip(lines_per_cell, columns, strict=True):
            text_top = top + (height - len(lines) * line_h) / 2
            for n, line in enumerate(lines):
                pdf.set_xy(left + CELL_PAD_X - pdf.c_margin, text_top + n * line_h)
                pdf.cell(w=width - 2 * CELL_PAD_X + 2 * pdf.c_margin, h=line_h, text=line,
                         align=align)  # fmt: skip
            if not heading:
                pdf.rect(left, top, width, height)
            left += width
        return top + height

    labels = [label for label, _width, _align in columns]
    y = draw(labels, y, heading=True)
    for number, row in enumerate(rows, start=1):
        texts = (str(number), row.name, row.agency, "")
        if y + ROW_H + line_h > pdf.h - BOTTOM:
            pdf.add_page()
            y = draw(labels, pdf.t_margin, heading=True)
        y = draw(texts, y, heading=False)
    return y


# --- Name badges --------------------------------------------------------------------------------

# Eight 4 × 2.5 in badges on a portrait US Letter page, two across and four down (the size of
# common badge inserts and label sheets), with a dashed line to cut along.
BADGE_W, BADGE_H = 101.6, 63.5
BADGE_LEFT, BADGE_TOP = 6.35, 12.7
BADGES_ACROSS, BADGES_DOWN = 2, 4
BADGES_PER_PAGE = BADGES_ACROSS * BADGES_DOWN
BADGE_PAD = 6.0


def _fit(
    type_: Typesetter, text: str, *, style: str, size: float, least: float, width: float,
    max_lines: int,
) -> tuple[float, list[str]]:  # fmt: skip
    """The largest size from ``size`` down to ``least`` at which ``text`` takes at most
    ``max_lines`` lines, and its lines (at ``least``, cut to ``max_lines``)."""
    while size > least and len(type_.lines(text, style, size, width)) > max_lines:
        size -= 0.5
    lines = type_.lines(text, style, size, width)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _fitted(type_.pdf, " ".join(lines[max_lines - 1 :]),
                                                  size, width, style)]  # fmt: skip
    return size, lines


def badges_pdf(*, training_title: str, badges: Sequence[Badge]) -> bytes:
    heading = _("Name badges")
    pdf = new_pdf(PortalPDF, "portrait", title=f"{heading}: {training_title}",
                  subject=training_title)  # fmt: skip
    pdf.set_auto_page_break(False)
    pdf.set_margins(left=BADGE_LEFT, top=BADGE_TOP, right=BADGE_LEFT)
    type_ = Typesetter(pdf)
    if not badges:
        pdf.add_page()
        type_.write(_("No one is confirmed for this training yet."), x=20, y=30, width=175,
                    size=12, align="L")  # fmt: skip
        return bytes(pdf.output())
    for index, badge in enumerate(badges):
        slot = index % BADGES_PER_PAGE
        if slot == 0:
            pdf.add_page()
        column, row = slot % BADGES_ACROSS, slot // BADGES_ACROSS
        _badge(pdf, type_, badge, training_title,
               x=BADGE_LEFT + column * BADGE_W, y=BADGE_TOP + row * BADGE_H)  # fmt: skip
    return bytes(pdf.output())


def _badge(pdf: FPDF, type_: Typesetter, badge: Badge, training_title: str, *, x: float,
           y: float) -> None:  # fmt: skip
    pdf.set_draw_color(*LINE)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=1.5, gap=1.5)
    pdf.rect(x, y, BADGE_W, BADGE_H)
    pdf.set_dash_pattern()
    pdf.set_fill_color(*ACCENT)
    pdf.rect(x, y, BADGE_W, 4.0, style="F")

    inner_x, inner_w = x + BADGE_PAD, BADGE_W - 2 * BADGE_PAD
    name_size, name_lines = _fit(type_, badge.name, style="B", size=24, least=14, width=inner_w,
                                 max_lines=2)  # fmt: skip
    agency_size, agency_lines = _fit(type_, badge.agency, style="", size=12, least=9,
                                     width=inner_w, max_lines=2)  # fmt: skip
    name_h = len(name_lines) * name_size * PT * 1.2
    agency_h = len(agency_lines) * agency_size * PT * 1.25 if badge.agency else 0.0
    # The name and agency centred in the space between the band and the training's title.
    top, bottom = y + 8.0, y + BADGE_H - 14.0
    start = top + max(0.0, (bottom - top - name_h - agency_h - 2) / 2)
    below = type_.write("\n".join(name_lines), x=inner_x, y=start, width=inner_w,
                        size=name_size, style="B", leading=1.2)  # fmt: skip
    if badge.agency:
        type_.write("\n".join(agency_lines), x=inner_x, y=below + 2, width=inner_w,
                    size=agency_size, color=MUTED, leading=1.25)  # fmt: skip
    _size, title_lines = _fit(type_, training_title, style="", size=8.5, least=7,
                              width=inner_w, max_lines=2)  # fmt: skip
    type_.write("\n".join(title_lines), x=inner_x, y=y + BADGE_H - 12.0, width=inner_w,
                size=_size, color=ACCENT, leading=1.2)  # fmt: skip
