"""The scale-out drill: the production shape on one machine, a mixed load through nginx, and a
kill of each component mid-load.

It starts, on the loopback only, each in a process group of its own:

- PostgreSQL 15, a cluster of its own (``pg_createcluster`` with its data in the drill's
  temporary directory, on a free port; dropped at the end), migrated directly;
- PgBouncer in transaction pooling in front of it (``tests.portal.components.PgBouncer``):
  web, workers and beat connect through it, with ``DATABASE_PGBOUNCER=true``;
- redis-server (``tests.portal.components.RedisServer``), the Celery broker;
- an aiosmtpd sink in a process of its own (``bench.outbox.Sink``), counting Message-IDs;
- **two** gunicorn replicas, each ``gunicorn -c deploy/gunicorn.conf.py`` (2 sync workers) on
  production settings (``bench.fault_settings``: DEBUG off, HTTPS, ``CONN_MAX_AGE`` 60,
  ``ALLAUTH_TRUSTED_PROXY_COUNT=1``), with its own bind address;
- nginx running ``deploy/nginx.conf`` (TLS with a self-signed certificate made for the run,
  HTTP/2), with only the user, listen addresses, certificate paths and upstream servers put in;
- **two** Celery workers (``-Q email,default --concurrency=2``) and **one** beat.

Then, through nginx (HTTPS, each virtual user on a loopback address of its own, as separate
clients): the mixed load (anonymous browsing; members browsing, registering, cancelling,
signing out and in) runs ``SCALEOUT_MEASURE`` seconds on one replica (nginx's upstream holding
replica 1 only), the same on two (nginx reloaded with both), then through the faults:

1. replica 1 killed with SIGKILL (master and workers) and started again;
2. worker 1 killed with SIGKILL and started again;
3. Redis restarted;
4. PgBouncer restarted (SIGTERM: its immediate shutdown);
5. a second beat started by mistake, stopped a minute later.

A client that gets a 502/503/504 (or a dropped connection) waits as ``Retry-After`` says
(at most 5 s) and sends the request again. The checks, each of which fails the drill:

- no oversold seat, ``seats_taken`` equal to the confirmed rows, no person twice on a training;
- every outbox email sent, each exactly once (the sink's Message-IDs against the outbox), none
  failed, two beats or not;
- a session made on one replica works on the other, and a change made through one (a curator
  publishing a training in the admin) shows on the other's next anonymous page (page cache);
- the sign-in limits count each client apart through nginx: 10 failed sign-ins from one
  address, then that address is refused (429), a forged ``X-Forwarded-For`` does not help, and
  another address still signs in;
- no answer is a 500 (or any 5xx but 502/503/504); every failed one was retried and the retry
  succeeded; no GET failed while a replica was down (nginx sent it to the other), and the
  access log shows the GETs nginx retried; failures happened only around the faults;
- and the edge itself: HTTP/2 by ALPN, gzip, X-Forwarded-For reaching gunicorn, 413 past the
  body limit, HTTP redirected to HTTPS.

Figures: requests/s and p95 with one and with two replicas, and the recovery time after each
fault; bench/README.md ("Scale-out drill") has them with the machine.

    .venv/bin/python bench/scaleout.py            # as root; installs nginx, pgbouncer… if missing
    SCALEOUT_MEASURE=20 SCALEOUT_USERS=12 .venv/bin/python bench/scaleout.py

Runs as root (``pg_createcluster``, pgbouncer's ``-u postgres``, apt-get for what is missing).
"""

import contextlib
import datetime as dt
import gzip
import http.client
import os
import random
import re
import secrets
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.faults import Cluster, stop_group  # noqa: E402 - after the path is set
from bench.server import machine  # noqa: E402

HOST = "127.0.0.1"
SERVER_NAME = "localhost"
BIN = Path(sys.executable).parent
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"

MEASURE = int(os.environ.get("SCALEOUT_MEASURE", "30"))
USERS = int(os.environ.get("SCALEOUT_USERS", "12"))
MEMBERS = USERS * 2 // 3  # the others browse anonymously
TRAININGS = 6
CAPACITY = 4
PASSWORD = "scaleout-drill-2026!"  # noqa: S105 - accounts of the drill's own database.
CURATOR = "curator@example.org"
DRAFT_TITLE = "Scale-out drill: published mid-drill"
# Seconds into the fault phase: (what, when). The second beat runs for a minute.
SCHEDULE = [("web", 10), ("worker", 35), ("redis", 60), ("pgbouncer", 85), ("beat", 105)]
# SCALEOUT_FAULTS=redis,beat runs only those (each at its time), to look at one more closely.
ONLY = os.environ.get("SCALEOUT_FAULTS")
if ONLY:
    SCHEDULE = [(name, at) for name, at in SCHEDULE if name in ONLY.split(",")]
FAULTS_END = 180
# A failure this long after a fault began still belongs to it (nginx's fail_timeout is 10 s).
FAULT_WINDOW = 25
# The workers' watchdog (portal/watchdog.py), quicker than production's 30 s x 3: a worker that
# stops consuming is ended within 3 pings 5 s apart (each waits up to 2.5 s) plus a 10 s grace.
WATCHDOG = {"CELERY_WORKER_WATCHDOG_INTERVAL": "5", "CELERY_WORKER_WATCHDOG_STRIKES": "3",
            "CELERY_WORKER_WATCHDOG_GRACE": "10"}  # fmt: skip
WATCHDOG_WINDOW = 60
PACKAGES = {
    "nginx": "nginx",
    "pgbouncer": "pgbouncer",
    "redis-server": "redis-server",
    "pg_createcluster": "postgresql-common",
    "openssl": "openssl",
}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REGISTER_FORM = re.compile(r'action="(/trainings/[a-z0-9-]+/register/)"')
CANCEL_FORM = re.compile(r'action="(/me/trainings/\d+/cancel/)"')
TRAINING_LINK = re.compile(r'href="(/trainings/scaleout-[a-z0-9-]+/)"')


# --- Set-up ------------------------------------------------------------------------------------


def install_missing() -> None:
    """Debian's packages the drill needs, installed when a command is missing."""
    missing = [pkg for cmd, pkg in PACKAGES.items() if not shutil.which(cmd)]
    if not Path("/usr/lib/postgresql/15/bin/postgres").exists():
        missing.append("postgresql-15")
    if missing:
        print(f"installing {' '.join(missing)} (apt-get)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env,
                       stdout=subprocess.DEVNULL)  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "fullchain.pem", directory / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", f"/CN={SERVER_NAME}", "-addext", f"subjectAltName=DNS:{SERVER_NAME},IP:{HOST}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def nginx_conf(
    *, upstreams: list[int], http_port: int, https_port: int, cert: Path, key: Path
) -> str:
    """deploy/nginx.conf for this machine: Debian's user, loopback ports, the run's certificate
    and one server line per replica (with the file's own max_fails and fail_timeout). Every
    other line is the file's. Fails if a line it replaces is written differently."""
    text = NGINX_CONF.read_text()
    server = re.search(r"^(\s*)server web:8000( [^;]*);$", text, re.MULTILINE)
    if not server:
        raise SystemExit("deploy/nginx.conf: no `server web:8000 …;` line in the upstream")
    indent, options = server.groups()
    servers = "\n".join(f"{indent}server {HOST}:{port}{options};" for port in upstreams)
    replacements = [
        ("user nginx;", "user www-data;"),
        ("listen 80;", f"listen {HOST}:{http_port};"),
        ("listen 443 ssl http2;", f"listen {HOST}:{https_port} ssl http2;"),
        ("/etc/nginx/tls/fullchain.pem", str(cert)),
        ("/etc/nginx/tls/privkey.pem", str(key)),
        (server.group(0), servers),
    ]
    for old, new in replacements:
        if text.count(old) != 1:
            raise SystemExit(f"deploy/nginx.conf: expected {old.strip()!r} exactly once")
        text = text.replace(old, new)
    return text


class Processes:
    """Every process the drill starts, each in a process group of its own, stopped at the end
    (SIGTERM to the group, SIGKILL after 20 s), whatever happened."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[subprocess.Popen] = []

    def start(self, name: str, command: list[str], env: dict) -> subprocess.Popen:
        with (self.logs / f"{name}.log").open("a") as log:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.running.append(process)
        return process

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop_all(self) -> None:
        for process in reversed(self.running):
            with contextlib.suppress(ProcessLookupError):
                stop_group(process)


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.1) -> float:
    """Seconds until ``predicate()`` held; SystemExit after ``timeout``."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise SystemExit(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(interval)
    return time.monotonic() - started


# --- The stack ---------------------------------------------------------------------------------


class Stack:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.procs = Processes(tmp)
        tmp.chmod(0o755)  # PostgreSQL and pgbouncer run as postgres
        self.cluster = Cluster("nmtscaleout", "nmt_scaleout", data_dir=tmp / "pgdata")
        self.secret = "scaleout-only-" + secrets.token_urlsafe(40)
        self.http_port, self.https_port = free_port(), free_port()
        # This process reads the database directly and publishes nothing; Django reads its
        # settings once, when the components below are imported.
        os.environ.clear()
        os.environ.update(self.environment(
            DATABASE_URL=self.cluster.url, DATABASE_PGBOUNCER="false", REDIS_URL="",
            EMAIL_URL="dummymail://",
        ))  # fmt: skip
        from bench.outbox import Sink
        from tests.portal.components import PgBouncer, RedisServer

        (tmp / "pgbouncer").mkdir()
        self.bouncer = PgBouncer(
            tmp / "pgbouncer", server_host=HOST, server_port=self.cluster.port, user="postgres"
        )
        self.redis = RedisServer(tmp, process_group=True)
        self.sink = Sink()
        self.web_ports = [free_port(), free_port()]
        self.web: dict[int, subprocess.Popen] = {}
        self.workers: dict[int, subprocess.Popen] = {}
        self.beats: dict[int, subprocess.Popen] = {}
        self.cert, self.key = self_signed(tmp)
        self.nginx: subprocess.Popen | None = None
        # Every portal process: through PgBouncer, Redis, the sink.
        self.env = self.environment(
            DATABASE_URL=f"postgres://postgres@{HOST}:{self.bouncer.port}/nmt_scaleout",
            DATABASE_PGBOUNCER="true",
            REDIS_URL=self.redis.url,
            EMAIL_URL=f"smtp://{HOST}:{self.sink.port}",
        )

    def environment(self, **values: str) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "bench.fault_settings",
            "FAULTS_STATIC_ROOT": str(self.tmp / "static"),
            "SECRET_KEY": self.secret,
            "ALLOWED_HOSTS": f"{SERVER_NAME},{HOST}",
            "SITE_URL": f"https://{SERVER_NAME}:{self.https_port}",
            "USE_HTTPS": "true",
            "MFA_REQUIRED_FOR_STAFF": "false",
            "LOG_FORMAT": "plain",
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": "2",
            **values,
        }

    def start(self) -> None:
        self.cluster.create()
        self.bouncer.start()
        self.redis.start()
        for args in (("migrate", "--no-input", "-v0"), ("createcachetable", "-v0"),
                     ("collectstatic", "--no-input", "-v0")):  # fmt: skip
            subprocess.run(
                [sys.executable, "manage.py", *args], cwd=ROOT, env=dict(os.environ), check=True
            )
        import django

        django.setup()

    def start_replica(self, n: int) -> None:
        port = self.web_ports[n - 1]
        self.web[n] = self.procs.start(
            f"web{n}",
            [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), "--bind", f"{HOST}:{port}",
             "portal.wsgi:application"],
            self.env,
        )  # fmt: skip

    def replica_answers(self, n: int) -> bool:
        try:
            return direct_get(self.web_ports[n - 1], "/healthz")[0] == 200
        except OSError:
            return False

    def kill_replica(self, n: int) -> None:
        os.killpg(self.web[n].pid, signal.SIGKILL)
        self.web[n].wait()

    def start_worker(self, n: int) -> None:
        self.workers[n] = self.procs.start(
            f"worker{n}",
            [str(BIN / "celery"), "-A", "portal", "worker", "-Q", "email,default",
             "--concurrency=2", "--loglevel=INFO",
             "-n", f"worker{n}-{len(self.procs.running)}@%h"],
            {**self.env, **WATCHDOG, "LOG_LEVEL": "INFO"},
        )  # fmt: skip

    def worker_ready(self, n: int, times: int = 1) -> bool:
        return self.procs.log(f"worker{n}").count(" ready.") >= times

    def start_beat(self, n: int) -> None:
        self.beats[n] = self.procs.start(
            f"beat{n}",
            [str(BIN / "celery"), "-A", "portal", "beat", "--loglevel=INFO",
             f"--schedule={self.tmp / f'beat{n}-schedule'}"],
            {**self.env, "LOG_LEVEL": "INFO"},
        )  # fmt: skip

    def write_nginx(self, upstreams: list[int]) -> Path:
        path = self.tmp / "nginx.conf"
        path.write_text(
            nginx_conf(
                upstreams=[self.web_ports[n - 1] for n in upstreams],
                http_port=self.http_port,
                https_port=self.https_port,
                cert=self.cert,
                key=self.key,
            )
        )
        return path

    def start_nginx(self, upstreams: list[int]) -> None:
        conf = self.write_nginx(upstreams)
        globals_ = f"pid {self.tmp / 'nginx.pid'}; daemon off;"
        test = subprocess.run(["nginx", "-t", "-q", "-c", str(conf), "-p", f"{self.tmp}/",
                               "-g", globals_], capture_output=True, text=True)  # fmt: skip
        if test.returncode != 0:
            raise SystemExit(f"nginx -t refused the configuration:\n{test.stderr}")
        self.nginx = self.procs.start(
            "nginx", ["nginx", "-c", str(conf), "-p", f"{self.tmp}/", "-g", globals_], self.env
        )
        wait_for(lambda: port_open(self.https_port), timeout=10, what="nginx")

    def reload_nginx(self, upstreams: list[int]) -> None:
        self.write_nginx(upstreams)
        before = self.nginx_workers()
        os.kill(self.nginx.pid, signal.SIGHUP)
        # New workers read the new file; the old ones finish their requests and exit.
        wait_for(lambda: self.nginx_workers() - before, timeout=10, what="nginx to reload")

    def nginx_workers(self) -> set[int]:
        children = Path(f"/proc/{self.nginx.pid}/task/{self.nginx.pid}/children")
        return {int(pid) for pid in children.read_text().split()}

    def stop(self) -> None:
        self.procs.stop_all()
        with contextlib.suppress(Exception):
            self.sink.stop()
        with contextlib.suppress(Exception):
            self.redis.stop()
        with contextlib.suppress(Exception):
            self.bouncer.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may not be set up yet.
            pass
        self.cluster.drop()


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((HOST, port)) == 0


def direct_get(port: int, path: str, headers: dict | None = None) -> tuple[int, str]:
    """A request straight to a replica, as nginx sends it (HTTPS said by X-Forwarded-Proto)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": SERVER_NAME, "X-Forwarded-Proto": "https",
                                           **(headers or {})})  # fmt: skip
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        conn.close()


# --- Data --------------------------------------------------------------------------------------


def populate() -> dict:
    """Trainings with few seats (so they fill and waitlist), members with a password, a curator
    and a draft training for the cross-replica check."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from members.models import Person, User
    from trainings.models import Kind, Session, Status, Training

    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=30)

    def training(i: int, slug: str, title: str, status: str) -> Training:
        return Training(
            title=title, slug=slug, kind=Kind.CONCEPTS, summary="A training of the drill.",
            capacity=CAPACITY, status=status, starts_at=start + dt.timedelta(days=i),
            ends_at=start + dt.timedelta(days=i, hours=6),
        )  # fmt: skip

    trainings = Training.objects.bulk_create(
        [training(i, f"scaleout-{i}", f"Scale-out drill {i}", Status.PUBLISHED)
         for i in range(TRAININGS)]
        + [training(TRAININGS, "scaleout-draft", DRAFT_TITLE, Status.DRAFT)]
    )  # fmt: skip
    Session.objects.bulk_create(
        Session(training=t, starts_at=t.starts_at, ends_at=t.ends_at) for t in trainings
    )
    password = make_password(PASSWORD)  # one hash for all: PBKDF2 takes a while each
    emails = [f"member{i}@example.org" for i in range(MEMBERS)] + [
        "session@example.org",
        "signin@example.org",
    ]
    users = User.objects.bulk_create(User(email=e, password=password) for e in emails)
    curator = User.objects.create(
        email=CURATOR, password=password, is_staff=True, is_superuser=True
    )
    Person.objects.bulk_create(
        Person(user=u, display_name=u.email.split("@")[0]) for u in [*users, curator]
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in [*users, curator]
    )
    return {
        "slugs": [t.slug for t in trainings[:TRAININGS]],
        "members": emails[:MEMBERS],
        "draft": trainings[-1],
    }


# --- HTTP through nginx ------------------------------------------------------------------------


@dataclass
class Answer:
    method: str
    path: str
    status: int | str
    started: float
    seconds: float
    retry_after: str | None = None
    body: str = ""
    headers: dict = field(default_factory=dict)
    retried: list = field(default_factory=list)  # statuses of the client's own retries


RETRYABLE = {502, 503, 504}


class Browser:
    """One client on a loopback address of its own, over one keep-alive HTTPS connection to
    nginx, with a cookie jar, sending Origin and Referer as a browser does (Django checks them
    on HTTPS)."""

    def __init__(self, stack: Stack, address: str, record=None) -> None:
        self.stack = stack
        self.address = address
        self.cookies: dict[str, str] = {}
        self.record = record
        self.conn: http.client.HTTPSConnection | None = None
        self.context = ssl.create_default_context(cafile=str(stack.cert))
        self.origin = f"https://{SERVER_NAME}:{stack.https_port}"

    def _connection(self) -> http.client.HTTPSConnection:
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(
                HOST, self.stack.https_port, timeout=60, context=self.context,
                source_address=(self.address, 0),
            )  # fmt: skip
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def once(self, method: str, path: str, form: dict | None, extra: dict) -> Answer:
        headers = {"Host": f"{SERVER_NAME}:{self.stack.https_port}", "Accept-Encoding": "gzip",
                   "User-Agent": f"scaleout/{self.address}", **extra}  # fmt: skip
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
            body = urlencode(form or {})
        started = time.monotonic()
        try:
            conn = self._connection()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            return Answer(method, path, f"error {type(exc).__name__}", started,
                          time.monotonic() - started)  # fmt: skip
        if response.getheader("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        jar = SimpleCookie()
        for header in response.msg.get_all("Set-Cookie") or []:
            jar.load(header)
        for name, morsel in jar.items():
            if morsel["max-age"] == "0" or morsel.value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return Answer(
            method, path, response.status, started, time.monotonic() - started,
            response.getheader("Retry-After"), raw.decode(errors="replace"),
            {k.lower(): v for k, v in response.getheaders()},
        )  # fmt: skip

    def request(self, method: str, path: str, form: dict | None = None, **extra) -> Answer:
        """One request as a person sends it: after a 502/503/504 or a dropped connection, wait
        as Retry-After says (at most 5 s) and send it again, up to 5 times."""
        answer = self.once(method, path, form, extra)
        first = answer
        for _ in range(5):
            if not (answer.status in RETRYABLE or isinstance(answer.status, str)):
                break
            try:
                wait = min(float(answer.retry_after or 1), 5)
            except ValueError:
                wait = 1
            time.sleep(wait)
            answer = self.once(method, path, form, extra)
            first.retried.append(answer.status)
        if self.record is not None:
            self.record(first)
        if first.retried:
            # What the person ends up with is the last answer.
            answer.retried = first.retried
        return answer

    def token(self, page: Answer) -> str:
        match = CSRF.search(page.body)
        if not match:
            raise RuntimeError(f"no CSRF token on {page.path} ({page.status})")
        return match.group(1)

    def sign_in(self, email: str, password: str = PASSWORD) -> Answer:
        page = self.request("GET", "/accounts/login/")
        return self.request(
            "POST",
            "/accounts/login/",
            {"login": email, "password": password, "csrfmiddlewaretoken": self.token(page)},
        )

    def sign_out(self) -> Answer:
        page = self.request("GET", "/me/")
        return self.request("POST", "/accounts/logout/", {"csrfmiddlewaretoken": self.token(page)})


# --- The load ----------------------------------------------------------------------------------


class Load:
    """``USERS`` virtual users in threads until ``stop`` is set; every first answer recorded."""

    def __init__(self, stack: Stack, data: dict) -> None:
        self.stack = stack
        self.data = data
        self.answers: list[Answer] = []
        self.problems: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def record(self, answer: Answer) -> None:
        with self.lock:
            self.answers.append(answer)

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)

    def start(self) -> float:
        """Start the users; returns when all of them are signed in and going (that moment)."""
        self.ready = threading.Barrier(USERS + 1)
        for n in range(USERS):
            member = self.data["members"][n] if n < MEMBERS else None
            thread = threading.Thread(target=self.user, args=(n, member), daemon=True)
            thread.start()
            self.threads.append(thread)
        self.ready.wait(timeout=120)
        self.started = time.monotonic()
        return self.started

    def measured(self) -> list["Answer"]:
        return [a for a in self.answers if a.started >= self.started]

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)

    def expect(self, answer: Answer, status: int, what: str) -> bool:
        if answer.status != status:
            self.problem(f"{what}: {answer.method} {answer.path} answered {answer.status} "
                         f"(retries {answer.retried})")  # fmt: skip
            return False
        return True

    def user(self, n: int, member: str | None) -> None:
        rng = random.Random(n)
        browser = Browser(self.stack, f"127.0.1.{n + 1}", self.record)
        pages = ["/", "/trainings/", "/trainings/?kind=concepts", "/trainings/calendar/",
                 "/resources/", "/agencies/", *[f"/trainings/{s}/" for s in self.data["slugs"]]]  # fmt: skip
        try:
            if member:
                self.expect(browser.sign_in(member), 302, f"{member} signs in")
            # Everyone starts together, signed in: the figures count what follows.
            self.ready.wait(timeout=120)
            while not self.stop.is_set():
                roll = rng.random()
                if member and roll < 0.25:
                    self.toggle_registration(browser, rng.choice(self.data["slugs"]), member)
                elif member and roll < 0.27:
                    self.expect(browser.sign_out(), 302, f"{member} signs out")
                    self.expect(browser.sign_in(member), 302, f"{member} signs in again")
                elif member and roll < 0.35:
                    self.expect(
                        browser.request("GET", "/me/trainings/"), 200, f"{member}'s trainings"
                    )
                else:
                    self.expect(browser.request("GET", rng.choice(pages)), 200, "browsing")
                time.sleep(rng.uniform(0.05, 0.2))
        except Exception as exc:  # A broken journey is a finding, not a crash of the drill.
            self.problem(f"user {n} ({member}): {type(exc).__name__}: {exc}")
        finally:
            browser.close()

    def toggle_registration(self, browser: Browser, slug: str, member: str) -> None:
        """Open a training's page: register if the form is there, cancel if the person holds
        a seat or a waitlist place (the cancel form), as a person clicking the one button."""
        page = browser.request("GET", f"/trainings/{slug}/")
        if not self.expect(page, 200, f"{member} opens {slug}"):
            return
        token = browser.token(page)
        cancel = CANCEL_FORM.search(page.body)
        register = REGISTER_FORM.search(page.body)
        if cancel:
            answer = browser.request(
                "POST", cancel.group(1), {"csrfmiddlewaretoken": token, "next": "detail"}
            )
            self.expect(answer, 302, f"{member} cancels {slug}")
        elif register:
            answer = browser.request("POST", register.group(1), {"csrfmiddlewaretoken": token})
            self.expect(answer, 302, f"{member} registers for {slug}")
        else:
            self.problem(f"{slug} as {member}: neither a register nor a cancel form")


def figures(answers: list[Answer], seconds: float) -> dict:
    times = sorted(a.seconds * 1000 for a in answers)
    if not times:
        return {"requests": 0, "rps": 0.0, "p50": 0.0, "p95": 0.0}
    return {
        "requests": len(times),
        "rps": len(times) / seconds,
        "p50": statistics.median(times),
        "p95": times[max(0, int(len(times) * 0.95) - 1)],
    }


# --- Faults ------------------------------------------------------------------------------------


@dataclass
class Fault:
    name: str
    started: float
    recovered: dict = field(default_factory=dict)  # what -> seconds after started
    notes: list = field(default_factory=list)


def inject(stack: Stack, name: str) -> Fault:
    fault = Fault(name, time.monotonic())
    if name == "web":
        stack.kill_replica(1)
        stack.start_replica(1)  # as a supervisor would, at once
        wait_for(lambda: stack.replica_answers(1), timeout=60, what="replica 1 back")
        fault.recovered["replica answers /healthz"] = time.monotonic() - fault.started
        before = access_lines(stack, 1)
        wait_for(lambda: access_lines(stack, 1) > before, timeout=60, what="nginx to use replica 1")
        fault.recovered["nginx sends it requests again"] = time.monotonic() - fault.started
    elif name == "worker":
        os.killpg(stack.workers[1].pid, signal.SIGKILL)
        stack.workers[1].wait()
        ready = stack.procs.log("worker1").count(" ready.")
        stack.start_worker(1)
        wait_for(lambda: stack.worker_ready(1, ready + 1), timeout=90, what="worker 1 back")
        fault.recovered["worker ready again"] = time.monotonic() - fault.started
    elif name == "redis":
        connected = [stack.procs.log(f"worker{n}").count("Connected to redis") for n in (1, 2)]
        stack.redis.stop()
        stack.redis.start()
        fault.recovered["redis answers"] = time.monotonic() - fault.started
        for n in (1, 2):

            def back(n=n) -> bool:
                return stack.procs.log(f"worker{n}").count("Connected to redis") > connected[n - 1]

            try:
                wait_for(back, timeout=30, what=f"worker {n} to reconnect to Redis")
            except SystemExit:
                # Celery's consumer can fail in its own recovery ("Unrecoverable error:
                # AttributeError ... 'hostname'") and stay alive without consuming. Its watchdog
                # (portal/watchdog.py) then ends it; the drill starts it again, as a restart
                # policy would. A worker still stuck after the watchdog's window fails the drill.
                wait_for(lambda n=n: stack.workers[n].poll() is not None,
                         timeout=WATCHDOG_WINDOW, what=f"worker {n}'s watchdog to end it")  # fmt: skip
                ended = "has not answered its own ping" in stack.procs.log(f"worker{n}")
                fault.notes.append(
                    f"worker {n} stopped consuming after the Redis restart; "
                    + ("its watchdog ended it" if ended else "it exited")
                    + ", and it was started again as a restart policy would"
                )
                ready = stack.procs.log(f"worker{n}").count(" ready.")
                stack.start_worker(n)
                wait_for(lambda n=n, r=ready: stack.worker_ready(n, r + 1), timeout=90,
                         what=f"worker {n} back")  # fmt: skip
        fault.recovered["both workers connected again"] = time.monotonic() - fault.started
    elif name == "pgbouncer":
        stack.bouncer.restart()
        fault.recovered["pgbouncer accepts"] = time.monotonic() - fault.started
    elif name == "beat":
        stack.start_beat(2)
        wait_for(
            lambda: "beat: Starting" in stack.procs.log("beat2"), timeout=30, what="second beat"
        )
        fault.recovered["second beat started"] = time.monotonic() - fault.started
    return fault


def second_beat_sent(stack: Stack) -> int:
    return stack.procs.log("beat2").count("Sending due task dispatch-due")


def access_lines(stack: Stack, n: int) -> int:
    """Requests replica n logged (gunicorn's access log, one line each)."""
    return sum(
        '" 200 ' in line or '" 302 ' in line for line in stack.procs.log(f"web{n}").splitlines()
    )


# --- Checks ------------------------------------------------------------------------------------


def check_edge(stack: Stack) -> tuple[dict, list[str]]:
    """HTTP/2, gzip, the redirect, the body limit and the forwarded address, through nginx."""
    problems, seen = [], {}
    context = ssl.create_default_context(cafile=str(stack.cert))
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection((HOST, stack.https_port)) as raw,
        context.wrap_socket(raw, server_hostname=SERVER_NAME) as tls,
    ):
        seen["alpn"] = tls.selected_alpn_protocol()
        seen["tls"] = tls.version()
    if seen["alpn"] != "h2":
        problems.append(f"ALPN chose {seen['alpn']}, not h2")
    browser = Browser(stack, "127.0.2.1")
    page = browser.once("GET", "/trainings/", None, {})
    seen["gzip"] = page.headers.get("content-encoding")
    if page.status != 200 or seen["gzip"] != "gzip":
        problems.append(f"/trainings/: {page.status}, Content-Encoding {seen['gzip']}")
    big = browser.once("POST", "/resources/share/", {"x": "a" * (28 * 1024 * 1024)}, {})
    seen["28 MB body"] = big.status
    if big.status != 413:
        problems.append(f"a 28 MB body answered {big.status}, not 413")
    browser.close()
    conn = http.client.HTTPConnection(HOST, stack.http_port, timeout=10)
    conn.request("GET", "/trainings/", headers={"Host": SERVER_NAME})
    response = conn.getresponse()
    seen["http"] = f"{response.status} {response.getheader('Location')}"
    conn.close()
    if response.status != 301 or not response.getheader("Location", "").startswith("https://"):
        problems.append(f"plain HTTP answered {seen['http']}")
    return seen, problems


def check_forwarded(stack: Stack) -> list[str]:
    """gunicorn's access log starts each line with X-Forwarded-For: the clients' addresses."""
    logged = Counter()
    for n in (1, 2):
        # "… INFO gunicorn.access: 127.0.1.3 "GET / HTTP/1.0" 200 …"
        logged[n] += len(
            re.findall(r"gunicorn\.access: 127\.0\.1\.\d+ \"", stack.procs.log(f"web{n}"))
        )
    if not (logged[1] and logged[2]):
        return [f"gunicorn logged no client address from X-Forwarded-For ({dict(logged)})"]
    return []


def direct_browser_request(
    port: int, browser_cookies: dict, method: str, path: str, form=None, origin=""
):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Host": SERVER_NAME, "X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.4.1"}
    if browser_cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in browser_cookies.items())
    body = None
    if method == "POST":
        headers.update({"Content-Type": "application/x-www-form-urlencoded", "Origin": origin,
                        "Referer": origin + path})  # fmt: skip
        body = urlencode(form or {})
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode(errors="replace")
        jar = SimpleCookie()
        for header in response.msg.get_all("Set-Cookie") or []:
            jar.load(header)
        browser_cookies.update({k: m.value for k, m in jar.items() if m.value})
        return response.status, text, response.getheader("Location")
    finally:
        conn.close()


def check_replicas(stack: Stack, data: dict) -> tuple[dict, list[str]]:
    """A session made on replica 1 works on replica 2; a curator's change through replica 1
    shows on replica 2's next anonymous page, cached a moment before."""
    problems, seen = [], {}
    one, two = stack.web_ports
    origin = f"https://{SERVER_NAME}:{stack.https_port}"
    cookies: dict[str, str] = {}
    status, page, _ = direct_browser_request(one, cookies, "GET", "/accounts/login/")
    token = CSRF.search(page).group(1)
    status, _, location = direct_browser_request(
        one, cookies, "POST", "/accounts/login/",
        {"login": "session@example.org", "password": PASSWORD, "csrfmiddlewaretoken": token},
        origin,
    )  # fmt: skip
    status_two, me, _ = direct_browser_request(two, cookies, "GET", "/me/")
    seen["signed in on 1, /me/ on 2"] = status_two
    if status != 302 or status_two != 200 or "session@example.org" not in me:
        problems.append(
            f"session across replicas: sign-in {status} {location}, /me/ on 2 {status_two}"
        )
    # The anonymous list, twice through each replica: the second comes from the page cache.
    for port in (one, two, one, two):
        direct_browser_request(port, {}, "GET", "/trainings/")
    _, before, _ = direct_browser_request(two, {}, "GET", "/trainings/")
    if DRAFT_TITLE in before:
        problems.append("the draft is listed before it was published")
    curator: dict[str, str] = {}
    _, page, _ = direct_browser_request(one, curator, "GET", "/accounts/login/")
    direct_browser_request(
        one, curator, "POST", "/accounts/login/",
        {"login": CURATOR, "password": PASSWORD, "csrfmiddlewaretoken": CSRF.search(page).group(1)},
        origin,
    )  # fmt: skip
    status, page, _ = direct_browser_request(one, curator, "GET", "/admin/trainings/training/")
    match = CSRF.search(page)
    if status != 200 or not match:
        problems.append(f"the admin's training list on replica 1 answered {status}")
        return seen, problems
    status, _, _ = direct_browser_request(
        one, curator, "POST", "/admin/trainings/training/",
        {"action": "publish", "_selected_action": str(data["draft"].pk), "index": "0",
         "csrfmiddlewaretoken": match.group(1)},
        origin,
    )  # fmt: skip
    seen["publish through 1"] = status
    _, after, _ = direct_browser_request(two, {}, "GET", "/trainings/")
    seen["listed on 2 at the next request"] = DRAFT_TITLE in after
    if status != 302 or DRAFT_TITLE not in after:
        problems.append(f"published through replica 1 ({status}); on replica 2's next list: "
                        f"{DRAFT_TITLE in after}")  # fmt: skip
    return seen, problems


LIMITED = "Too many failed login attempts"


def check_sign_in_limits(stack: Stack) -> tuple[dict, list[str]]:
    """allauth counts failed sign-ins per client address (10 a minute), the address nginx
    appended to X-Forwarded-For. Past the limit the form says so, whatever the password."""
    problems, seen = [], {}

    def attempt(browser: Browser, email: str, password: str, **headers) -> str:
        page = browser.request("GET", "/accounts/login/")
        answer = browser.request(
            "POST", "/accounts/login/",
            {"login": email, "password": password, "csrfmiddlewaretoken": browser.token(page)},
            **headers,
        )  # fmt: skip
        return "limited" if LIMITED in answer.body else str(answer.status)

    a = Browser(stack, "127.0.3.1")
    tries = [attempt(a, f"nobody{i}@example.org", "wrong-password-1") for i in range(11)]
    seen["11 failures from one address"] = dict(Counter(tries))
    if tries != ["200"] * 10 + ["limited"]:
        problems.append(f"failed sign-ins from one address: {tries}")
    forged = attempt(
        a, "nobody-else@example.org", "wrong-password-1", **{"X-Forwarded-For": "10.9.8.7"}
    )
    seen["then with a forged X-Forwarded-For"] = forged
    if forged != "limited":
        problems.append(f"a forged X-Forwarded-For got past the limit: {forged}")
    b = Browser(stack, "127.0.3.2")
    wrong = attempt(b, "signin@example.org", "wrong-password-1")
    right = attempt(b, "signin@example.org", PASSWORD)
    seen["another address: wrong, then right password"] = [wrong, right]
    if (wrong, right) != ("200", "302"):
        problems.append(f"another address was limited too: {wrong}, {right}")
    for browser in (a, b):
        browser.close()
    return seen, problems


def check_database() -> tuple[dict, list[str]]:
    from django.db import connections
    from django.db.models import Count, Q

    from trainings.models import Registration, RegistrationStatus, Training

    connections.close_all()
    problems = []
    for t in Training.objects.annotate(
        confirmed=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)
        )
    ):
        if t.confirmed > t.capacity:
            problems.append(f"{t.slug}: {t.confirmed} confirmed for {t.capacity} seats")
        if t.seats_taken != t.confirmed:
            problems.append(f"{t.slug}: seats_taken {t.seats_taken}, confirmed rows {t.confirmed}")
    doubles = (
        Registration.objects.active()
        .values("person", "training")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    if doubles:
        problems.append(f"{doubles} people hold two active registrations for one training")
    statuses = Counter(Registration.objects.values_list("status", flat=True))
    return {"registrations": dict(statuses), "doubles": doubles}, problems


def check_outbox(stack: Stack) -> tuple[dict, list[str]]:
    """Every outbox email sent, each Message-ID exactly once at the sink."""
    from django.db import connections

    from portal.models import OutboxEmail, OutboxState

    def pending() -> int:
        connections.close_all()
        return OutboxEmail.objects.exclude(state=OutboxState.SENT).count()

    # The workers send what the web queued; beat's dispatcher (every minute) whatever a lost
    # message left behind.
    waited = wait_for(lambda: pending() == 0, timeout=180, what="the outbox to drain", interval=1)
    time.sleep(2)
    outbox = list(OutboxEmail.objects.values_list("message_id", "state"))
    ids = stack.sink.ask("ids")
    problems = []
    twice = {i: n for i, n in ids.items() if n > 1}
    missing = [i for i, _ in outbox if i not in ids]
    unknown = set(ids) - {i for i, _ in outbox}
    copies = sum(n - 1 for n in twice.values())
    lost = lost_after_accept(stack)
    # The one window portal/services.py documents: the SMTP server accepted, then the database
    # connection was lost before "sent" was committed; the row stays pending and goes out
    # again, with the same Message-ID. Only as many copies as the workers logged such a loss.
    if copies > lost:
        problems.append(f"{copies} extra copies ({list(twice)[:3]}), but only {lost} sends lost "
                        "their database connection after the SMTP server accepted")  # fmt: skip
    if missing or unknown:
        problems.append(f"{len(missing)} outbox emails never arrived, {len(unknown)} unknown ones")
    states = Counter(state for _, state in outbox)
    return {
        "outbox": len(outbox),
        "states": dict(states),
        "sink messages": sum(ids.values()),
        "distinct Message-IDs": len(ids),
        "sent twice (same Message-ID)": copies,
        "database lost after the SMTP accept": lost,
        "drained after the load": f"{waited:.0f} s",
    }, problems


def lost_after_accept(stack: Stack) -> int:
    """Sends whose "mark sent" failed on the database after the SMTP server had accepted: the
    workers' tracebacks through that line of portal/services.py, one log record each."""
    source = (ROOT / "portal" / "services.py").read_text().splitlines()
    marked = 1 + next(
        n for n, line in enumerate(source)
        if 'email.save(update_fields=["state", "sent_at", "attempts"])' in line
    )  # fmt: skip
    frame = f'portal/services.py", line {marked}, in _send_claimed'
    count = 0
    for n in (1, 2):
        records = re.split(r"\n(?=\d{4}-\d\d-\d\dT)", stack.procs.log(f"worker{n}"))
        count += sum(frame in record for record in records)
    return count


def check_answers(
    load: Load, faults: list[Fault], phase_start: float, stack: Stack
) -> tuple[dict, list[str]]:
    """Every failed first answer: a 502/503/504 or a connection cut, retried with success, and
    belonging to the fault that began last before it (within FAULT_WINDOW s)."""
    problems = list(load.problems)
    failed = [a for a in load.answers if a.status != 200 and a.status != 302]
    by_status = Counter(str(a.status) for a in failed)
    owner: dict[int, Fault] = {}
    for a in failed:
        if a.status in RETRYABLE or isinstance(a.status, str):
            if not a.retried or a.retried[-1] not in (200, 302):
                problems.append(f"{a.method} {a.path}: {a.status}, retries {a.retried}")
        else:
            problems.append(f"{a.method} {a.path} answered {a.status}")
        began = [f for f in faults if f.started - 1 <= a.started <= f.started + FAULT_WINDOW]
        if began:
            owner[id(a)] = max(began, key=lambda f: f.started)
        else:
            problems.append(f"{a.method} {a.path}: {a.status} at +{a.started - phase_start:.1f} s, "
                            "near no fault")  # fmt: skip
    per_fault = {}
    for f in faults:
        mine = [a for a in failed if owner.get(id(a)) is f]
        # A GET whose answer had begun when its replica died is cut off (nginx cannot retry
        # what it has started to send); one that got a 502/503 status was not retried by it.
        refused = [a for a in mine if a.method == "GET" and not isinstance(a.status, str)]
        per_fault[f.name] = {
            "failed": len(mine),
            "by status": dict(Counter(str(a.status) for a in mine)),
            "GET answered 5xx": len(refused),
            "GET cut off mid-answer": sum(
                a.method == "GET" and isinstance(a.status, str) for a in mine
            ),
            "last failure": max((a.started + a.seconds - f.started for a in mine), default=None),
        }
        if f.name == "web" and refused:
            problems.append(f"{len(refused)} GETs answered {Counter(a.status for a in refused)} "
                            "while replica 1 was down: nginx did not retry them")  # fmt: skip
    # nginx's access log: a request it retried on another replica lists two upstream statuses.
    retried = Counter()
    for line in stack.procs.log("nginx").splitlines():
        match = re.search(r'"(GET|POST|HEAD) [^"]*" (\d{3}) .*"([^"]*)" "([^"]*)" "scaleout', line)
        if match and "," in match.group(4):
            retried[f"{match.group(1)} {match.group(4)} -> {match.group(2)}"] += 1
    return {"failed answers": dict(by_status), "per fault": per_fault,
            "retried by nginx": dict(retried)}, problems  # fmt: skip


# --- The drill ---------------------------------------------------------------------------------


def run_phase(stack: Stack, data: dict, seconds: float) -> tuple[Load, float]:
    load = Load(stack, data)
    started = load.start()
    time.sleep(seconds)
    load.join()
    return load, time.monotonic() - started


def main() -> None:
    if os.geteuid() != 0:
        raise SystemExit("run as root: pg_createcluster, pgbouncer -u postgres, apt-get")
    install_missing()
    tmp = Path(tempfile.mkdtemp(prefix="nmt-scaleout-"))
    stack = Stack(tmp)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    failed = True
    try:
        drill(stack)
        failed = False
    finally:
        stack.stop()
        if failed:  # Keep every process's log for a look (bench/results/ is git-ignored).
            kept = ROOT / "bench" / "results" / f"scaleout-{time.strftime('%Y%m%d-%H%M%S')}"
            kept.mkdir(parents=True)
            for log in tmp.glob("*.log"):
                shutil.copy(log, kept)
            print(f"logs kept in {kept.relative_to(ROOT)}")
        shutil.rmtree(tmp, ignore_errors=True)


def drill(stack: Stack) -> None:
    print(f"machine: {machine()}; nproc {os.cpu_count()}")
    stack.start()
    data = populate()
    for n in (1, 2):
        stack.start_replica(n)
    for n in (1, 2):
        stack.start_worker(n)
    stack.start_beat(1)
    wait_for(lambda: all(stack.replica_answers(n) for n in (1, 2)), timeout=60, what="replicas")
    wait_for(lambda: all(stack.worker_ready(n) for n in (1, 2)), timeout=90, what="workers")
    stack.start_nginx([1])
    nginx_version = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    pgbouncer_version = subprocess.run(
        ["pgbouncer", "--version"], capture_output=True, text=True
    ).stdout.splitlines()[0]
    print(
        f"PostgreSQL 15 cluster on :{stack.cluster.port}, {pgbouncer_version} (transaction "
        f"pooling) on :{stack.bouncer.port}, redis on :{stack.redis.port}, sink on "
        f":{stack.sink.port}, gunicorn replicas on :{stack.web_ports[0]} and "
        f":{stack.web_ports[1]} (2 sync workers each), {nginx_version} on "
        f":{stack.https_port} (HTTPS) and :{stack.http_port}; 2 workers (concurrency 2), 1 beat"
    )
    print(
        f"load: {USERS} virtual users ({MEMBERS} members), {TRAININGS} trainings of {CAPACITY} seats"
    )
    problems: list[str] = []

    edge, found = check_edge(stack)
    print(f"\nedge: {edge}")
    problems += found

    one, one_seconds = run_phase(stack, data, MEASURE)
    stack.reload_nginx([1, 2])
    two, two_seconds = run_phase(stack, data, MEASURE)
    results = {"one replica": figures(one.measured(), one_seconds),
               "two replicas": figures(two.measured(), two_seconds)}  # fmt: skip
    for name, load in (("one replica", one), ("two replicas", two)):
        problems += [f"{name}: {p}" for p in load.problems]
        bad = [a for a in load.answers if a.status not in (200, 302)]
        problems += [f"{name}: {a.method} {a.path} answered {a.status}" for a in bad]

    # The faults, under load.
    load = Load(stack, data)
    phase_start = load.start()
    faults: list[Fault] = []
    beat_stopped = None
    for name, at in SCHEDULE:
        time.sleep(max(0.0, phase_start + at - time.monotonic()))
        print(f"+{time.monotonic() - phase_start:5.1f} s  fault: {name}")
        faults.append(inject(stack, name))
    if 2 in stack.beats:
        # A minute, and at least until it has sent the dispatcher once, or it proves nothing
        # (a new beat sends a 60 s task first 60 s after it starts).
        beat = next(f for f in faults if f.name == "beat")
        time.sleep(max(0.0, beat.started + 60 - time.monotonic()))
        wait_for(lambda: second_beat_sent(stack), timeout=60, what="the second beat to send")
        stop_group(stack.beats[2])
        beat_stopped = time.monotonic() - beat.started
    time.sleep(max(0.0, phase_start + FAULTS_END - time.monotonic()))
    load.join()
    fault_seconds = time.monotonic() - phase_start
    results["through the faults"] = figures(load.measured(), fault_seconds)
    answers, found = check_answers(load, faults, phase_start, stack)
    problems += found

    replicas, found = check_replicas(stack, data)
    problems += found
    limits, found = check_sign_in_limits(stack)
    problems += found
    problems += check_forwarded(stack)
    outbox, found = check_outbox(stack)
    problems += found
    database, found = check_database()
    problems += found
    second_beat_ran = second_beat_sent(stack)

    print(f"\n| load ({USERS} virtual users) | requests | requests/s | p50 | p95 |")
    print("|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['requests']:,} | {r['rps']:.1f} | {r['p50']:.0f} ms | {r['p95']:.0f} ms |"
        )
    print("\n| fault (at, into the fault phase) | recovered | failed answers (all retried) |")
    print("|---|---|---|")
    for f, (_, at) in zip(faults, SCHEDULE, strict=True):
        rec = ", ".join(f"{k} +{v:.1f} s" for k, v in f.recovered.items())
        pf = answers["per fault"][f.name]
        last = pf["last failure"]
        tail = f", last +{last:.1f} s" if last is not None else ""
        print(f"| {f.name} (+{at} s) | {rec} | {pf['failed']} {pf['by status'] or ''}{tail} |")
    for f in faults:
        for note in f.notes:
            print(f"  NOTE ({f.name}): {note}")
    if beat_stopped is not None:
        print(f"\nsecond beat: stopped after {beat_stopped:.0f} s, sent dispatch-due "
              f"{second_beat_ran} times")  # fmt: skip
    print(f"answers through the faults: {answers['failed answers']} failed first, "
          f"retried by nginx: {answers['retried by nginx']}")  # fmt: skip
    print(f"replicas: {replicas}")
    print(f"sign-in limits: {limits}")
    print(f"outbox: {outbox}")
    print(f"database: {database}")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if problems:
        for p in problems[:40]:
            print(f"  PROBLEM: {p}")
        raise SystemExit(f"FAILED: {len(problems)} problems (see above)")
    print("\nAll checks passed.")


if __name__ == "__main__":
    main()
