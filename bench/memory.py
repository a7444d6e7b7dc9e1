"""Resident memory of a gunicorn worker before and after 10,000 requests of mixed pages.

Prepares the load database (``bench/population.py``), starts ``gunicorn --workers 2`` on the
bench settings, and reads each worker's ``VmRSS`` (``/proc/<pid>/status``):

1. "before": after a few requests of every page (code, templates and connections loaded);
2. during and "after": wrk (8 connections, ``bench/wrk/paths.lua``) sends mixed pages in
   rounds until ``BENCH_REQUESTS`` (10,000) have been answered, the RSS read after each round;
   ``VmHWM`` (the peak) at the end.

The mix, drawn at random from a list of 5,000 addresses: the catalogue with random filters
(35 %), 2,000 different trainings' pages (20 %), the month calendar (5 %), the home page (5 %),
library searches (10 %), the library list (5 %), 1,000 different resources' pages (10 %), the
agency directory and 200 agencies' pages (5 %), and the agency dashboard signed in (5 %).
Goal: at most 150 MB per worker.

    .venv/bin/python bench/memory.py
"""

import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import population  # noqa: E402
from bench.population import LIBRARY_QUERIES, catalogue_query  # noqa: E402
from bench.server import Bench, Gunicorn, machine, status_field, wrk  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "10000"))
ROUND = 10  # seconds of wrk between two readings
GOAL_MB = 150


def mixed_paths(cookie: str, count: int = 5000) -> list[str]:
    """Lines for paths.lua: a path, and a tab and the cookie for the signed-in page."""
    from members.models import Agency

    rng = random.Random(10_000)
    trainings = population.sample_paths("training", 2000)
    resources = population.sample_paths("resource", 1000)
    agencies = [f"/agencies/{s}/" for s in Agency.objects.values_list("slug", flat=True)[:200]]
    month = dt.date.today().replace(day=1)  # noqa: DTZ011 - a month near today is enough
    months = [month + dt.timedelta(days=31 * k) for k in range(6)]
    draws = [
        (35, lambda: "/trainings/?" + urlencode(catalogue_query(rng))),
        (20, lambda: rng.choice(trainings)),
        (5, lambda: f"/trainings/calendar/?month={rng.choice(months):%Y-%m}"),
        (5, lambda: "/"),
        (10, lambda: "/resources/?" + urlencode({"q": rng.choice(LIBRARY_QUERIES)})),
        (5, lambda: f"/resources/?page={rng.randint(1, 5)}"),
        (10, lambda: rng.choice(resources)),
        (5, lambda: rng.choice(["/agencies/", *agencies])),
        (5, lambda: f"/agencies/{population.AGENCY_SLUG}/manage/\t{cookie}"),
    ]
    weights = [w for w, _ in draws]
    return [rng.choices(draws, weights)[0][1]() for _ in range(count)]


def main() -> None:
    with Bench() as bench:
        run(bench)


def run(bench: Bench) -> None:
    from django.conf import settings

    session = population.signed_in_session(population.COORDINATOR_EMAIL)
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}"
    listing = bench.tmp / "mixed.txt"
    lines = mixed_paths(cookie)
    listing.write_text("\n".join(lines) + "\n")
    print(f"machine: {machine()}")
    with Gunicorn(bench) as server:
        pages = sorted({line.split("\t")[0].split("?")[0] for line in lines if "\t" not in line})
        server.warm(pages[:40], rounds=2)
        server.warm([f"/agencies/{population.AGENCY_SLUG}/manage/"], cookie, rounds=2)
        before = server.rss_mb()
        served, readings = 0, []
        started = time.perf_counter()
        while served < REQUESTS:
            result = wrk(server.base_url(), "paths.lua", str(listing), duration=ROUND)
            served += result["requests"]
            errors = result["non_2xx_3xx"] + result["socket_errors"]
            readings.append((served, server.rss_mb(), result["rps"], errors))
            print(f"{served:>7,} requests  "
                  + "  ".join(f"{mb:6.1f} MB" for mb in readings[-1][1].values())
                  + f"  ({result['rps']:.0f}/s, {errors} errors)", flush=True)  # fmt: skip
        elapsed = time.perf_counter() - started
        peak = {pid: status_field(pid, "VmHWM") for pid in server.worker_pids()}
    after = readings[-1][1]
    print(f"\n{served:,} requests in {elapsed:.0f} s, "
          f"{sum(r[3] for r in readings)} errors; load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"\n| worker | before (warmed up) | after {served:,} requests | peak (VmHWM) | growth "
          f"| goal (≤ {GOAL_MB} MB) |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for n, pid in enumerate(after, 1):
        goal = "met" if max(after[pid], peak[pid]) <= GOAL_MB else "not met"
        print(f"| {n} | {before.get(pid, 0):.0f} MB | {after[pid]:.0f} MB | {peak[pid]:.0f} MB "
              f"| {after[pid] - before.get(pid, 0):+.0f} MB | {goal} |")  # fmt: skip


if __name__ == "__main__":
    main()
