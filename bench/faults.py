"""Fault drills against a whole server: PostgreSQL restarted, and Redis stopped, during a burst of
registrations.

The drill starts a PostgreSQL cluster of its own on a free port (``pg_createcluster 15
nmtfaults``, trust authentication; dropped at the end), migrates a database there and seeds 5
published trainings of 30 seats and 100 people with verified addresses, each signed in by a
Django session written to the database, plus one person with a password for the sign-in form.
Gunicorn serves ``bench.fault_settings`` (the production settings: DEBUG off, ``CONN_MAX_AGE``
60) with 2 sync workers, as the Dockerfile runs it. Each person first opens a training page for
the session's CSRF cookie and the form's token, then the burst POSTs every (person, training)
registration, 16 requests in flight, shuffled: 500 registrations, 150 confirmed and 350
waitlisted.

- ``restart``: a quarter into the burst, ``pg_ctlcluster 15 nmtfaults restart -m fast``. Every
  answer must be a 302 (registered) or a 503 with the "back in a moment" message and
  ``Retry-After``; never a 500. The requests that failed are sent again afterwards, as their
  people would, and must all succeed.
- ``restart-no-health-checks``: the same with ``CONN_HEALTH_CHECKS`` off (the negative control):
  requests that start after PostgreSQL is back still fail, once per worker's dead connection.
- ``redis``: a redis-server of the drill's own on a free port, a Celery worker
  (``-Q email,default``) sending to an aiosmtpd sink (``tests/portal/components.py``). A
  third into the burst Redis is stopped; while it is down the drill also opens ``/``,
  ``/trainings/``, ``/healthz`` and signs in through allauth's form. Every registration must
  answer 302 within 3 s, and emails wait in the outbox. Then Redis comes back, the drill sends
  what beat sends every minute (``dispatch_due``), and runs ``manage.py send_due_reminders``
  once more: the sink must hold every outbox email exactly once.

After each drill it checks the database: ``seats_taken`` equals the confirmed rows (and never
passes capacity), one registration per person and training (none missing after the retries,
none doubled), every confirmed registration has exactly the reminders the service plans and
a waitlisted one none, and every registration has its one outbox email (confirmation or
waitlist notice). It also checks that no gunicorn worker was restarted (same worker pids, no
"Booting worker" after the start). It exits non-zero when any check fails.

    .venv/bin/python bench/faults.py                 # all three drills
    FAULTS_DRILLS=restart .venv/bin/python bench/faults.py

Runs as root (``pg_createcluster``/``pg_ctlcluster``), with PostgreSQL 15's server and
``redis-server`` installed. See bench/README.md, "Faults", for the figures.
"""

import http.client
import json
import logging
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_VERSION = os.environ.get("FAULTS_PG_VERSION", "15")
CLUSTER = os.environ.get("FAULTS_CLUSTER", "nmtfaults")
DB_NAME = "nmt_faults"
DRILLS = os.environ.get("FAULTS_DRILLS", "restart,restart-no-health-checks,redis").split(",")
N_PEOPLE = int(os.environ.get("FAULTS_PEOPLE", "100"))
N_TRAININGS = int(os.environ.get("FAULTS_TRAININGS", "5"))
CAPACITY = int(os.environ.get("FAULTS_CAPACITY", "30"))
CONCURRENCY = int(os.environ.get("FAULTS_CONCURRENCY", "16"))
WORKERS = 2
HOST = "127.0.0.1"
MESSAGE = "We could not reach our database just now."
SIGN_IN_EMAIL = "signin@example.org"
SIGN_IN_PASSWORD = "fault-drill-2026!"  # noqa: S105 - a throwaway account of the drill's database.
BIN = Path(sys.executable).parent
# The drill's temporary directory, made by main(): importing this module (bench/scaleout.py
# reuses its cluster and process helpers) creates nothing.
TMP: Path = Path(tempfile.gettempdir()) / "nmt-faults-unset"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def run(*command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, **kwargs)


# --- The drill's own PostgreSQL cluster -----------------------------------------------------------


class Cluster:
    """A PostgreSQL cluster of its own (``pg_createcluster``, trust authentication for the
    ``postgres`` user), on a free port; ``data_dir`` puts its data there instead of under
    /var/lib/postgresql. ``drop()`` stops it and deletes it."""

    def __init__(
        self, name: str = CLUSTER, db_name: str = DB_NAME, data_dir: Path | None = None
    ) -> None:
        self.name = name
        self.db_name = db_name
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"postgres://postgres@{HOST}:{self.port}/{db_name}"

    def exists(self) -> bool:
        return Path(f"/etc/postgresql/{PG_VERSION}/{self.name}").exists()

    def create(self) -> None:
        if self.exists():  # Left by an interrupted run.
            self.drop()
        where = ["-d", str(self.data_dir)] if self.data_dir else []
        run("pg_createcluster", PG_VERSION, self.name, "-p", str(self.port), *where, "--",
            "--auth=trust", stdout=subprocess.DEVNULL)  # fmt: skip
        run("pg_ctlcluster", PG_VERSION, self.name, "start")
        run("createdb", "-h", HOST, "-p", str(self.port), "-U", "postgres", self.db_name)

    def restart(self) -> None:
        run("pg_ctlcluster", PG_VERSION, self.name, "restart", "-m", "fast")

    def drop(self) -> None:
        subprocess.run(["pg_dropcluster", PG_VERSION, self.name, "--stop"], check=False)


# --- Processes ------------------------------------------------------------------------------------


def stop_group(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class Gunicorn:
    """``gunicorn portal.wsgi:application --workers 2 --timeout 30`` (sync workers, as the
    Dockerfile runs it) on a free port, in a process group of its own."""

    def __init__(self, env: dict[str, str], name: str) -> None:
        self.port = free_port()
        self.env = env
        self.log = TMP / f"gunicorn-{name}.log"
        self.access_log = TMP / f"access-{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "portal.wsgi:application", "--bind", f"{HOST}:{self.port}",
                 "--workers", str(WORKERS), "--timeout", "30", "--chdir", str(ROOT),
                 "--access-logfile", str(self.access_log),
                 "--access-logformat", "%(m)s %(U)s %(s)s %(D)s"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}: see {self.log}")
            try:
                if fetch(self.port, "GET", "/healthz").status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not answer within 30 s")
        # Every worker booted and answered once, so the pids below are the long-lived ones.
        while len(self.worker_pids()) < WORKERS:
            time.sleep(0.1)

    def worker_pids(self) -> set[int]:
        pids = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.add(int(stat.parent.name))
        return pids

    def registration_times(self, status: str | None = None) -> list[float]:
        """Seconds a worker spent on each registration POST (the access log's %(D)s), without
        the time the request waited for a free worker."""
        times = []
        for line in self.access_log.read_text().splitlines():
            method, path, answered, micros = line.split()
            if method == "POST" and path.endswith("/register/") and status in (None, answered):
                times.append(int(micros) / 1e6)
        return times

    def log_lines(self, text: str) -> int:
        return sum(text in line for line in self.log.read_text().splitlines())

    def stop(self) -> None:
        stop_group(self.process)


# --- HTTP -----------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int | str
    headers: dict[str, str]
    body: str
    cookies: dict[str, str]
    started: float = 0.0
    ended: float = 0.0
    job: tuple = ()

    @property
    def seconds(self) -> float:
        return self.ended - self.started


def fetch(port: int, method: str, path: str, *, cookies=None, form=None, timeout=60) -> Answer:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    started = time.monotonic()
    try:
        headers = {"Host": f"{HOST}:{port}"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        body = None
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(form or {})
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode(errors="replace")
        jar = SimpleCookie()
        for header in response.msg.get_all("Set-Cookie") or []:
            jar.load(header)
        return Answer(
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            text,
            {k: morsel.value for k, morsel in jar.items()},
            started,
            time.monotonic(),
        )
    finally:
        conn.close()


def form_token(answer: Answer) -> str:
    match = CSRF_INPUT.search(answer.body)
    if not match:
        raise SystemExit(f"no CSRF token in the page (status {answer.status})")
    return match.group(1)


# --- Data -----------------------------------------------------------------------------------------


def populate() -> tuple[list[str], list[tuple[str, str]]]:
    """Trainings and signed-in people, from scratch. Returns the training slugs and the people's
    (email, session key)."""
    import datetime as dt

    from allauth.account.models import EmailAddress
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session as DjangoSession
    from django.core.management import call_command
    from django.utils import timezone

    from members.models import Person, User
    from trainings.models import Kind, Session, Status, Training

    call_command("flush", interactive=False, verbosity=0)
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=30)
    trainings = Training.objects.bulk_create(
        Training(
            title=f"Fault drill {chr(65 + i)}",
            slug=f"fault-drill-{chr(97 + i)}",
            kind=Kind.CONCEPTS,
            summary="A training of the fault drill.",
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
    users = User.objects.bulk_create(
        User(email=f"drill{i}@example.org", password=make_password(None)) for i in range(N_PEOPLE)
    )
    signer = User.objects.create(email=SIGN_IN_EMAIL, password=make_password(SIGN_IN_PASSWORD))
    Person.objects.bulk_create(
        Person(user=u, display_name=f"Drill person {u.pk}") for u in [*users, signer]
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in [*users, signer]
    )
    store = SessionStore()
    keys = [secrets.token_hex(16) for _ in users]
    DjangoSession.objects.bulk_create(
        DjangoSession(
            session_key=key,
            session_data=store.encode(
                {
                    SESSION_KEY: str(u.pk),
                    BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: u.get_session_auth_hash(),
                }
            ),
            expire_date=timezone.now() + dt.timedelta(days=1),
        )
        for key, u in zip(keys, users, strict=True)
    )
    return [t.slug for t in trainings], [(u.email, k) for u, k in zip(users, keys, strict=True)]


def reset() -> None:
    from django.db import connections

    from portal.models import OutboxEmail
    from trainings.models import Registration, Training

    connections.close_all()  # After a restart, this process's connection is dead too.
    Registration.objects.all().delete()  # Reminders go with them.
    OutboxEmail.objects.all().delete()
    Training.objects.update(seats_taken=0)


def verify(expected: set[tuple[str, str]]) -> tuple[dict, list[str]]:
    """The database against the invariants; returns figures and the problems found."""
    from django.db import connections
    from django.db.models import Count

    from portal.models import OutboxEmail
    from trainings.models import Registration, RegistrationStatus, Training
    from trainings.services.reminders import planned

    connections.close_all()
    problems = []
    registrations = list(
        Registration.objects.select_related("training", "person__user").prefetch_related(
            "reminders"
        )
    )
    plans = {t.pk: set(planned(t)) for t in Training.objects.all()}
    for training in Training.objects.annotate(n=Count("registrations")):
        confirmed = training.registrations.filter(status=RegistrationStatus.CONFIRMED).count()
        if training.seats_taken != confirmed:
            problems.append(f"{training.slug}: seats_taken {training.seats_taken} != {confirmed}")
        if confirmed > training.capacity:
            problems.append(f"{training.slug}: {confirmed} confirmed for {training.capacity}")
    pairs = Counter((r.person.user.email, r.training.slug) for r in registrations)
    doubles = [pair for pair, n in pairs.items() if n > 1]
    missing = expected - set(pairs)
    extra = set(pairs) - expected
    problems += [f"double registration {pair}" for pair in doubles]
    problems += [f"missing registration {pair}" for pair in sorted(missing)[:5]]
    problems += [f"unexpected registration {pair}" for pair in sorted(extra)[:5]]
    no_reminders = 0
    for r in registrations:
        kinds = {reminder.kind for reminder in r.reminders.all()}
        want = plans[r.training_id] if r.status == RegistrationStatus.CONFIRMED else set()
        if kinds != want or len(r.reminders.all()) != len(want):
            no_reminders += 1
            problems.append(f"registration {r.pk} ({r.status}): reminders {kinds}, want {want}")
    kind_of = {
        RegistrationStatus.CONFIRMED: "registration_confirmed",
        RegistrationStatus.WAITLISTED: "registration_waitlisted",
    }
    wanted_mail = Counter(
        (r.person.user.email, kind_of[r.status], r.training.title) for r in registrations
    )
    outbox = list(OutboxEmail.objects.all())
    got_mail = Counter((e.to[0], e.kind, e.subject.split(": ", 1)[-1]) for e in outbox)
    if wanted_mail != got_mail:
        problems.append(
            f"outbox differs: {sum((wanted_mail - got_mail).values())} missing, "
            f"{sum((got_mail - wanted_mail).values())} unexpected"
        )
    statuses = Counter(r.status for r in registrations)
    figures = {
        "registrations": len(registrations),
        "confirmed": statuses[RegistrationStatus.CONFIRMED],
        "waitlisted": statuses[RegistrationStatus.WAITLISTED],
        "doubles": len(doubles),
        "missing": len(missing),
        "reminders": sum(len(r.reminders.all()) for r in registrations),
        "reminder_mismatches": no_reminders,
        "outbox": len(outbox),
        "outbox_states": dict(Counter(e.state for e in outbox)),
    }
    return figures, problems


# --- The burst ------------------------------------------------------------------------------------


@dataclass
class Burst:
    answers: list[Answer] = field(default_factory=list)
    fault_started: float = 0.0
    fault_ended: float = 0.0
    probes: dict = field(default_factory=dict)


def sign_in_cookies(port: int, people) -> dict[str, dict[str, str]]:
    """Each person opens a training page: the session cookie plus the CSRF cookie it sets and
    the token of the page's form, as a browser would have them."""

    def one(person):
        email, key = person
        page = fetch(port, "GET", "/trainings/fault-drill-a/", cookies={"sessionid": key})
        if page.status != 200 or "csrftoken" not in page.cookies:
            raise SystemExit(f"GET the training page as {email}: {page.status}")
        cookies = {"sessionid": key, "csrftoken": page.cookies["csrftoken"]}
        return email, {"cookies": cookies, "token": form_token(page)}

    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        return dict(pool.map(one, people))


def register(port: int, browser: dict, slug: str) -> Answer:
    try:
        return fetch(
            port,
            "POST",
            f"/trainings/{slug}/register/",
            cookies=browser["cookies"],
            form={"csrfmiddlewaretoken": browser["token"]},
        )
    except OSError as exc:
        now = time.monotonic()
        return Answer(f"error {type(exc).__name__}", {}, "", {}, now, now)


def burst(port: int, browsers: dict, jobs: list, fault, fault_after: int) -> Burst:
    """POST every job, CONCURRENCY in flight; ``fault()`` runs once ``fault_after`` answered."""
    result = Burst()
    lock = threading.Lock()
    reached = threading.Event()

    def one(job):
        email, slug = job
        answer = register(port, browsers[email], slug)
        answer.job = job
        with lock:
            result.answers.append(answer)
            if len(result.answers) >= fault_after:
                reached.set()

    def inject():
        reached.wait()
        result.fault_started = time.monotonic()
        result.probes = fault() or {}
        result.fault_ended = time.monotonic()

    injector = threading.Thread(target=inject)
    injector.start()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        list(pool.map(one, jobs))
    injector.join()
    return result


def latency_ms(answers: list[Answer]) -> str:
    return percentiles([a.seconds for a in answers])


def percentiles(seconds_list: list[float]) -> str:
    if not seconds_list:
        return "-"
    ms = sorted(s * 1000 for s in seconds_list)
    return (
        f"p50 {statistics.median(ms):.0f} ms, p95 {ms[int(len(ms) * 0.95) - 1]:.0f} ms, "
        f"max {ms[-1]:.0f} ms"
    )


# --- Drills ---------------------------------------------------------------------------------------


def drill_restart(env, cluster, slugs, people, *, health_checks: bool | None) -> dict:
    """PostgreSQL restarted (fast) a quarter into the burst."""
    server_env = dict(env)
    if health_checks is not None:
        server_env["FAULTS_HEALTH_CHECKS"] = "1" if health_checks else "0"
    reset()
    server = Gunicorn(server_env, "restart" if health_checks is None else "no-health-checks")
    server.start()
    try:
        pids = server.worker_pids()
        browsers = sign_in_cookies(server.port, people)
        jobs = [(email, slug) for email, _key in people for slug in slugs]
        random.Random(5).shuffle(jobs)
        run_ = burst(server.port, browsers, jobs, cluster.restart, len(jobs) // 4)
        # The people whose request failed try again, as the page asks them to.
        failed = [a for a in run_.answers if a.status != 302]
        retries = [register(server.port, browsers[a.job[0]], a.job[1]) for a in failed]
        # PostgreSQL restarted again while no request is in flight: every worker keeps a dead
        # connection until its next request, which the health check must save.
        cluster.restart()
        idle = []
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            for _round in range(4):
                idle += pool.map(
                    lambda _: fetch(server.port, "GET", "/trainings/fault-drill-a/"),
                    range(WORKERS),
                )
        workers_same = server.worker_pids() == pids
        booted = server.log_lines("Booting worker")
        timeouts = server.log_lines("WORKER TIMEOUT")
        server_503 = server.registration_times("503")
        server_302 = server.registration_times("302")
    finally:
        server.stop()
    figures, problems = verify({(email, slug) for email, _key in people for slug in slugs})
    # An email whose in-process send was cut by the restart waits in the outbox; the dispatcher
    # (beat, or this command) sends it.
    run(sys.executable, "manage.py", "send_due_reminders", cwd=ROOT, env=server_env,
        stdout=subprocess.DEVNULL)  # fmt: skip
    from portal.models import OutboxEmail

    figures["outbox_after_dispatch"] = dict(
        Counter(OutboxEmail.objects.values_list("state", flat=True))
    )
    answers = run_.answers
    t0, t1 = run_.fault_started, run_.fault_ended
    bad = [a for a in answers if a.status != 302]
    after_back = [a for a in answers if a.started >= t1]
    ok_after_back = [a for a in after_back if a.status == 302]
    for a in bad:
        if a.status != 503:
            problems.append(f"answer {a.status} to {a.job}")
        elif a.headers.get("retry-after") != "5" or MESSAGE not in a.body:
            problems.append(f"a 503 without the message or Retry-After: {a.job}")
    problems += [f"retry of {a.job} answered {a.status}" for a in retries if a.status != 302]
    idle_failed = [a for a in idle if a.status != 200]
    for a in idle_failed:
        if a.status != 503 or MESSAGE not in a.body:
            problems.append(f"after the idle restart, a page answered {a.status}")
    if idle_failed and health_checks is not False:
        problems.append(f"after the idle restart, {len(idle_failed)} requests failed")
    if not workers_same or booted != WORKERS or timeouts:
        problems.append(
            f"gunicorn workers restarted: same pids {workers_same}, {booted} boots, "
            f"{timeouts} timeouts"
        )
    return {
        "statuses": Counter(a.status for a in answers),
        "retries": Counter(a.status for a in retries),
        "idle": Counter(a.status for a in idle),
        "idle_failed": len(idle_failed),
        "restart_took": t1 - t0,
        "first_failure": min((a.ended - t0 for a in bad), default=None),
        "last_failure": max((a.ended - t0 for a in bad), default=None),
        "started_after_back": len(after_back),
        "failed_after_back": len(after_back) - len(ok_after_back),
        "first_ok_after_back": min((a.ended - t0 for a in ok_after_back), default=None),
        "latency_503": latency_ms([a for a in bad if a.status == 503]),
        "latency_302": latency_ms([a for a in answers if a.status == 302]),
        "server_503": percentiles(server_503),
        "server_302": percentiles(server_302),
        "workers_same": workers_same,
        "booted": booted,
        "timeouts": timeouts,
        "db": figures,
        "problems": problems,
    }


def drill_redis(env, slugs, people) -> dict:
    """Redis stopped a third into the burst; back afterwards; every email sent once."""
    from django.db import connections

    from community.tasks import dispatch_due
    from portal.celery import app as celery_app
    from portal.models import OutboxEmail, OutboxState
    from tests.portal.components import RedisServer, SmtpSink, reset_broker_pools

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    reset()
    redis_server = RedisServer(TMP)
    sink = SmtpSink()
    sink.controller.start()
    redis_server.start()
    server_env = {**env, "REDIS_URL": redis_server.url}
    worker_log = TMP / "celery-worker.log"
    worker = None
    server = Gunicorn(server_env, "redis")
    problems = []
    try:
        with worker_log.open("w") as log:
            worker = subprocess.Popen(
                [str(BIN / "celery"), "-A", "portal", "worker", "--pool=solo",
                 "-Q", "email,default", "--loglevel=INFO", "--without-heartbeat",
                 "--without-gossip", "--without-mingle"],
                cwd=ROOT, env={**server_env, "EMAIL_URL": sink.url, "LOG_FORMAT": "plain",
                               "LOG_LEVEL": "INFO"},
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while " ready." not in worker_log.read_text():
            if time.monotonic() > deadline or worker.poll() is not None:
                raise SystemExit(f"the Celery worker did not start: see {worker_log}")
            time.sleep(0.2)
        server.start()
        pids = server.worker_pids()
        browsers = sign_in_cookies(server.port, people)
        jobs = [(email, slug) for email, _key in people for slug in slugs]
        random.Random(7).shuffle(jobs)

        def outage() -> dict:
            redis_server.stop()
            return probe_while_redis_is_down(server.port)

        run_ = burst(server.port, browsers, jobs, outage, len(jobs) // 3)
        during = [a for a in run_.answers if a.started >= run_.fault_started]
        connections.close_all()
        # What the worker had sent before Redis stopped; the rest waits in the outbox.
        time.sleep(1)
        states_after_burst = Counter(OutboxEmail.objects.values_list("state", flat=True))
        sent_before = len(sink.received)

        redis_server.start()
        redis_back = time.monotonic()
        # The worker reconnects by itself; then what beat sends every minute.
        while worker_log.read_text().count("Connected to redis") < 2:
            if time.monotonic() - redis_back > 60:
                raise SystemExit(f"the worker did not reconnect: see {worker_log}")
            time.sleep(0.2)
        reconnect = time.monotonic() - redis_back
        celery_app.conf.update(broker_url=redis_server.url, task_always_eager=False)
        reset_broker_pools()
        dispatch_due.apply_async(retry=False)
        total = OutboxEmail.objects.count()
        deadline = time.monotonic() + 120
        while len(sink.received) < total and time.monotonic() < deadline:
            time.sleep(0.2)
        drained = time.monotonic() - redis_back
        # An operator runs the dispatcher by hand as well: nothing is left to send.
        dispatcher = subprocess.run(
            [sys.executable, "manage.py", "send_due_reminders"],
            cwd=ROOT, env={**env, "EMAIL_URL": sink.url}, capture_output=True, text=True,
        )  # fmt: skip
        time.sleep(1)
        workers_same = server.worker_pids() == pids
        booted = server.log_lines("Booting worker")
        server_times = server.registration_times()
    finally:
        server.stop()
        stop_group(worker)
        redis_server.stop()
        sink.controller.stop()
    figures, problems = verify({(email, slug) for email, _key in people for slug in slugs})
    answers = run_.answers
    problems += [f"answer {a.status} to {a.job}" for a in answers if a.status != 302]
    # Redis must never hold a request up: a worker spends well under 3 s on each, whatever the
    # queue in front of the two workers adds on a loaded machine.
    problems += [f"a registration took {t:.1f} s in a worker" for t in server_times if t >= 3]
    for name, (ok, detail) in run_.probes.items():
        if not ok:
            problems.append(f"while Redis was down, {name}: {detail}")
    connections.close_all()
    outbox = list(OutboxEmail.objects.all())
    ids = Counter(sink.message_ids)
    if dispatcher.returncode != 0 or dispatcher.stderr.strip():
        problems.append(f"send_due_reminders: {dispatcher.returncode} {dispatcher.stderr}")
    if sorted(ids) != sorted(e.message_id for e in outbox) or max(ids.values(), default=1) > 1:
        problems.append(
            f"the sink got {len(sink.received)} messages ({len(ids)} distinct) "
            f"for {len(outbox)} outbox emails"
        )
    if not states_after_burst.get(OutboxState.PENDING):
        problems.append("no email waited in the outbox: Redis stopped too late to prove anything")
    if any(e.state != OutboxState.SENT for e in outbox):
        problems.append(f"outbox states {Counter(e.state for e in outbox)}")
    if not workers_same or booted != WORKERS:
        problems.append(f"gunicorn workers restarted: same pids {workers_same}, {booted} boots")
    return {
        "statuses": Counter(a.status for a in answers),
        "during": len(during),
        "latency_all": latency_ms(answers),
        "latency_during": latency_ms(during),
        "server_times": percentiles(server_times),
        "probes": run_.probes,
        "states_after_burst": dict(states_after_burst),
        "sent_before": sent_before,
        "reconnect": reconnect,
        "drained": drained,
        "dispatcher_stdout": dispatcher.stdout.strip(),
        "received": len(sink.received),
        "distinct": len(ids),
        "outbox": len(outbox),
        "workers_same": workers_same,
        "booted": booted,
        "db": figures,
        "problems": problems,
    }


def probe_while_redis_is_down(port: int) -> dict:
    """Pages, /healthz, and allauth's sign-in form, while Redis is down."""
    probes = {}
    for path in ("/", "/trainings/", "/trainings/fault-drill-a/"):
        answer = fetch(port, "GET", path)
        probes[f"GET {path}"] = (answer.status == 200, f"{answer.status} in {answer.seconds:.2f} s")
    health = fetch(port, "GET", "/healthz")
    status = json.loads(health.body).get("status") if health.status == 200 else None
    probes["GET /healthz"] = (status == "degraded", f"{health.status} {status}")
    page = fetch(port, "GET", "/accounts/login/")
    signed = fetch(
        port,
        "POST",
        "/accounts/login/",
        cookies={"csrftoken": page.cookies.get("csrftoken", "")},
        form={
            "login": SIGN_IN_EMAIL,
            "password": SIGN_IN_PASSWORD,
            "csrfmiddlewaretoken": form_token(page),
        },
    )
    me = fetch(port, "GET", "/me/", cookies={"sessionid": signed.cookies.get("sessionid", "")})
    ok = signed.status == 302 and signed.headers.get("location") == "/me/" and me.status == 200
    probes["sign in through the form"] = (
        ok,
        f"POST {signed.status} to {signed.headers.get('location')} in {signed.seconds:.2f} s, "
        f"then /me/ {me.status}",
    )
    return probes


# --- Report ---------------------------------------------------------------------------------------


def seconds(value) -> str:
    return "-" if value is None else f"+{value:.2f} s"


def report_restart(name: str, r: dict) -> None:
    db = r["db"]
    print(f"\n## {name}")
    print(f"answers: {dict(r['statuses'])}; retries of the failed ones: {dict(r['retries'])}")
    print(
        f"restart -m fast took {r['restart_took']:.2f} s; failures from "
        f"{seconds(r['first_failure'])} to {seconds(r['last_failure'])} after it began, "
        f"every answer after that a success; "
        f"{r['started_after_back']} requests started after PostgreSQL was back, "
        f"{r['failed_after_back']} failed; first success after it was back "
        f"{seconds(r['first_ok_after_back'])}"
    )
    print(
        f"latency seen by the clients: 503 {r['latency_503']}; 302 {r['latency_302']}\n"
        f"time in a worker (access log): 503 {r['server_503']}; 302 {r['server_302']}"
    )
    print(
        f"restarted again while idle, then {sum(r['idle'].values())} page views: {dict(r['idle'])}"
    )
    print(
        f"database: {db['registrations']} registrations ({db['confirmed']} confirmed, "
        f"{db['waitlisted']} waitlisted), {db['doubles']} doubles, {db['missing']} missing, "
        f"{db['reminders']} reminders ({db['reminder_mismatches']} registrations off plan), "
        f"{db['outbox']} outbox emails {db['outbox_states']}, after send_due_reminders "
        f"{db['outbox_after_dispatch']}"
    )
    print(
        f"gunicorn: workers kept their pids: {r['workers_same']}, {r['booted']} 'Booting "
        f"worker' lines (= {WORKERS} at start), {r['timeouts']} timeouts"
    )


def report_redis(r: dict) -> None:
    db = r["db"]
    print("\n## redis")
    print(
        f"answers: {dict(r['statuses'])}; as the clients saw them: all {r['latency_all']}; "
        f"the {r['during']} sent after Redis stopped: {r['latency_during']}; time in a worker "
        f"(access log), all registrations: {r['server_times']}"
    )
    for name, (ok, detail) in r["probes"].items():
        print(f"while down: {name}: {'ok' if ok else 'FAILED'} ({detail})")
    print(
        f"after the burst: outbox {r['states_after_burst']}, the sink held {r['sent_before']}; "
        f"Redis back: worker reconnected in {r['reconnect']:.1f} s, outbox drained "
        f"{r['drained']:.1f} s after Redis was back; send_due_reminders then: "
        f"{r['dispatcher_stdout']!r}"
    )
    print(
        f"sink: {r['received']} messages, {r['distinct']} distinct Message-IDs, for "
        f"{r['outbox']} outbox emails; database: {db['registrations']} registrations "
        f"({db['confirmed']} confirmed, {db['waitlisted']} waitlisted), {db['reminders']} "
        f"reminders ({db['reminder_mismatches']} off plan), {db['doubles']} doubles"
    )
    print(f"gunicorn: workers kept their pids: {r['workers_same']}, {r['booted']} boots")


def main() -> None:
    global TMP
    TMP = Path(tempfile.mkdtemp(prefix="nmt-faults-"))
    cluster = Cluster()
    try:
        cluster.create()
        run_drills(cluster)
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may not be set up yet.
            pass
        cluster.drop()
        shutil.rmtree(TMP, ignore_errors=True)


def run_drills(cluster: Cluster) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.fault_settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": cluster.url,
        "SECRET_KEY": "faults-only-" + secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "SITE_URL": f"http://{HOST}:8000",
        "USE_HTTPS": "false",
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": "",
        "FAULTS_STATIC_ROOT": str(TMP / "static"),
    }
    env.pop("FAULTS_HEALTH_CHECKS", None)
    os.environ.clear()
    os.environ.update(env)
    for args in (("migrate", "--no-input", "-v0"), ("createcachetable", "-v0"),
                 ("collectstatic", "--no-input", "-v0")):  # fmt: skip
        run(sys.executable, "manage.py", *args, cwd=ROOT, env=env)
    import django

    django.setup()
    from django.conf import settings

    slugs, people = populate()
    print(
        f"PostgreSQL {PG_VERSION} cluster {CLUSTER} on port {cluster.port}; {N_TRAININGS} "
        f"trainings x {CAPACITY} seats, {len(people)} signed-in people x {N_TRAININGS} = "
        f"{len(people) * N_TRAININGS} registrations, {CONCURRENCY} in flight; gunicorn "
        f"{WORKERS} sync workers; CONN_MAX_AGE {settings.DATABASES['default']['CONN_MAX_AGE']}, "
        f"CONN_HEALTH_CHECKS {settings.DATABASES['default'].get('CONN_HEALTH_CHECKS')} "
        f"(production settings); {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    )
    failures = []
    for drill in DRILLS:
        if drill == "restart":
            result = drill_restart(env, cluster, slugs, people, health_checks=None)
            report_restart("restart (production settings)", result)
        elif drill == "restart-no-health-checks":
            result = drill_restart(env, cluster, slugs, people, health_checks=False)
            report_restart("restart, CONN_HEALTH_CHECKS off (negative control)", result)
            # Without the health check, the first request of each idle worker after the
            # restart fails: the drill must see it, or it proves nothing.
            if not result["idle_failed"]:
                failures.append(f"{drill}: no request failed after the idle restart")
        elif drill == "redis":
            result = drill_redis(env, slugs, people)
            report_redis(result)
        else:
            raise SystemExit(f"unknown drill {drill!r}")
        for problem in result["problems"][:20]:
            print(f"  PROBLEM: {problem}")
        failures += [f"{drill}: {p}" for p in result["problems"]]
    if failures:
        raise SystemExit(f"FAILED: {len(failures)} problems (see above)")
    print("\nAll checks passed.")


if __name__ == "__main__":
    main()
