"""The certificate of attendance and the transcript, as PDF bytes (fpdf2, segno).

Pure rendering: plain frozen dataclasses in, bytes out, no model and no database, so the
services, the ZIP download and the benchmark call it alike. The fonts are the bundled DejaVu
Sans and Sans Bold (``trainings/fonts/``, with their licence): nothing is read from the system,
and text shaping (HarfBuzz, through uharfbuzz) joins Arabic and lays out Hebrew and Arabic
right to left.

Every fixed label goes through ``gettext``: the PDF is in the language active when it is made.
Both documents say what a certificate of attendance is not (``disclaimer()``).

Speed (bench/certificates.py): a certificate takes 50–60 ms of CPU, against about 200 ms the
straightforward way (``add_font`` and ``multi_cell`` per document), which spends it on:

- fontTools parsing the two 750 KB fonts (6,253 glyphs each) for ``add_font``: each thread
  parses them once (``_prototypes``) and every document gets a light copy (``_attach_fonts``);
- fontTools subsetting them into the PDF at ``output()``: it starts from a copy of each font cut
  down once per process to the 2,157 glyphs of the Latin, Greek, Cyrillic, Hebrew and Arabic
  blocks (``_Working``), or from the whole font when a document uses a glyph outside them;
- fpdf2's ``multi_cell``, which measures (and shapes) each line again for every character it
  adds: lines are broken here, measuring each word once (``Typesetter``).
"""

import copy
import functools
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import segno
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from fontTools import subset as ftsubset
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont
from fpdf.output import OutputProducer

FONT_DIR = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
# The PDF's Creator (metadata, for machines); the printed heading is translated.
CREATOR = "NMT Community of Practice Portal"

ACCENT = (15, 92, 99)  # the portal's --portal-accent
TEXT = (31, 41, 51)
MUTED = (75, 85, 99)
DANGER = (155, 28, 28)  # --portal-danger
PT = 25.4 / 72  # millimetres per point


def disclaimer() -> str:
    return _(
        "This certificate records attendance at a training. It is not a certification of "
        "clinical competence, and it is not NMT certification, which only the Neurosequential "
        "Network grants."
    )


@dataclass(frozen=True)
class CertificateContent:
    name: str
    training_title: str
    dates: str
    hours: str
    host_agency: str
    trainer: str
    ce_statement: str
    licence: str
    code: str
    verify_url: str
    issued_on: str
    revoked: bool = False


@dataclass(frozen=True)
class TranscriptRow:
    title: str
    dates: str
    hours: str
    ce_hours: str
    code: str


# --- Fonts -------------------------------------------------------------------------------------

# The blocks of the working copies: Latin (with its extensions, the combining accents and
# Vietnamese), Greek, Cyrillic, Hebrew and Arabic with their presentation forms, punctuation,
# currency and letterlike symbols.
WORKING_BLOCKS = (
    (0x0020, 0x007E), (0x00A0, 0x024F), (0x02B0, 0x036F), (0x0370, 0x03FF), (0x0400, 0x052F),
    (0x0590, 0x05FF), (0x0600, 0x06FF), (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x20A0, 0x20CF),
    (0x2100, 0x214F), (0xFB00, 0xFB4F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF),
)  # fmt: skip
# The tables fpdf2 drops when it embeds a font (fpdf/output.py), and kern, which fontTools drops.
UNUSED_TABLES = ("FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "kern")


@dataclass(frozen=True)
class _Working:
    """A font cut down to ``WORKING_BLOCKS``, as bytes, made once per process.

    Its glyphs keep the names they have in the whole font, which is what fpdf2 subsets by.
    The bytes carry no names (``post`` format 3, nothing to decode per document): ``open()``
    gives them back from ``order``.
    """

    data: bytes
    order: tuple[str, ...]
    names: frozenset[str]

    @classmethod
    def make(cls, data: bytes) -> "_Working":
        font = _open(data)
        options = ftsubset.Options(
            glyph_names=True, notdef_outline=True, recommended_glyphs=True, layout_closure=False,
            name_IDs=["*"], name_languages=["*"], drop_tables=[
                *ftsubset.Options().drop_tables, *UNUSED_TABLES,
            ],
        )  # fmt: skip
        subsetter = ftsubset.Subsetter(options)
        subsetter.populate(unicodes=[c for a, b in WORKING_BLOCKS for c in range(a, b + 1)])
        subsetter.subset(font)
        order = tuple(font.getGlyphOrder())
        font["post"].formatType = 3.0
        buffer = io.BytesIO()
        font.save(buffer)
        return cls(data=buffer.getvalue(), order=order, names=frozenset(order))

    def open(self) -> ttLib.TTFont:
        font = _open(self.data)
        font.setGlyphOrder(list(self.order))
        return font


@functools.cache
def _font_file(style: str) -> bytes:
    return (FONT_DIR / FONT_FILES[style]).read_bytes()


def _open(data: bytes) -> ttLib.TTFont:
    """A font that fontTools reads from memory as it needs its tables (no file left open).

    ``recalcBBoxes=False``: saving the subset then copies each glyph's outline as it is, rather
    than decoding it to compute a bounding box that the font already holds.
    """
    return ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False, lazy=True)


_working: dict[str, _Working] = {}
_working_lock = threading.Lock()


def _working_font(style: str) -> _Working:
    with _working_lock:
        if style not in _working:
            _working[style] = _Working.make(_font_file(style))
        return _working[style]


_local = threading.local()


def _prototypes() -> dict[str, TTFFont]:
    """This thread's two fonts, parsed by ``add_font`` on its first document.

    Per thread, not per process: fpdf2 sets the size on the HarfBuzz font before each shaping
    call, and fontTools decompiles tables on first use; threads share neither.
    """
    prototypes = getattr(_local, "prototypes", None)
    if prototypes is None:
        loader = FPDF()
        prototypes = {}
        for style, filename in FONT_FILES.items():
            loader.add_font(FAMILY, style, fname=FONT_DIR / filename)
            font = loader.fonts[f"{FAMILY.lower()}{style}"]
            font.hbfont  # noqa: B018 (opens the HarfBuzz face now rather than per document)
            # fpdf2 keeps the file open for fontTools to read from; the same bytes in memory
            # instead, shared by every thread.
            font.ttfont.close()
            font.ttfont = _open(_font_file(style))
            prototypes[style] = font
        _local.prototypes = prototypes
    return prototypes


def _attach_fonts(pdf: FPDF) -> None:
    """What ``pdf.add_font`` does for the two fonts, without parsing them again.

    The copy shares what fpdf2 only reads while laying out (the character map, the widths, the
    descriptor, the HarfBuzz font, and the parsed font, for glyph names and advances) and gets
    its own record of the glyphs this document uses. ``_FontSwappingProducer`` gives each copy
    the font that it subsets in place. This leans on fpdf2's ``TTFFont`` attributes (2.8.9, locked):
    the tests render and parse back every case, so an upgrade that changes them fails there.
    """
    for prototype in _prototypes().values():
        font = copy.copy(prototype)
        font.i = len(pdf.fonts) + 1
        font.subset = SubsetMap(font)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        pdf.fonts[prototype.fontkey] = font


class _FontSwappingProducer(OutputProducer):
    """fpdf2's writer, after giving each font a fresh fontTools font to subset.

    fpdf2 subsets ``font.ttfont`` in place while it writes the file, so the thread's parsed font
    (which maps HarfBuzz's glyph ids to names while laying out, the last footer included) is
    swapped out here, once everything is drawn: for the working copy when it has every glyph
    the document uses, else for the whole font.
    """

    def bufferize(self) -> bytearray:
        for style, prototype in _prototypes().items():
            font = self.fpdf.fonts[prototype.fontkey]
            working = _working_font(style)
            if working.names.issuperset(font.subset.get_all_glyph_names()):
                font.ttfont = working.open()
            else:
                font.ttfont = _open(_font_file(style))
        return super().bufferize()


# ``PortalPDF``, ``new_pdf`` and ``Typesetter`` are shared with the host's printouts
# (trainings/printouts.py): the same fonts, made the same fast way.


class PortalPDF(FPDF):
    def output(self) -> bytearray:
        # No other arguments: linearize=True, for one, would write with another producer, and
        # subset the thread's parsed fonts in place.
        return super().output(output_producer_class=_FontSwappingProducer)


def new_pdf(pdf_class: type[PortalPDF], orientation: str, *, title: str, subject: str) -> PortalPDF:
    pdf = pdf_class(orientation=orientation, unit="mm", format="Letter")
    _attach_fonts(pdf)
    pdf.set_text_shaping(True)
    pdf.set_title(title)
    pdf.set_subject(subject)
    pdf.set_creator(CREATOR)
    pdf.set_author(CREATOR)
    pdf.set_lang(get_language() or "en")
    return pdf


# --- Text ----------------------------------------------------------------------------------------


# fpdf2's text shaping settings, as ``set_text_shaping(True)`` makes them.
SHAPING = {"use_shaping_engine": True, "features": {}, "direction": None, "script": None,
           "language": None, "fragment_direction": None, "paragraph_direction": None}  # fmt: skip


@functools.lru_cache(maxsize=8192)
def _unit_width(text: str, style: str) -> float:
    """The width of ``text`` at 1 pt, in points, shaped as fpdf2 shapes it (no line break inside).

    The font's own measure, without fpdf2's bidirectional pass: a word has one direction, and
    its width does not depend on it. Widths scale with the size, and do not depend on the
    thread (each thread measures with its own font).
    """
    font = _prototypes()[style]
    _glyphs, width = font.get_text_width(text, 1000.0, SHAPING)
    return width / 1000.0


class Typesetter:
    """Breaks and writes paragraphs, measuring each word once.

    fpdf2's own ``multi_cell`` measures the line again for every character it adds (and, with
    text shaping on, shapes it again): about 25 ms for a 200-character title. Here each word is
    shaped once (a width at one size scales to any other) and each finished line is written
    with ``cell``, which shapes it and, for right-to-left text, reorders it: lines are broken in
    logical order and each is laid out on its own, as the Unicode bidirectional algorithm wants.
    """

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf

    def width(self, text: str, style: str, size: float) -> float:
        """In millimetres."""
        return _unit_width(text, style) * size / self.pdf.k

    def lines(self, text: str, style: str, size: float, width: float) -> list[str]:
        """Greedy line breaks at spaces; a word wider than a line is broken between letters.

        Only at spaces: a no-break space (U+00A0) keeps its neighbours together.
        """
        room = width - 2 * self.pdf.c_margin
        space = self.width(" ", style, size)
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line, line_width = [], 0.0
            for word in filter(None, paragraph.split(" ")):
                for piece in self._pieces(word, style, size, room):
                    piece_width = self.width(piece, style, size)
                    if line and line_width + space + piece_width > room:
                        lines.append(" ".join(line))
                        line, line_width = [], 0.0
                    line_width += (space if line else 0.0) + piece_width
                    line.append(piece)
            lines.append(" ".join(line))
        return lines

    def _pieces(self, word: str, style: str, size: float, room: float) -> list[str]:
        if self.width(word, style, size) <= room:
            return [word]
        pieces, piece = [], ""
        for char in word:
            if piece and self.width(piece + char, style, size) > room:
                pieces.append(piece)
                piece = ""
            piece += char
        return [*pieces, piece]

    def write(
        self, text: str, *, x: float, y: float, width: float, size: float, style: str = "",
        align: str = "C", color: tuple[int, int, int] = TEXT, leading: float = 1.28,
        new_pages: bool = False,
    ) -> float:  # fmt: skip
        """Write ``text`` in a box ``width`` wide from (x, y); return the y under it.

        With ``new_pages``, a line that would pass the bottom margin starts a new page.
        """
        lines = self.lines(text, style, size, width)
        height = size * PT * leading
        self.pdf.set_font(FAMILY, style, size)
        self.pdf.set_text_color(*color)
        for line in lines:
            if new_pages and y + height > self.pdf.page_break_trigger:
                self.pdf.add_page()
                self.pdf.set_font(FAMILY, style, size)
                self.pdf.set_text_color(*color)
                y = self.pdf.t_margin
            self.pdf.set_xy(x, y)
            self.pdf.cell(w=width, h=height, text=line, align=align)
            y += height
        return y


# --- The certificate ----------------------------------------------------------------------------

# Landscape Letter, in millimetres.
PAGE_W, PAGE_H = 279.4, 215.9
BODY_X, BODY_W = 27.2, 225.0  # the centred text
BODY_TOP, BODY_BOTTOM = 47.0, 150.0  # between the heading and the verification block


@dataclass(frozen=True)
class _Block:
    text: str
    size: float  # in points, at scale 1
    bold: bool = False
    color: tuple[int, int, int] = TEXT
    gap: float = 0.0  # space before, in millimetres at scale 1
    max_lines: int = 0  # made smaller until it fits in so many lines, down to min_size
    min_size: float = 0.0

    @property
    def style(self) -> str:
        return "B" if self.bold else ""


def _certificate_blocks(content: CertificateContent) -> list[_Block]:
    blocks = [
        _Block(_("This certifies that"), 13, color=MUTED),
        # A long name goes on two lines rather than in small print.
        _Block(content.name, 28, bold=True, gap=2, max_lines=1, min_size=20),
        _Block(_("attended"), 13, color=MUTED, gap=2),
        _Block(
            content.training_title, 19, bold=True, color=ACCENT, gap=2, max_lines=3, min_size=13
        ),
        _Block(content.dates, 12, gap=2),
    ]
    details = [_("Hours attended: %(hours)s") % {"hours": content.hours}]
    if content.host_agency:
        details.append(_("Host: %(agency)s") % {"agency": content.host_agency})
    if content.trainer:
        details.append(_("Trainer: %(trainer)s") % {"trainer": content.trainer})
    blocks.append(_Block("  ·  ".join(details), 12, gap=4))
    if content.licence:
        blocks.append(_Block(_("License: %(licence)s") % {"licence": content.licence}, 11, gap=1))
    if content.ce_statement:
        blocks.append(_Block(content.ce_statement, 10, color=MUTED, gap=4))
    return blocks


def _layout(type_: Typesetter, blocks: list[_Block], scale: float) -> tuple[list[float], float]:
    """Each block's size at ``scale`` (the title and name shrink to their lines) and the height."""
    sizes, height = [], 0.0
    for block in blocks:
        size = block.size * scale
        floor = min(block.min_size, size)
        while block.max_lines and size > floor:
            if len(type_.lines(block.text, block.style, size, BODY_W)) <= block.max_lines:
                break
            size = max(floor, size - 0.5)
        lines = type_.lines(block.text, block.style, size, BODY_W)
        sizes.append(size)
        height += block.gap * scale + len(lines) * size * PT * 1.28
    return sizes, height


def _qr_png(url: str) -> io.BytesIO:
    buffer = io.BytesIO()
    # error="m": it still reads with 15 % of it damaged (a fold, a stamp); segno raises the level
    # when the URL leaves room at the same size. PNG with the standard quiet zone of 4 modules.
    segno.make(url, error="m").save(buffer, kind="png", scale=6)
    buffer.seek(0)
    return buffer


def certificate_pdf(content: CertificateContent) -> bytes:
    heading = _("Certificate of attendance")
    pdf = new_pdf(
        PortalPDF, "landscape", title=f"{heading}: {content.training_title}", subject=content.name
    )
    pdf.set_keywords(content.code)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    type_ = Typesetter(pdf)

    # The frame: a thick line and a thin one.
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, PAGE_W - 22, PAGE_H - 22)

    pdf.set_font(FAMILY, "", 10)
    pdf.set_text_color(*MUTED)
    pdf.set_char_spacing(1.5)
    pdf.set_xy(BODY_X, 20)
    pdf.cell(w=BODY_W, h=5, text=_("NMT Community of Practice Portal").upper(), align="C")
    pdf.set_char_spacing(0)
    below_heading = type_.write(
        heading, x=BODY_X, y=28, width=BODY_W, size=30, style="B", color=ACCENT
    )

    # The body shrinks as a whole until it fits between the heading and the verification block
    # (a long title, a long CE statement): nothing is cut off, and it stays on one page.
    blocks = _certificate_blocks(content)
    top = max(BODY_TOP, below_heading + 4)  # a translated heading may take two lines
    space, scale = BODY_BOTTOM - top, 1.0
    sizes, height = _layout(type_, blocks, scale)
    while height > space and scale > 0.5:
        scale = round(scale - 0.1, 2)
        sizes, height = _layout(type_, blocks, scale)
    y = top + max(0.0, (space - height) / 2)
    for block, size in zip(blocks, sizes, strict=True):
        y = type_.write(
            block.text, x=BODY_X, y=y + block.gap * scale, width=BODY_W, size=size,
            style=block.style, color=block.color,
        )  # fmt: skip

    _verification(pdf, type_, content)
    type_.write(disclaimer(), x=BODY_X, y=PAGE_H - 26, width=BODY_W, size=8, color=MUTED)
    if content.revoked:
        _revoked_band(pdf, type_)
    return bytes(pdf.output())


def _verification(pdf: FPDF, type_: Typesetter, content: CertificateContent) -> None:
    """The date, the code, the URL and the QR code (which encodes exactly ``verify_url``)."""
    qr_size, top = 34.0, 153.0
    qr_x = PAGE_W - 22 - qr_size
    pdf.image(_qr_png(content.verify_url), x=qr_x, y=top, w=qr_size, h=qr_size)
    x, width = 20.0, qr_x - 20 - 8
    issued = _("Issued on %(date)s") % {"date": content.issued_on}
    y = type_.write(issued, x=x, y=top + 3, width=width, size=10, align="L", color=MUTED)
    y = type_.write(_("Verification code"), x=x, y=y + 2, width=width, size=10, align="L",
                    color=MUTED)  # fmt: skip
    y = type_.write(content.code, x=x, y=y, width=width, size=15, style="B", align="L")
    verify = _("Verify at %(url)s") % {"url": content.verify_url}
    type_.write(verify, x=x, y=y + 0.5, width=width, size=9, align="L", color=MUTED)


def _revoked_band(pdf: FPDF, type_: Typesetter) -> None:
    band_h = 40.0
    top = (PAGE_H - band_h) / 2
    with pdf.local_context(fill_opacity=0.88):
        pdf.set_fill_color(*DANGER)
        pdf.rect(0, top, PAGE_W, band_h, style="F")
    white = (255, 255, 255)
    type_.write(_("REVOKED"), x=0, y=top + 5, width=PAGE_W, size=48, style="B", color=white,
                leading=1.15)  # fmt: skip
    type_.write(_("This certificate was revoked and is no longer valid."), x=0, y=top + 26,
                width=PAGE_W, size=11, color=white)  # fmt: skip


# --- The transcript -----------------------------------------------------------------------------

MARGIN = 18.0  # portrait Letter: 215.9 mm wide, so 179.9 mm of text
TABLE_SIZE = 9.0
CELL_PAD_X, CELL_PAD_Y = 1.6, 1.3


class _TranscriptPDF(PortalPDF):
    running_title = ""

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*MUTED)
        self.cell(w=0, h=5, text=self.running_title, align="L")
        self.set_x(self.l_margin)
        pages = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(w=0, h=5, text=pages, align="R")


def transcript_pdf(
    *,
    name: str,
    licence: str,
    rows: Sequence[TranscriptRow],
    total_hours: str,
    generated_on: str,
    site_url: str,
) -> bytes:
    heading = _("Transcript of training attendance")
    pdf = new_pdf(_TranscriptPDF, "portrait", title=f"{heading}: {name}", subject=name)
    pdf.running_title = f"{heading} · {name}"
    pdf.set_margins(left=MARGIN, top=MARGIN, right=MARGIN)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_page()
    type_ = Typesetter(pdf)
    x, width = MARGIN, pdf.epw

    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.set_char_spacing(1.2)
    pdf.set_xy(x, MARGIN)
    pdf.cell(w=width, h=5, text=_("NMT Community of Practice Portal").upper())
    pdf.set_char_spacing(0)
    y = type_.write(heading, x=x, y=MARGIN + 6, width=width, size=20, style="B", align="L",
                    color=ACCENT)  # fmt: skip
    y = type_.write(name, x=x, y=y + 1, width=width, size=14, style="B", align="L")
    if licence:
        y = type_.write(_("License: %(licence)s") % {"licence": licence}, x=x, y=y, width=width,
                        size=10, align="L", color=MUTED)  # fmt: skip
    generated = _("Generated on %(date)s") % {"date": generated_on}
    y = type_.write(generated, x=x, y=y, width=width, size=10, align="L", color=MUTED)

    if rows:
        y = _transcript_table(pdf, type_, rows, y=y + 4)
    else:
        y = type_.write(_("No training attended yet."), x=x, y=y + 4, width=width, size=10,
                        align="L")  # fmt: skip
    total = _("Total hours attended: %(hours)s") % {"hours": total_hours}
    y = type_.write(total, x=x, y=y + 3, width=width, size=11, style="B", align="L",
                    new_pages=True)  # fmt: skip
    verify = _("Each certificate can be verified at %(url)s followed by its code.") % {
        "url": f"{site_url.rstrip('/')}/certificates/"
    }
    y = type_.write(verify, x=x, y=y + 3, width=width, size=9, align="L", color=MUTED,
                    new_pages=True)  # fmt: skip
    type_.write(disclaimer(), x=x, y=y + 2, width=width, size=9, align="L", color=MUTED,
                new_pages=True)  # fmt: skip
    return bytes(pdf.output())


def _transcript_table(
    pdf: FPDF, type_: Typesetter, rows: Sequence[TranscriptRow], *, y: float
) -> float:
    """One row per training; a row never splits, and the heading repeats on every page."""
    columns = (  # label, width, alignment
        (_("Training"), 58.0, "L"),
        (_("Dates"), 32.0, "L"),
        (_("Hours"), 15.0, "R"),
        (_("CE hours"), 19.0, "R"),
        (_("Code"), pdf.epw - 124.0, "L"),  # a whole code on one line
    )
    line_h = TABLE_SIZE * PT * 1.25

    def cells(texts: Sequence[str], style: str) -> tuple[list[list[str]], float]:
        lines = [
            type_.lines(text, style, TABLE_SIZE, width - 2 * CELL_PAD_X + 2 * pdf.c_margin)
            for text, (_label, width, _align) in zip(texts, columns, strict=True)
        ]
        return lines, max(len(cell) for cell in lines) * line_h + 2 * CELL_PAD_Y

    def draw(row: tuple[list[list[str]], float], top: float, *, heading: bool) -> float:
        lines_per_cell, height = row
        if heading:
            pdf.set_fill_color(*ACCENT)
            pdf.rect(MARGIN, top, pdf.epw, height, style="F")
        pdf.set_font(FAMILY, "B" if heading else "", TABLE_SIZE)
        pdf.set_text_color(*((255, 255, 255) if heading else TEXT))
        left = MARGIN
        for lines, (_label, width, align) in zip(lines_per_cell, columns, strict=True):
            for n, line in enumerate(lines):
                pdf.set_xy(left + CELL_PAD_X - pdf.c_margin, top + CELL_PAD_Y + n * line_h)
                pdf.cell(w=width - 2 * CELL_PAD_X + 2 * pdf.c_margin, h=line_h, text=line,
                         align=align)  # fmt: skip
            left += width
        if not heading:
            pdf.set_draw_color(200, 206, 212)
            pdf.set_line_width(0.2)
            pdf.line(MARGIN, top + height, MARGIN + pdf.epw, top + height)
        return top + height

    heading = cells([label for label, _width, _align in columns], "B")
    y = draw(heading, y, heading=True)
    for row in rows:
        body = cells((row.title, row.dates, row.hours, row.ce_hours or "—", row.code), "")
        if y + body[1] > pdf.page_break_trigger:
            pdf.add_page()
            y = draw(heading, pdf.t_margin, heading=True)
        y = draw(body, y, heading=False)
    return y
