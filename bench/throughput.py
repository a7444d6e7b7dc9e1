"""Throughput of the portal's pages under gunicorn, against a ceiling that does no work.

Fills the load database once (``bench/population.py``: 10,000 trainings, 100,000
registrations, 2,000 agencies, 10,000 resources), collects static files to a temporary
``STATIC_ROOT``, starts ``gunicorn --workers 2`` on ``bench.settings`` (production settings,
DEBUG off, no access log) on a free port, and loads each page with wrk, 8 connections on 2
threads, for ``BENCH_DURATION`` seconds (30) after a 5-second warm-up:

- ``catalogue``: ``/trainings/`` with random filters (``bench/wrk/catalogue.lua``), and
  ``/trainings/`` without any;
- ``home``: ``/``;
- ``training``: one training's page (upcoming, published, two sessions or more);
- ``resources``: ``/resources/?q=…``, five typical queries at random;
- ``dashboard``: the agency dashboard ``/agencies/<slug>/manage/`` (500 staff, about 5,000
  registrations), signed in as its coordinator through a session cookie;
- ``api``: the API's first page of trainings, ``/api/v1/trainings/`` (25 with their sessions),
  not cached (goal of the API issue: ratio >= 0.30, p95 <= 20 ms). Not in the default set:
  ``BENCH_PAGES=api``.

Right after each page, the same load goes to ``/bench/ceiling/<name>/`` (``bench/urls.py``),
which answers the bytes of that page captured a moment before, through the same middleware and
with the same cookie. The ratio page/ceiling is the share of the server's capacity left after
the page's own work. Goals: ratio >= 0.25 and p95 <= 50 ms. Each run also reads the CPU time
that gunicorn and its PostgreSQL backends spent per request (``bench.server.CpuMeter``): on a
machine shared with other work it moves much less than requests/s.

wrk sends no ``If-None-Match``/``If-Modified-Since``: with a page cache it measures cache hits
plus the renders that fill the cache, never a 304.

    .venv/bin/python bench/throughput.py                 # every page, 30 s each
    BENCH_PAGES=catalogue BENCH_DURATION=20 .venv/bin/python bench/throughput.py

``BENCH_BASELINE_TREE=<dir>`` serves another checkout of the portal too (e.g. ``git archive
<commit> | tar -x -C <dir>``) from a second gunicorn, and measures the two in turn, page by
page: a before/after comparison that both sides run under the same background load.
"""

import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import population  # noqa: E402
from bench.server import Bench, Gunicorn, machine, wrk  # noqa: E402

DURATION = int(os.environ.get("BENCH_DURATION", "30"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "5"))
# Another checkout to compare with, page by page (e.g. the commit before a change).
BASELINE = (
    Path(os.environ["BENCH_BASELINE_TREE"]) if os.environ.get("BENCH_BASELINE_TREE") else None
)
PAGES = os.environ.get("BENCH_PAGES", "catalogue,home,training,resources,dashboard").split(",")
GOAL_RATIO, GOAL_P95 = 0.25, 50.0
RESOURCE_QUERIES = [
    "calm+corner",
    "%22sensory+room%22",
    "drumming+-classroom",
    "supervision",
    "breathing+rhythm",
]


def typical_training() -> str:
    """An upcoming published training with several sessions and other dates of its kind."""
    import datetime as dt

    from django.db.models import Count
    from django.utils import timezone

    from trainings.models import Training

    training = (
        Training.objects.published()
        .filter(starts_at__gt=timezone.now() + dt.timedelta(days=14))
        .annotate(n=Count("sessions"))
        .filter(n__gte=2, format="in_person")
        .order_by("starts_at")
        .first()
    )
    return training.get_absolute_url()


def paths_file(directory: Path, name: str, paths: list[str], cookie: str = "") -> str:
    path = directory / f"{name}.txt"
    path.write_text("".join(f"{p}\t{cookie}\n" if cookie else f"{p}\n" for p in paths))
    return str(path)


def measure(server: Gunicorn, script: str, *args: str) -> dict:
    """wrk after a warm-up, plus the server's CPU time per request (gunicorn and its database
    backends): steadier than requests/s on a machine shared with other work."""
    if WARMUP:
        wrk(server.base_url(), script, *args, duration=WARMUP)
    with server.cpu_meter() as cpu:
        result = wrk(server.base_url(), script, *args, duration=DURATION)
    result["cpu_ms"] = cpu.seconds * 1000 / max(result["requests"], 1)
    return result


def main() -> None:
    with Bench() as bench:
        run(bench)


def run(bench: Bench) -> None:
    from django.conf import settings

    tmp = Path(tempfile.mkdtemp(dir=bench.tmp))
    session = population.signed_in_session(population.COORDINATOR_EMAIL)
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}"
    dashboard = f"/agencies/{population.AGENCY_SLUG}/manage/"
    training = typical_training()
    resources = [f"/resources/?q={q}" for q in RESOURCE_QUERIES]
    # (label, ceiling name, page captured for the ceiling, wrk script, its paths, cookie)
    plan = {
        "catalogue": [
            ("`/trainings/`, random filters", "trainings", "/trainings/", "catalogue.lua", None, ""),
            ("`/trainings/`, no filter", "trainings", "/trainings/", "paths.lua", ["/trainings/"], ""),
        ],
        "home": [("`/`", "home", "/", "paths.lua", ["/"], "")],
        "training": [("a training's page", "training", training, "paths.lua", [training], "")],
        "resources": [
            ("`/resources/?q=…` (5 queries)", "resources", resources[0], "paths.lua", resources, ""),
        ],
        "dashboard": [
            ("agency dashboard (signed in)", "dashboard", dashboard, "paths.lua", [dashboard], cookie),
        ],
        "api": [
            ("`GET /api/v1/trainings/`", "api", "/api/v1/trainings/", "paths.lua", ["/api/v1/trainings/"], ""),
        ],
    }  # fmt: skip
    servers = {"working tree": Gunicorn(bench)}
    if BASELINE:
        servers = {f"baseline ({BASELINE.name})": Gunicorn(bench, tree=BASELINE), **servers}
    print(f"machine: {machine()}")
    print(
        f"gunicorn --workers 2 (sync); wrk -c 8 -t 2 -d {DURATION}s after a {WARMUP} s warm-up; "
        f"training page {training}"
    )
    rows = []
    ceilings: dict[str, dict] = {}
    with contextlib.ExitStack() as stack:
        for server in servers.values():
            stack.enter_context(server)
            server.warm(["/", "/trainings/", training, resources[0]])
        for page in PAGES:
            for label, name, capture, script, paths, page_cookie in plan[page]:
                # Each tree in turn, page then ceiling, so both meet the same background load.
                for tree, server in servers.items():
                    listing = paths and paths_file(tmp, name, paths, page_cookie)
                    result = measure(server, script, *([listing] if listing else []))
                    ceiling = f"{name}-{server.port}"
                    if ceiling not in ceilings:
                        size = server.capture(ceiling, capture, page_cookie)
                        path = [f"/bench/ceiling/{ceiling}/"]
                        ceiling_listing = paths_file(tmp, f"ceiling-{ceiling}", path, page_cookie)
                        ceilings[ceiling] = measure(server, "paths.lua", ceiling_listing)
                        ceilings[ceiling]["bytes"] = size
                    rows.append((label, tree, result, ceilings[ceiling]))
                    print_row(label, tree, result, ceilings[ceiling])
        rss = {tree: server.rss_mb() for tree, server in servers.items()}
    print(f"\nload average after: {os.getloadavg()[0]:.1f}; worker RSS: " + "; ".join(
        f"{tree} " + ", ".join(f"{mb:.0f} MB" for mb in values.values())
        for tree, values in rss.items()
    ))  # fmt: skip
    print(
        "\n| page | tree | bytes | requests/s | p50 | p95 | p99 | errors | server CPU per request "
        "| ceiling requests/s | ceiling p95 | ceiling CPU per request | ratio | goals |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for label, tree, result, ceiling in rows:
        ratio = result["rps"] / ceiling["rps"]
        goals = "met" if ratio >= GOAL_RATIO and result["p95"] <= GOAL_P95 else "not met"
        print(
            f"| {label} | {tree} | {ceiling['bytes']:,} | {result['rps']:,.0f} "
            f"| {result['p50']:.1f} ms | {result['p95']:.1f} ms | {result['p99']:.1f} ms "
            f"| {result['non_2xx_3xx'] + result['socket_errors']} | {result['cpu_ms']:.1f} ms "
            f"| {ceiling['rps']:,.0f} | {ceiling['p95']:.1f} ms | {ceiling['cpu_ms']:.1f} ms "
            f"| {ratio:.2f} | {goals} |"
        )


def print_row(label: str, tree: str, result: dict, ceiling: dict) -> None:
    print(
        f"{label:30s} {tree[:14]:14s} {result['rps']:6.1f} req/s  p50 {result['p50']:6.1f} ms  "
        f"p95 {result['p95']:6.1f} ms  CPU {result['cpu_ms']:5.1f} ms  "
        f"errors {result['non_2xx_3xx'] + result['socket_errors']}  | ceiling "
        f"{ceiling['rps']:6.1f} req/s  p95 {ceiling['p95']:5.1f} ms  CPU {ceiling['cpu_ms']:4.1f} ms"
        f"  ratio {result['rps'] / ceiling['rps']:.2f}",
        flush=True,
    )


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"\n({time.perf_counter() - started:.0f} s in all)")
