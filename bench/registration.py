"""Registration under contention: 20 trainings x 100 people registering at once, against gunicorn.

Creates a separate PostgreSQL database (``nmt_bench_reg``, or ``BENCH_DB``), migrates it, and
fills it with 20 published trainings of 30 seats and 2,000 people with verified addresses, each
signed in through a Django session made directly in the database (no password hashing). Then it
starts gunicorn on the production settings on a free port, and each person POSTs once to
``/trainings/<slug>/register/`` (session cookie plus a CSRF cookie and header), 100 at a time,
in two orders:

- ``spread``: the 2,000 requests shuffled over the 20 trainings;
- ``hot``: training after training, so the requests in flight queue on one training's row lock.

It reports registrations per second, p50/p95/max latency, the 409 "busy" answers and any other
status, then checks the database: no training has more confirmed people than seats, the
``seats_taken`` counter equals the confirmed rows, and each person holds one registration
(oversell must be 0). Gunicorn is stopped at the end. See bench/README.md for the figures.

The settings are ``portal.settings.production`` as deployed, with two things only a benchmark
needs: ``STATIC_ROOT`` in a temporary directory (the manifest storage needs ``collectstatic``,
and the "busy" page renders the base template) and emails to the dummy backend.
"""

import http.client
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = os.environ.get("BENCH_DB", "nmt_bench_reg")
N_TRAININGS = int(os.environ.get("BENCH_TRAININGS", "20"))
PER_TRAINING = int(os.environ.get("BENCH_PER_TRAINING", "100"))
CAPACITY = int(os.environ.get("BENCH_CAPACITY", "30"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "100"))  # Requests in flight.
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))  # Per worker: a database connection each.
MODES = os.environ.get("BENCH_MODES", "spread,hot").split(",")

HOST = "127.0.0.1"
CSRF_TOKEN = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
TMP = Path(tempfile.mkdtemp(prefix="nmt-bench-reg-"))

# The environment of the server and of this process (which writes the sessions, so it must share
# SECRET_KEY with the server).
ENV = {
    "DJANGO_SETTINGS_MODULE": "bench_settings",
    "PYTHONPATH": os.pathsep.join([str(TMP), str(ROOT)]),
    "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"postgres://root@{HOST}:5432/{DB_NAME}"),
    "SECRET_KEY": "bench-only-" + secrets.token_urlsafe(32),
    "ALLOWED_HOSTS": f"{HOST},localhost",
    "USE_HTTPS": "false",
    "EMAIL_URL": "dummymail://",
    "LOG_LEVEL": "WARNING",
    "REDIS_URL": "",
}
SETTINGS = f'''"""Production settings, for the registration benchmark (bench/registration.py)."""
from portal.settings.production import *  # noqa: F403

STATIC_ROOT = {str(TMP / "static")!r}
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def ensure_database() -> None:
    exists = subprocess.run(
        ["psql", "-h", HOST, "-U", "root", "-d", "postgres", "-tAc",
         f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(["createdb", "-h", HOST, "-U", "root", DB_NAME], check=True)


def manage(*args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**os.environ, **ENV}, check=True
    )


def populate() -> list[tuple[str, str]]:
    """Trainings and signed-in people, from scratch. Returns (training slug, session key) pairs,
    PER_TRAINING per training."""
    import datetime as dt

    from allauth.account.models import EmailAddress
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session as DjangoSession
    from django.core.management import call_command
    from django.utils import timezone

    from members.models import Person, User
    from trainings.models import Session, Status, Training

    call_command("flush", interactive=False, verbosity=0)
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=30)
    trainings = Training.objects.bulk_create(
        Training(
            title=f"Bench registration {i}",
            slug=f"bench-reg-{i}",
            summary="A benchmark training.",
            capacity=CAPACITY,
            status=Status.PUBLISHED,
            starts_at=start + dt.timedelta(days=i),
            ends_at=start + dt.timedelta(days=i, hours=6),
        )
        for i in range(N_TRAININGS)
    )
    Session.objects.bulk_create(
        Session(training=t, starts_at=t.starts_at, ends_at=t.ends_at) for t in trainings
    )
    count = N_TRAININGS * PER_TRAINING
    users = User.objects.bulk_create(
        # An unusable password (no hashing): people are signed in by their sessions below.
        User(email=f"bench{i}@example.org", password=make_password(None))
        for i in range(count)
    )
    Person.objects.bulk_create(Person(user=u, display_name=f"Bench person {u.pk}") for u in users)
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
    )
    store = SessionStore()
    expires = timezone.now() + dt.timedelta(days=1)
    keys = [secrets.token_hex(16) for _ in users]
    backend = "django.contrib.auth.backends.ModelBackend"
    DjangoSession.objects.bulk_create(
        DjangoSession(
            session_key=key,
            session_data=store.encode(
                {
                    SESSION_KEY: str(u.pk),
                    BACKEND_SESSION_KEY: backend,
                    HASH_SESSION_KEY: u.get_session_auth_hash(),
                }
            ),
            expire_date=expires,
        )
        for key, u in zip(keys, users, strict=True)
    )
    return [(trainings[i // PER_TRAINING].slug, key) for i, key in enumerate(keys)]


def reset_registrations() -> None:
    from trainings.models import Registration, Training

    Registration.objects.all().delete()
    Training.objects.update(seats_taken=0)


def start_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "portal.wsgi",
         "--bind", f"{HOST}:{port}", "--workers", str(WORKERS), "--threads", str(THREADS),
         "--worker-class", "gthread", "--log-level", "warning", "--chdir", str(ROOT)],
        cwd=ROOT, env={**os.environ, **ENV}, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            status, _ = request(port, "GET", "/trainings/")
        except OSError:
            time.sleep(0.2)
            continue
        if status != 200:
            raise SystemExit(f"GET /trainings/ answered {status}")
        return server
    raise SystemExit("gunicorn did not answer within 30 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def cpu_seconds(process_group: int) -> float:
    """User + system CPU time of the processes in a group (gunicorn's master and workers)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # The process ended meanwhile.
        if int(fields[2]) == process_group:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def request(port: int, method: str, path: str, session_key: str = "") -> tuple[int, str]:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        headers = {"Host": f"{HOST}:{port}"}
        body = None
        if method == "POST":
            cookies = f"csrftoken={CSRF_TOKEN}; sessionid={session_key}"
            headers.update(
                {
                    "Cookie": cookies,
                    "X-CSRFToken": CSRF_TOKEN,
                    "Content-Type": "application/x-www-form-urlencoded",
                }
            )
            body = b""
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location") or ""
    finally:
        conn.close()


def fire(port: int, jobs: list[tuple[str, str]]) -> dict:
    """POST every job with CONCURRENCY requests in flight; latencies in ms, per status."""
    latencies: list[float] = []
    statuses: Counter = Counter()
    not_signed_in = 0
    lock = threading.Lock()

    def one(job: tuple[str, str]) -> None:
        nonlocal not_signed_in
        slug, key = job
        started = time.perf_counter()
        try:
            status, location = request(port, "POST", f"/trainings/{slug}/register/", key)
        except OSError as exc:
            status, location = f"error {type(exc).__name__}", ""
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(elapsed)
            statuses[status] += 1
            if "/accounts/login/" in location:
                not_signed_in += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        list(pool.map(one, jobs))
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "wall": wall,
        "statuses": statuses,
        "registered": statuses[302] - not_signed_in,
        "not_signed_in": not_signed_in,
        "p50": statistics.median(latencies),
        "p95": latencies[int(len(latencies) * 0.95) - 1],
        "max": latencies[-1],
    }


def verify() -> dict:
    """The database after a run: oversell, counter drift and double registrations."""
    from django.db.models import Count, Q

    from trainings.models import Registration, Training

    rows = Training.objects.annotate(
        confirmed=Count("registrations", filter=Q(registrations__status="confirmed")),
        waitlisted=Count("registrations", filter=Q(registrations__status="waitlisted")),
    )
    doubles = (
        Registration.objects.values("training", "person")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "confirmed": sum(t.confirmed for t in rows),
        "waitlisted": sum(t.waitlisted for t in rows),
        "oversell": sum(max(0, t.confirmed - t.capacity) for t in rows),
        "counter_drift": sum(t.seats_taken != t.confirmed for t in rows),
        "full": sum(t.confirmed == t.capacity for t in rows),
        "doubles": doubles,
    }


def main() -> None:
    try:
        run_benchmark()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


def run_benchmark() -> None:
    ensure_database()
    port = free_port()
    ENV["SITE_URL"] = f"http://{HOST}:{port}"
    (TMP / "bench_settings.py").write_text(SETTINGS)
    os.environ.update(ENV)
    sys.path.insert(0, str(TMP))
    manage("migrate", "--no-input", "-v0")
    manage("createcachetable", "-v0")
    manage("collectstatic", "--no-input", "-v0")
    import django

    django.setup()
    started = time.perf_counter()
    jobs = populate()
    print(
        f"{N_TRAININGS} trainings x {CAPACITY} seats, {len(jobs)} signed-in people "
        f"(set up in {time.perf_counter() - started:.1f} s); gunicorn {WORKERS} workers x "
        f"{THREADS} threads (gthread), {CONCURRENCY} requests in flight; "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the runs"
    )
    server = start_server(port)
    results = []
    try:
        # Warm up every worker (imports, templates, database connections) before measuring.
        with ThreadPoolExecutor(max_workers=WORKERS * THREADS) as pool:
            list(pool.map(lambda _: request(port, "GET", "/trainings/"), range(4 * WORKERS)))
        for mode in MODES:
            reset_registrations()
            ordered = sorted(jobs, key=lambda job: job[0])  # Training after training.
            if mode == "spread":
                random.Random(20).shuffle(ordered)
            elif mode != "hot":
                raise SystemExit(f"unknown mode {mode!r}")
            cpu_before = cpu_seconds(server.pid)
            run = fire(port, ordered)
            run["cpu"] = cpu_seconds(server.pid) - cpu_before
            run.update(verify())
            results.append((mode, run))
    finally:
        stop_server(server)
    load_after = os.getloadavg()[0]

    print()
    print(
        "| order | registrations/s | p50 | p95 | max | 409 busy | other | oversell "
        "| server CPU per registration |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for mode, run in results:
        other = {s: n for s, n in run["statuses"].items() if s not in (302, 409)}
        print(
            f"| {mode} | {run['registered'] / run['wall']:.0f} | {run['p50']:.0f} ms "
            f"| {run['p95']:.0f} ms | {run['max']:.0f} ms | {run['statuses'][409]} "
            f"| {sum(other.values()) + run['not_signed_in']} | {run['oversell']} "
            f"| {run['cpu'] / len(jobs) * 1000:.1f} ms |"
        )
    print(f"\nLoad average after the runs: {load_after:.1f} (the load generator counts too).")
    failed = False
    for mode, run in results:
        other = {s: n for s, n in run["statuses"].items() if s not in (302, 409)}
        print(
            f"{mode}: {run['registered']} registered in {run['wall']:.2f} s; in the database "
            f"{run['confirmed']} confirmed, {run['waitlisted']} waitlisted, "
            f"{run['full']}/{N_TRAININGS} trainings full, oversell {run['oversell']}, "
            f"seats_taken != confirmed on {run['counter_drift']}, double registrations "
            f"{run['doubles']}" + (f", other answers {other}" if other else "")
        )
        if run["not_signed_in"]:
            print(f"  {run['not_signed_in']} requests were sent to sign in: sessions not accepted")
        expected = run["registered"]
        failed |= bool(
            run["oversell"]
            or run["counter_drift"]
            or run["doubles"]
            or run["confirmed"] + run["waitlisted"] != expected
        )
    if failed:
        raise SystemExit("FAILED: the database does not match the answers (see above)")


if __name__ == "__main__":
    main()
