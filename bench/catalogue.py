"""Catalogue at scale: 10,000 trainings (about 25,000 sessions) on PostgreSQL.

Measures the /trainings/ page (first page, a filtered page, a deep page), the calendar and the
feed through Django's test client, and prints the EXPLAIN ANALYZE plan of the list query.
See bench/README.md for how to run it and the figures seen on this machine.
"""

import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = os.environ.get("BENCH_DB", "nmt_bench")
os.environ.setdefault("DATABASE_URL", f"postgres://root@127.0.0.1:5432/{DB_NAME}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
os.environ["DEBUG"] = "false"
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

N_TRAININGS = int(os.environ.get("BENCH_TRAININGS", "10000"))
REPEAT = 30
# DEBUG is off for realistic timings; static files are not collected for the benchmark.
warnings.filterwarnings("ignore", "No directory at")


def ensure_database() -> None:
    exists = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "root", "-d", "root", "-tAc",
         f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "root", DB_NAME], check=True)


def populate() -> None:
    from django.utils import timezone

    from members.models import Agency, County
    from trainings.models import Format, Kind, Model, Session, Status, Training

    if Training.objects.count() >= N_TRAININGS:
        return
    Training.objects.all().delete()
    rng = random.Random(10_000)
    agencies = [
        Agency.objects.get_or_create(slug=f"bench-agency-{i}", defaults={"name": f"Agency {i}"})[0]
        for i in range(40)
    ]
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    counties = [c for c, _ in County.choices]
    trainings = []
    for i in range(N_TRAININGS):
        trainings.append(
            Training(
                title=f"Bench training {i} {rng.choice(['regulation', 'relational', 'sensory'])}",
                slug=f"bench-training-{i}",
                kind=rng.choice(Kind.values),
                model=rng.choice(Model.values),
                summary="A benchmark training.",
                description="Body text " * 20,
                format=rng.choice(Format.values),
                county=rng.choice(counties),
                capacity=30,
                seats_taken=rng.randint(0, 30),
                host_agency=rng.choice(agencies),
                status=rng.choices([Status.PUBLISHED, Status.DRAFT, Status.CANCELLED], [90, 7, 3])[
                    0
                ],
            )
        )
    Training.objects.bulk_create(trainings, batch_size=2000)
    sessions = []
    updates = []
    for training in Training.objects.only("pk"):
        start = now + dt.timedelta(hours=rng.randint(-24 * 400, 24 * 500))
        count = rng.choice([1, 1, 1, 2, 4])
        spans = [
            (start + dt.timedelta(days=7 * k), start + dt.timedelta(days=7 * k, hours=6))
            for k in range(count)
        ]
        sessions += [Session(training=training, starts_at=s, ends_at=e) for s, e in spans]
        training.starts_at, training.ends_at = spans[0][0], spans[-1][1]
        updates.append(training)
    Session.objects.bulk_create(sessions, batch_size=5000)
    Training.objects.bulk_update(updates, ["starts_at", "ends_at"], batch_size=2000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(client, url: str) -> tuple[float, float]:
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from trainings import selectors
    from trainings.models import Session, Training

    call_command("migrate", verbosity=0)
    populate()
    print(f"trainings: {Training.objects.count()}, sessions: {Session.objects.count()}")
    client = Client()
    month = (timezone.localdate() + dt.timedelta(days=40)).strftime("%Y-%m")
    for url in [
        "/trainings/",
        "/trainings/?kind=phase_1&county=san_mateo",
        "/trainings/?open=1&format=online",
        "/trainings/?q=sensory",
        "/trainings/?page=100",
        f"/trainings/calendar/?month={month}",
        "/trainings/past/",
        "/trainings/feed.ics?kind=concepts",
    ]:
        p50, p95 = timed(client, url)
        print(f"{url:48s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")

    queryset = selectors.training_catalogue(data={"kind": "phase_1"}).qs[:20]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        print("\nEXPLAIN ANALYZE (list, kind=phase_1, first page):")
        for (line,) in cursor.fetchall():
            print("  " + line)


if __name__ == "__main__":
    main()
