"""Render times of the agency dashboard (500 staff, 5,000 registrations) and /community/.

Creates its own database (nmt_bench_dash, or BENCH_DB), fills it once, then times each page 30
times through Django's test client with DEBUG off, and counts its queries. See bench/README.md.
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
DB_NAME = os.environ.get("BENCH_DB", "nmt_bench_dash")
os.environ.setdefault("DATABASE_URL", f"postgres://root@127.0.0.1:5432/{DB_NAME}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
os.environ["DEBUG"] = "false"
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
warnings.filterwarnings("ignore", "No directory at")
REPEAT = 30


def ensure_database() -> None:
    exists = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "root", "-d", "root", "-tAc",
         f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "root", DB_NAME], check=True)


def populate():
    from django.utils import timezone

    from members.models import Agency, Credential, Membership, Person, User
    from tests.factories import TrainingFactory
    from trainings.models import Registration

    agency = Agency.objects.filter(slug="bench-agency").first()
    if agency:
        return agency, Membership.objects.get(agency=agency, role="coordinator").person.user
    rng = random.Random(500)
    agency = Agency.objects.create(name="Bench agency", slug="bench-agency", county="alameda")
    users = User.objects.bulk_create(User(email=f"staff{i}@bench.example.org") for i in range(501))
    people = Person.objects.bulk_create(
        Person(user=user, display_name=f"Staff {i}") for i, user in enumerate(users)
    )
    Membership.objects.bulk_create(
        Membership(person=p, agency=agency, role="coordinator" if i == 0 else "staff")
        for i, p in enumerate(people)
    )
    levels = ["concepts", "phase_1", "phase_2", "mentor"]
    Credential.objects.bulk_create(
        Credential(person=p, level=level, model="nmt", earned_on=dt.date(2024, 1, 1),
                   source="coordinator")
        for p in people for level in levels[: rng.choice([1, 1, 2, 2, 3, 4])]
    )  # fmt: skip
    now = timezone.now()
    trainings = [
        TrainingFactory(
            capacity=1000,
            sessions=[(now + dt.timedelta(days=d), now + dt.timedelta(days=d, hours=3))],
        )
        for d in range(-330, 60, 39)
    ]
    Registration.objects.bulk_create(
        Registration(
            training=t, person=p, agency=agency, status="confirmed",
            attendance=rng.choice(["attended", "attended", "absent"]) if t.starts_at < now else "",
        )
        for t in trainings for p in rng.sample(people[1:], 500)
    )  # fmt: skip
    return agency, users[0]


def timed(client, url):
    from django.db import connection

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], len(queries)


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from trainings.models import Registration

    call_command("migrate", verbosity=0)
    agency, coordinator = populate()
    client = Client()
    client.force_login(coordinator)
    print(f"registrations: {Registration.objects.filter(agency=agency).count()}")
    for url in [f"/agencies/{agency.slug}/manage/", "/community/"]:
        p50, p95, queries = timed(client, url)
        print(f"{url:40s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   {queries} queries")


if __name__ == "__main__":
    main()
