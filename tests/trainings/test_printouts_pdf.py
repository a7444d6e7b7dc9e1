"""The sign-in sheet and the name badges, rendered and read back with pypdf. Pure rendering: no
database. Text is compared with its whitespace collapsed."""

import io

import pypdf
from django.utils import translation

from trainings.printouts import (
    BADGES_PER_PAGE,
    Badge,
    SignInRow,
    SignInSheet,
    badges_pdf,
    sign_in_sheet_pdf,
)

TITLE = "NMT Phase I Certification Cohort"


def read(pdf: bytes) -> pypdf.PdfReader:
    assert pdf.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(pdf))


def text(page) -> str:
    return " ".join(page.extract_text().split())


def sheet(rows) -> SignInSheet:
    return SignInSheet(
        training_title=TITLE,
        session="Session 2 of 3: Day 2",
        when="Thu, Dec 3, 2026 · 9:00 AM – 4:00 PM PST",
        venue="Health Campus, 225 37th Ave, San Mateo, CA",
        host="Bayside Clinic",
        rows=rows,
    )


def test_the_sign_in_sheet_names_the_training_session_time_venue_and_people_in_order():
    rows = [SignInRow("Ana Peña", "Bayside Clinic"), SignInRow("Nguyễn Thị Minh", "Hilltop")]

    reader = read(sign_in_sheet_pdf(sheet(rows)))

    page = text(reader.pages[0])
    assert len(reader.pages) == 1
    for expected in (
        "Sign-in sheet", TITLE, "Session 2 of 3: Day 2",
        "Thu, Dec 3, 2026 · 9:00 AM – 4:00 PM PST", "Health Campus, 225 37th Ave",
        "Name", "Agency", "Signature", "Page 1 of 1",
    ):  # fmt: skip
        assert expected in page, expected
    assert page.index("Ana Peña") < page.index("Nguyễn Thị Minh")
    assert "Bayside Clinic" in page
    assert "Hilltop" in page


def test_a_long_roster_repeats_the_header_row_and_numbers_the_pages():
    rows = [SignInRow(f"Person {n:03d}", "Bayside Clinic") for n in range(70)]

    reader = read(sign_in_sheet_pdf(sheet(rows)))

    pages = [text(page) for page in reader.pages]
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert "Name Agency Signature" in page, number
        assert f"Page {number} of {len(pages)}" in page
    # Later pages say which sheet they belong to; each person is on exactly one page.
    assert TITLE in pages[1]
    everyone = " ".join(pages)
    assert all(everyone.count(f"Person {n:03d}") == 1 for n in range(70))
    assert "Person 069" in pages[-1]
    assert "Person 069" not in pages[0]


def test_an_empty_roster_says_nobody_is_confirmed():
    page = text(read(sign_in_sheet_pdf(sheet([]))).pages[0])

    assert "No one is confirmed for this training yet." in page


def test_the_sign_in_sheet_is_in_the_active_language():
    with translation.override("es"):
        page = text(read(sign_in_sheet_pdf(sheet([SignInRow("Ana Peña", "")]))).pages[0])

    assert "Hoja de firmas de asistencia" in page
    assert "Firma" in page
    assert "Sign-in sheet" not in page


def test_a_name_too_long_for_its_cell_is_cut_not_spilled():
    long_name = "Bartholomew Alexander Featherstonehaugh-Cholmondeley of Santa Clara County"
    page = text(read(sign_in_sheet_pdf(sheet([SignInRow(long_name, "")]))).pages[0])

    assert "Bartholomew" in page
    assert "Santa Clara County" not in page
    assert "…" in page


def test_badges_come_eight_to_a_letter_page_with_name_agency_and_training():
    badges = [Badge(f"Person {n:02d}", "Bayside Clinic") for n in range(BADGES_PER_PAGE + 3)]

    reader = read(badges_pdf(training_title=TITLE, badges=badges))

    assert len(reader.pages) == 2
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (612, 792)  # US Letter, in points
    first, second = text(reader.pages[0]), text(reader.pages[1])
    assert all(f"Person {n:02d}" in first for n in range(BADGES_PER_PAGE))
    assert "Person 08" in second
    assert "Person 08" not in first
    assert first.count(TITLE) == BADGES_PER_PAGE
    assert first.count("Bayside Clinic") == BADGES_PER_PAGE


def test_badges_print_accented_names():
    page = text(read(badges_pdf(training_title=TITLE, badges=[Badge("Zoë Åberg", "")])).pages[0])

    assert "Zoë Åberg" in page
