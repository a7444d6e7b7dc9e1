"""Mixed load for five minutes: ``bench/locustfile.py`` against gunicorn with 2 workers.

Prepares the load database (``bench/population.py``), starts ``gunicorn --workers 2`` on the
bench settings on a free port, runs locust headless (``-u 16 -r 4 -t 5m`` by default:
``BENCH_USERS``, ``BENCH_SPAWN_RATE``, ``BENCH_TIME``), stops gunicorn, then prints:

- the error rate (failed requests / requests: the goal is 0) and each failure's message;
- latency percentiles (50/95/99) for each group (catalogue, library, register), from every
  response time the run recorded, and locust's own per-name table;
- the share of catalogue list pages that came from the page cache (``Last-Modified`` older than
  the request), and the CPU used by gunicorn with its database backends, and by locust;
- a check of the database afterwards: no seat counter off its confirmed registrations, and the
  member accounts hold no registration still active (every journey cancelled what it took).

    .venv/bin/python bench/mixed.py
    BENCH_TIME=1m .venv/bin/python bench/mixed.py
    BENCH_REGISTER=0 .venv/bin/python bench/mixed.py     # the same without registrations
"""

import csv
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import population  # noqa: E402
from bench.server import BIN, Bench, Gunicorn, machine  # noqa: E402

USERS = os.environ.get("BENCH_USERS", "16")
SPAWN_RATE = os.environ.get("BENCH_SPAWN_RATE", "4")
RUN_TIME = os.environ.get("BENCH_TIME", "5m")


def check_database() -> dict:
    from django.db.models import Count, F, Q

    from trainings.models import Registration, Training

    drift = (
        Training.objects.annotate(
            confirmed=Count("registrations", filter=Q(registrations__status="confirmed"))
        )
        .exclude(seats_taken=F("confirmed"))
        .count()
    )
    members = Registration.objects.filter(person__user__email__in=population.MEMBER_EMAILS)
    return {
        "seat counters off": drift,
        "member registrations made": members.count(),
        "still active": members.active().count(),
    }


def main() -> None:
    with Bench() as bench:
        run(bench)


def run(bench: Bench) -> None:
    prefix = bench.tmp / "locust"
    summary = bench.tmp / "groups.json"
    print(f"machine: {machine()}")
    before = check_database()
    with Gunicorn(bench) as server, server.cpu_meter() as cpu:
        started = time.perf_counter()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
             "-u", USERS, "-r", SPAWN_RATE, "-t", RUN_TIME, "--host", server.base_url(),
             "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT, env={**os.environ, "BENCH_LOCUST_SUMMARY": str(summary)}, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - started
        finished = resource.getrusage(resource.RUSAGE_CHILDREN)
    locust_cpu = (finished.ru_utime + finished.ru_stime) - (children.ru_utime + children.ru_stime)
    after = check_database()
    print(f"\nlocust -u {USERS} -r {SPAWN_RATE} -t {RUN_TIME} against gunicorn --workers 2 "
          f"({wall:.0f} s); load average after: {os.getloadavg()[0]:.1f}")  # fmt: skip

    if not Path(f"{prefix}_stats.csv").exists():
        raise SystemExit("locust did not run (see its output above)")
    rows = list(csv.DictReader(open(f"{prefix}_stats.csv")))
    groups = json.loads(summary.read_text())
    requests = sum(v["requests"] for v in groups["groups"].values())
    failures = sum(v["failures"] for v in groups["groups"].values())
    print(
        f"\nrequests: {requests:,} ({requests / wall:.1f}/s), failures: {failures} "
        f"-> error rate {failures / max(requests, 1):.3%}"
    )
    print(
        f"CPU: gunicorn and its database backends {cpu.seconds * 1000 / max(requests, 1):.1f} ms "
        f"per request ({cpu.seconds / wall:.2f} cores); locust {locust_cpu / wall:.2f} cores"
    )
    for failure in csv.DictReader(open(f"{prefix}_failures.csv")):
        print(f"  {failure['Occurrences']} x {failure['Name']}: {failure['Error']}")

    counted = {g: v for g, v in groups["groups"].items() if g != "setup"}
    share_total = sum(v["requests"] for v in counted.values())
    print("\n| group | requests | share | failures | p50 | p95 | p99 |")
    print("|---|---|---|---|---|---|---|")
    for group in ("catalogue", "library", "register", "setup"):
        v = groups["groups"].get(group)
        if not v:
            continue
        share = f"{v['requests'] / share_total:.1%}" if group in counted else "—"
        print(f"| {group} | {v['requests']:,} | {share} | {v['failures']} | {v['p50']:.0f} ms "
              f"| {v['p95']:.0f} ms | {v['p99']:.0f} ms |")  # fmt: skip
    cache = groups["catalogue_cache"]
    seen = cache["hits"] + cache["renders"]
    if seen:
        print(f"\ncatalogue list pages from the page cache: {cache['hits']:,} of {seen:,} "
              f"({cache['hits'] / seen:.0%}; hits rendered in the same second count as renders)")  # fmt: skip

    print("\n| request | count | failures | p50 | p95 | p99 | max |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        if row["Name"] == "Aggregated":
            continue
        print(f"| {row['Type']} {row['Name']} | {int(row['Request Count']):,} | {row['Failure Count']} "
              f"| {row['50%']} ms | {row['95%']} ms | {row['99%']} ms "
              f"| {float(row['Max Response Time']):.0f} ms |")  # fmt: skip
    print(f"\ndatabase before: {before}\ndatabase after:  {after}")
    if failures or after["seat counters off"] or after["still active"] > before["still active"]:
        raise SystemExit("FAILED: errors, or the database does not add up (see above)")


if __name__ == "__main__":
    main()
