"""The certificate and transcript PDFs, read back with pypdf; the QR code decoded with zxing-cpp.

Pure rendering: no database. Text is compared with its whitespace collapsed, since a wrapped
title comes back with line breaks where it was broken.
"""

import dataclasses
import io
import threading

import pypdf
import pytest
import zxingcpp
from django.utils import translation

from trainings import certificates
from trainings.certificates import (
    CertificateContent,
    TranscriptRow,
    certificate_pdf,
    transcript_pdf,
)

DISCLAIMER = (
    "This certificate records attendance at a training. It is not a certification of clinical "
    "competence, and it is not NMT certification, which only the Neurosequential Network grants."
)
LONG_TITLE = (
    "NMT Phase I Certification Cohort: Applying the Neurosequential Model in Schools, Clinics, "
    "Residential and Home Settings for Children and Families Who Have Experienced "
    "Developmental Trauma (2026)"
)
CE = (
    "This course meets the qualifications for 12.5 hours of continuing education credit for "
    "LMFTs, LCSWs, LPCCs and LEPs as required by the California Board of Behavioral Sciences. "
    "Example Institute is approved by the CAMFT to sponsor continuing education, provider 12345."
)
CONTENT = CertificateContent(
    name="Jane Doe",
    training_title="NMT Phase I Certification Cohort",
    dates="March 3–24, 2026 (4 sessions)",
    hours="12.5",
    host_agency="San Mateo County BHRS",
    trainer="Dr. Ana Ruiz",
    ce_statement=CE,
    licence="LMFT 12345",
    code="7KQ2-M4XD-9PZA-HT3C",
    verify_url="https://portal.example.org/certificates/7KQ2-M4XD-9PZA-HT3C/",
    issued_on="March 30, 2026",
)


def read(pdf: bytes) -> pypdf.PdfReader:
    assert pdf.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(pdf))


def text_of(reader: pypdf.PdfReader) -> str:
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def certificate_text(**changes) -> str:
    reader = read(certificate_pdf(dataclasses.replace(CONTENT, **changes)))
    assert len(reader.pages) == 1
    return text_of(reader)


def test_certificate_prints_what_it_certifies_and_what_it_does_not():
    text = certificate_text()
    for part in (
        "Certificate of attendance",
        "This certifies that",
        "Jane Doe",
        "attended",
        "NMT Phase I Certification Cohort",
        "March 3–24, 2026 (4 sessions)",
        "Hours attended: 12.5",
        "Host: San Mateo County BHRS",
        "Trainer: Dr. Ana Ruiz",
        "License: LMFT 12345",
        CE,
        "Issued on March 30, 2026",
        "7KQ2-M4XD-9PZA-HT3C",
        "Verify at https://portal.example.org/certificates/7KQ2-M4XD-9PZA-HT3C/",
        DISCLAIMER,
    ):
        assert part in text, part
    assert "REVOKED" not in text


def test_certificate_is_one_landscape_letter_page_with_its_metadata():
    reader = read(certificate_pdf(CONTENT))
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (792, 612)
    assert reader.metadata.title == "Certificate of attendance: NMT Phase I Certification Cohort"
    assert reader.metadata.subject == "Jane Doe"
    assert reader.metadata.creator == "NMT Community of Practice Portal"
    # The fonts are embedded as subsets, not whole (750 KB each).
    fonts = {font["/BaseFont"] for font in page["/Resources"]["/Font"].values()}
    assert all(name.startswith("/MPDFAA+DejaVuSans") for name in fonts)
    assert len(certificate_pdf(CONTENT)) < 80_000


def test_qr_code_decodes_to_exactly_the_verification_url():
    for url in (CONTENT.verify_url, "https://nmt.example.org/certificates/ABCD-EFGH-JKLM-NPQR/"):
        page = read(certificate_pdf(dataclasses.replace(CONTENT, verify_url=url))).pages[0]
        [image] = page.images
        [barcode] = zxingcpp.read_barcodes(image.image)
        assert barcode.format == zxingcpp.BarcodeFormat.QRCode
        assert barcode.text == url


def test_a_200_character_title_is_printed_whole_on_the_one_page():
    title = (LONG_TITLE + " and the Community of Practice")[:200]
    assert len(title) == 200
    text = certificate_text(training_title=title)
    assert title in text
    assert DISCLAIMER in text


def test_everything_long_at_once_still_fits_on_one_page():
    text = certificate_text(
        name="Maria de los Ángeles Fernández-Villanueva y Castillo-Montenegro de la Fuente",
        training_title=LONG_TITLE,
        host_agency="San Mateo County Behavioral Health and Recovery Services, Youth Division",
        trainer="Dr. Ana Ruiz, PhD, LMFT, and Dr. Bruce Lee, MD, Child and Adolescent Psychiatry",
        ce_statement=f"{CE} {CE}",
    )
    for part in (
        "Maria de los Ángeles Fernández-Villanueva y Castillo-Montenegro de la Fuente",
        LONG_TITLE,
        "Youth Division",
        "Child and Adolescent Psychiatry",
        f"{CE} {CE}",
        "7KQ2-M4XD-9PZA-HT3C",
        DISCLAIMER,
    ):
        assert part in text, part


@pytest.mark.parametrize(
    "name",
    [
        "José Núñez-Ávila",
        "Nguyễn Thị Minh Khai",
        "Zoë Ødegård-Łukasiewicz",
        "محمد عبد الله",  # Arabic: joined letters, right to left
        "שרה לוי",  # Hebrew: right to left
        "Ana María لا سلام",  # a mixed line, with the lam-alef ligature
    ],
)
def test_names_with_accents_and_right_to_left_scripts_read_back(name):
    # The page draws Arabic and Hebrew right to left (the shaped glyphs in visual order), and
    # fpdf2 maps every glyph, ligatures included, back to its characters in logical order:
    # pypdf gives back the name as it was typed, not reversed.
    assert name in certificate_text(name=name)


def test_a_glyph_outside_the_working_font_is_still_embedded():
    # U+2200 and U+2211 (mathematical operators) are in DejaVu Sans but not in the working copy
    # made for the usual scripts: the document is subset from the whole font instead.
    assert "∀ ∑" in certificate_text(name="∀ ∑ Doe")


def test_empty_trainer_host_ce_statement_and_licence_leave_no_empty_labels():
    text = certificate_text(host_agency="", trainer="", ce_statement="", licence="")
    assert "Hours attended: 12.5" in text
    assert "Host:" not in text
    assert "Trainer:" not in text
    assert "License" not in text
    assert DISCLAIMER in text


def test_revoked_certificate_carries_the_band():
    text = certificate_text(revoked=True)
    assert "REVOKED" in text
    assert "This certificate was revoked and is no longer valid." in text
    assert "Jane Doe" in text


def test_every_fixed_label_goes_through_gettext(monkeypatch):
    monkeypatch.setattr(certificates, "_", lambda message: f"«{message}»")
    text = certificate_text(revoked=True)
    for label in (
        "«Certificate of attendance»",
        "«This certifies that»",
        "«attended»",
        "«Hours attended: 12.5»",
        "«Host: San Mateo County BHRS»",
        "«Trainer: Dr. Ana Ruiz»",
        "«License: LMFT 12345»",
        "«Issued on March 30, 2026»",
        "«Verification code»",
        f"«Verify at {CONTENT.verify_url}»",
        f"«{DISCLAIMER}»",
        "«REVOKED»",
    ):
        assert label in text, label
    transcript = text_of(
        read(
            transcript_pdf(
                name="Jane Doe", licence="LMFT 1", rows=[row(1)], total_hours="2.5",
                generated_on="April 1, 2026", site_url="https://portal.example.org",
            )
        )
    )  # fmt: skip
    for label in (
        "«Transcript of training attendance»",
        "«Training»",
        "«Dates»",
        "«Hours»",
        "«CE hours»",
        "«Code»",
        "«Total hours attended: 2.5»",
        "«Page 1 of 1",  # the page count takes the room of its placeholder, "{nb}"
        f"«{DISCLAIMER}»",
    ):
        # Spaces aside: a narrow column breaks its heading over two lines.
        assert label.replace(" ", "") in transcript.replace(" ", ""), label


def test_threads_render_the_same_certificate_at_the_same_time():
    """Each thread parses its own fonts; a document never sees another's glyphs."""
    names = [f"Person {n} Ñandú" for n in range(4)] + ["محمد عبد الله", "שרה לוי"]
    results: dict[str, str] = {}

    def render(name: str) -> None:
        for _ in range(2):
            results[name] = certificate_text(name=name)

    threads = [threading.Thread(target=render, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(results) == set(names)
    for name, text in results.items():
        assert name in text
        assert text == certificate_text(name=name)


def row(n: int) -> TranscriptRow:
    title = f"Training {n:02d}: Regulate, Relate, Reason" + (
        " in Classrooms, Clinics and Homes, a Second Look at the Sequence" if n % 3 == 0 else ""
    )
    return TranscriptRow(
        title=title,
        dates=f"May {n % 28 + 1}, 2025",
        hours=f"{n % 7 + 1}.5",
        ce_hours=f"{n % 7 + 1}.5" if n % 2 else "",
        code=f"{n:04d}-M4XD-9PZA-HT3C",
    )


def test_transcript_of_60_trainings_spans_pages_with_every_row():
    rows = [row(n) for n in range(60)]
    reader = read(
        transcript_pdf(
            name="José Núñez-Ávila",
            licence="LMFT 12345",
            rows=rows,
            total_hours="270",
            generated_on="April 1, 2026",
            site_url="https://portal.example.org",
        )
    )
    assert len(reader.pages) >= 3
    first = reader.pages[0]
    assert (round(float(first.mediabox.width)), round(float(first.mediabox.height))) == (612, 792)
    assert reader.metadata.title == "Transcript of training attendance: José Núñez-Ávila"
    assert reader.metadata.creator == "NMT Community of Practice Portal"
    text = text_of(reader)
    for r in rows:
        assert r.title in text, r.title
        assert r.code in text, r.code
    for part in (
        "José Núñez-Ávila",
        "License: LMFT 12345",
        "Generated on April 1, 2026",
        "Total hours attended: 270",
        "https://portal.example.org/certificates/",
        DISCLAIMER,
    ):
        assert part in text, part
    pages = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        page_text = " ".join(page.extract_text().split())
        # The table's heading repeats on every page that continues it, and so does the footer.
        assert "Training Dates Hours CE hours Code" in page_text or number == pages
        assert f"Page {number} of {pages}" in page_text


@pytest.mark.parametrize("rows", [0, 45])
def test_transcript_with_a_right_to_left_name_has_it_in_every_footer(rows):
    reader = read(
        transcript_pdf(
            name="שרה לוי",
            licence="",
            rows=[row(n) for n in range(rows)],
            total_hours="0",
            generated_on="April 1, 2026",
            site_url="https://portal.example.org/",
        )
    )
    for page in reader.pages:
        # The last page's footer is drawn when the document closes, the others on a new page.
        assert "Transcript of training attendance · שרה לוי" in page.extract_text()
    assert (len(reader.pages) > 1) == (rows > 0)


def test_transcript_with_no_trainings():
    text = text_of(
        read(
            transcript_pdf(
                name="Jane Doe",
                licence="",
                rows=[],
                total_hours="0",
                generated_on="April 1, 2026",
                site_url="https://portal.example.org/",
            )
        )
    )
    assert "No training attended yet." in text
    assert "Total hours attended: 0" in text
    assert "License" not in text
    assert DISCLAIMER in text


def test_a_certificate_rendered_in_spanish_reads_in_spanish():
    """Its fixed words (the heading, the labels, the disclaimer) in Spanish; what a person
    wrote (the names, the title) as written."""
    with translation.override("es"):
        text = certificate_text()
    assert "This certificate records attendance" not in text
    assert "Neurosequential Network" in text  # named in the Spanish disclaimer too
    assert "asistencia" in text.lower()
    assert "PORTAL DE LA COMUNIDAD DE PRÁCTICA NMT" in text
    assert "COMMUNITY OF PRACTICE PORTAL" not in text
    assert "Jane Doe" in text
