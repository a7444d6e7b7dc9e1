"""Certificate PDFs: one certificate, a 40-row transcript, and a ZIP of 100 certificates.

Renders through ``trainings.certificates`` only, in this process, with no database (the PDFs are
pure rendering from plain dataclasses):

1. **one certificate**: the first in the process (it parses the fonts and cuts their working
   copies), then 200 more, median and p95; a long title, a CE statement, a licence; then 50
   with an Arabic name, and 50 with a name whose glyphs are outside the working copies;
2. **a transcript of 40 trainings** (about 3 pages), 20 times;
3. **a ZIP of 100 certificates** (100 names, one training, a few with accents, Arabic or
   Hebrew), built in memory with ``zipfile`` (``ZIP_STORED``: PDFs are compressed already) and
   written into a stream that cannot seek, as a streamed response would be: the time until its
   first bytes (the first certificate and its header) and until the whole ZIP, 5 times.

Goals (issue 14): one certificate under 100 ms; the ZIP's first byte under 1 s. The first byte
4. **the coordinator's ZIP through the view** (``trainings:agency_certificates_zip``, 100
   certificates of one training in its own database, nmt_bench_certs or BENCH_DB, made once),
   with Django's test client signed in: the time to the first piece of the streamed answer
   and to the last, 5 times.

    .venv/bin/python bench/certificates.py      # BENCH_RENDERS=200
"""

import dataclasses
import io
import os
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = os.environ.get("BENCH_DB", "nmt_bench_certs")
os.environ.setdefault("DATABASE_URL", f"postgres://root@127.0.0.1:5432/{DB_NAME}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
os.environ["DEBUG"] = "false"
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

RENDERS = int(os.environ.get("BENCH_RENDERS", "200"))
TRANSCRIPT_ROWS = 40
ZIP_CERTIFICATES = 100
GOAL_MS = 100

FIRST = ["Ana", "José", "Mei", "Oluwaseun", "Siobhán", "Nguyễn", "Priya", "Zoë", "Łukasz", "Tomás"]
LAST = ["García", "Núñez-Ávila", "Okafor", "O'Brien", "Chen", "Thị Minh", "Raman", "Lindqvist"]
RTL = ["محمد عبد الله", "فاطمة الزهراء", "שרה לוי", "דוד כהן"]


def content(n: int = 0):
    from trainings.certificates import CertificateContent

    code = f"7KQ2-M4XD-9PZA-{n:04d}"
    return CertificateContent(
        name=RTL[n // 25 % 4] if n % 25 == 7 else f"{FIRST[n % 10]} {LAST[n % 8]}",
        training_title=(
            "NMT Phase I Certification Cohort: Applying the Neurosequential Model in Schools, "
            "Clinics and Residential Settings (Bay Area, Spring 2026)"
        ),
        dates="March 3–24, 2026 (4 sessions)",
        hours="12.5",
        host_agency="San Mateo County Behavioral Health and Recovery Services",
        trainer="Dr. Ana Ruiz, PhD",
        ce_statement=(
            "This course meets the qualifications for 12.5 hours of continuing education credit "
            "for LMFTs, LCSWs, LPCCs and LEPs as required by the California Board of Behavioral "
            "Sciences. Example Institute, provider 12345."
        ),
        licence="LMFT 12345",
        code=code,
        verify_url=f"https://portal.example.org/certificates/{code}/",
        issued_on="March 30, 2026",
    )


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def timed(render, count: int) -> tuple[str, float]:
    """Wall time p50/p95 of ``count`` calls, and their median CPU time (steadier on a busy box)."""
    wall, cpu = [], []
    for _ in range(count):
        started, started_cpu = time.perf_counter(), time.process_time()
        render()
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentiles(wall)
    return f"p50 {p50:.1f} ms  p95 {p95:.1f} ms  CPU p50 {statistics.median(cpu):.1f} ms", p95


class Stream(io.RawIOBase):
    """A write-only stream that notes when its first bytes arrive (no seek, like a response)."""

    def __init__(self) -> None:
        self.first_write: float | None = None
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if self.first_write is None and len(data):
            self.first_write = time.perf_counter()
        self.size += len(data)
        return len(data)


def build_zip(contents) -> tuple[float, float, float, int]:
    """(ms to the first bytes, ms to the whole ZIP, its CPU ms, its size)."""
    from trainings.certificates import certificate_pdf

    stream = Stream()
    started, started_cpu = time.perf_counter(), time.process_time()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED) as archive:
        for item in contents:
            archive.writestr(f"certificate-{item.code}.pdf", certificate_pdf(item))
    finished, cpu = time.perf_counter(), (time.process_time() - started_cpu) * 1000
    assert stream.first_write is not None
    return (stream.first_write - started) * 1000, (finished - started) * 1000, cpu, stream.size


# --- Through the view: the coordinator's ZIP download ---------------------------------------


def ensure_database() -> None:
    exists = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "root", "-d", "root", "-tAc",
         f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "root", DB_NAME], check=True)


def populate_zip():
    """An agency with 100 staff who attended one training (100 certificates), made once."""
    from members.models import Agency, Membership, Person, User
    from tests.factories import TrainingFactory
    from trainings.models import Registration, Training
    from trainings.services import attendance_mark

    agency = Agency.objects.filter(slug="bench-certificates").first()
    if agency:
        coordinator = Membership.objects.get(agency=agency, role="coordinator").person.user
        return coordinator, agency, Training.objects.get(slug="bench-certificates-training")
    agency = Agency.objects.create(name="Bench agency", slug="bench-certificates", county="alameda")
    users = User.objects.bulk_create(
        User(email=f"cert{i}@bench.example.org") for i in range(ZIP_CERTIFICATES + 1)
    )
    people = Person.objects.bulk_create(
        Person(user=user, display_name=f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]} {i}")
        for i, user in enumerate(users)
    )
    Membership.objects.bulk_create(
        Membership(person=p, agency=agency, role="coordinator" if i == 0 else "staff")
        for i, p in enumerate(people)
    )
    training = TrainingFactory(
        slug="bench-certificates-training", host_agency=agency, days_ahead=-3
    )
    rows = Registration.objects.bulk_create(
        Registration(training=training, person=p, agency=agency, status="confirmed")
        for p in people[1:]
    )
    attendance_mark(training=training, marks={r.pk: "attended" for r in rows}, marked_by=None)
    return users[0], agency, training


def time_zip_view(repeat: int = 5) -> list[tuple[float, float, int]]:
    """GET the coordinator's ZIP through the view (Django's test client, signed in): ms to
    the first piece of the streamed answer, ms to the last, and its size; ``repeat`` times."""
    from django.test import Client
    from django.urls import reverse

    coordinator, agency, training = populate_zip()
    client = Client()
    client.force_login(coordinator)
    url = reverse(
        "trainings:agency_certificates_zip",
        kwargs={"slug": agency.slug, "training_slug": training.slug},
    )
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        pieces = iter(response.streaming_content)
        size = len(next(pieces))
        first = (time.perf_counter() - start) * 1000
        size += sum(len(piece) for piece in pieces)
        runs.append((first, (time.perf_counter() - start) * 1000, size))
    return runs


def main() -> None:
    import django

    django.setup()
    import pypdf

    from trainings.certificates import TranscriptRow, certificate_pdf, transcript_pdf

    print(f"{os.cpu_count()} cores, load average {Path('/proc/loadavg').read_text().strip()}")

    one = content()
    started = time.perf_counter()
    pdf = certificate_pdf(one)
    cold = (time.perf_counter() - started) * 1000
    print(f"certificate: first in the process {cold:.0f} ms (fonts parsed, working copies cut)")
    figures, p95 = timed(lambda: certificate_pdf(one), RENDERS)
    print(f"certificate: {figures}  ({RENDERS} renders, {len(pdf):,} bytes)"
          f"  goal < {GOAL_MS} ms: {'met' if p95 < GOAL_MS else 'NOT met'}")  # fmt: skip
    for label, name in (
        ("an Arabic name", RTL[0]),
        ("a name outside the working copies (subset from the whole font)", "Ω ∑ Zoë Doe ≠ ∞"),
    ):
        other = dataclasses.replace(one, name=name)
        figures, _p95 = timed(lambda other=other: certificate_pdf(other), 50)
        print(f"certificate, {label}: {figures}  (50 renders)")

    rows = [
        TranscriptRow(
            title=f"Training {n}: Regulate, Relate, Reason"
            + (" in Classrooms, Clinics and Homes: a Second Look" if n % 3 == 0 else ""),
            dates=f"May {n % 28 + 1}, 2025",
            hours="6",
            ce_hours="6" if n % 2 else "",
            code=f"7KQ2-M4XD-9PZA-{n:04d}",
        )
        for n in range(TRANSCRIPT_ROWS)
    ]

    def transcript() -> bytes:
        return transcript_pdf(
            name="José Núñez-Ávila", licence="LMFT 12345", rows=rows, total_hours="240",
            generated_on="April 1, 2026", site_url="https://portal.example.org",
        )  # fmt: skip

    pdf = transcript()
    figures, _p95 = timed(transcript, 20)
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    print(f"transcript, {TRANSCRIPT_ROWS} rows: {figures}  ({len(pdf):,} bytes, {pages} pages)")

    contents = [content(n) for n in range(ZIP_CERTIFICATES)]
    runs = [build_zip(contents) for _ in range(5)]
    first = statistics.median(r[0] for r in runs)
    total = statistics.median(r[1] for r in runs)
    cpu = statistics.median(r[2] for r in runs)
    print(f"ZIP of {ZIP_CERTIFICATES} certificates (median of 5): first bytes {first:.0f} ms,"
          f" whole {total:.0f} ms, CPU {cpu:.0f} ms ({runs[0][3] / 1e6:.1f} MB;"
          f" wholes {', '.join(f'{r[1]:.0f}' for r in runs)} ms)"
          f"  goal first byte < 1 s: {'met' if first < 1000 else 'NOT met'}")  # fmt: skip

    from django.core.management import call_command

    ensure_database()
    call_command("migrate", verbosity=0)
    runs = time_zip_view()
    first = statistics.median(r[0] for r in runs)
    total = statistics.median(r[1] for r in runs)
    print(f"ZIP of {ZIP_CERTIFICATES} certificates through the view (median of {len(runs)}):"
          f" first bytes {first:.0f} ms, whole {total:.0f} ms ({runs[0][2] / 1e6:.1f} MB)"
          f"  goal first byte < 1 s: {'met' if first < 1000 else 'NOT met'}")  # fmt: skip
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
