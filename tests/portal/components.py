"""Real components for the outbox tests: an SMTP sink, a Redis server of the tests' own, a
Celery worker, and dispatcher processes. The fixtures that start them are in ``conftest.py``.

- ``SmtpSink`` is an aiosmtpd server on a free port. It keeps every message it accepts, with
  its Message-ID. It can be slowed down, told to refuse, to drop the connection, or to hold one
  message while the test kills the client.
- ``RedisServer`` is a ``redis-server`` process started on a free port. The shared Redis on
  6379 serves other test runs on this machine and is never stopped; this one may be.
- ``PgBouncer`` is a pgbouncer process in transaction pooling, on a free port, in front of the
  tests' PostgreSQL (``pytest --pgbouncer``, ``make test-pgbouncer``) or the drill's own.
- ``celery_worker()`` runs a real worker (``celery.contrib.testing``) in a thread, consuming
  from the broker the project's Celery app points at.
- ``start_dispatcher()`` runs ``manage.py send_due_reminders`` in its own process, as an
  operator would: local settings, no ``REDIS_URL``, the test database, email to the sink.
"""

import asyncio
import contextlib
import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection

from portal.celery import app as celery_app

MANAGE = Path(settings.BASE_DIR) / "manage.py"
# Only what a shell and Python need; nothing from the test run (REDIS_URL, DATABASE_URL and
# DJANGO_SETTINGS_MODULE point at the shared Redis and the test settings here).
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float, interval: float = 0.02, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(message or f"gave up waiting after {timeout} s", pytrace=False)
        time.sleep(interval)


# --- SMTP sink ----------------------------------------------------------------------------------


@dataclass
class Received:
    message_id: str
    to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()


class SinkHandler:
    """Accepts (or refuses) messages. A message counts as accepted once its 250 reply is due.

    If the client goes away while a message is held or slowed down, aiosmtpd cancels this
    coroutine before it records anything: as with a real server, a message whose end of DATA
    was never acknowledged was not accepted.
    """

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.delay = 0.0  # Seconds before each 250 reply.
        self.refuse = False  # Answer 554 to every message.
        self.drop_at: set[int] = set()  # Close the connection on these messages (1-based).
        self.hold_at: int | None = None  # Hold this message until `release` (or the client dies).
        self.held = threading.Event()
        self.release = threading.Event()
        self.data_commands = 0

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_commands += 1
            number = self.data_commands
        if self.refuse:
            return "554 5.7.1 Refused by the test sink"
        if number in self.drop_at:
            server.transport.close()
            return "421 4.4.2 Closing the connection"
        if number == self.hold_at:
            self.held.set()
            deadline = time.monotonic() + 30
            while not self.release.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append(
                Received(str(message["Message-ID"]), list(envelope.rcpt_tos), message)
            )
        return "250 2.0.0 Message accepted for delivery"


class SmtpSink:
    def __init__(self) -> None:
        self.handler = SinkHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    @property
    def message_ids(self) -> list[str]:
        return [received.message_id for received in self.received]

    def wait_for(self, count: int, *, timeout: float = 10) -> list[Received]:
        wait_until(
            lambda: len(self.received) >= count,
            timeout=timeout,
            message=f"the sink got {len(self.received)} of {count} messages in {timeout} s",
        )
        return self.received


# --- Redis of the tests' own ----------------------------------------------------------------------


class RedisServer:
    """A redis-server process this test run owns, so it may stop and start it."""

    def __init__(self, directory: Path, *, process_group: bool = False) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        # A process group of its own (bench/scaleout.py); the tests' own stays in theirs.
        self.process_group = process_group
        self.process: subprocess.Popen | None = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)

    def ping(self) -> bool:
        try:
            return self.client().ping()
        except redis.RedisError:
            return False

    def options(self) -> list[str]:
        # No persistence: the tests start from an empty Redis and leave nothing behind.
        options = {"port": self.port, "bind": "127.0.0.1", "save": "", "appendonly": "no"}
        options["dir"] = self.directory
        return [part for key, value in options.items() for part in (f"--{key}", str(value))]

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line.
            [shutil.which("redis-server") or "redis-server", *self.options()],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=self.process_group,
        )
        wait_until(self.ping, timeout=10, message="redis-server did not start")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process = None


# --- PgBouncer ----------------------------------------------------------------------------------


class PgBouncer:
    """A pgbouncer process in transaction pooling in front of one PostgreSQL server, on a port
    of its own, with its configuration in a directory of its own (``pgbouncer --version``:
    Debian's package). Every database of the server is reachable through it, as the same user,
    without a password (the server's trust authentication goes on behind it).

    pgbouncer refuses to run as root, so as root it switches to ``postgres`` (``-u``); the
    directory is then made readable for that user. It runs in a process group of its own, so
    that a caller may kill it (``restart()``: gone at once, every client and server connection
    dropped, then started again on the same port).
    """

    def __init__(
        self,
        directory: Path,
        *,
        server_host: str,
        server_port: int,
        user: str,
        pool_size: int = 20,
        port: int | None = None,
    ) -> None:
        self.directory = directory
        self.port = port or free_port()
        self.server = (server_host, server_port)
        self.user = user
        self.pool_size = pool_size
        self.log = directory / "pgbouncer.log"
        self.process: subprocess.Popen | None = None

    def write_config(self) -> Path:
        host, port = self.server
        (self.directory / "users.txt").write_text(f'"{self.user}" ""\n')
        ini = self.directory / "pgbouncer.ini"
        ini.write_text(
            "[databases]\n"
            f"* = host={host} port={port}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.directory / 'users.txt'}\n"
            "pool_mode = transaction\n"
            "max_client_conn = 1000\n"
            f"default_pool_size = {self.pool_size}\n"
            # psycopg sends none, but a client that asks for it must not be refused.
            "ignore_startup_parameters = extra_float_digits\n"
            "log_connections = 0\n"
            "log_disconnections = 0\n"
        )
        if os.geteuid() == 0:
            self.directory.chmod(0o755)
            for path in self.directory.iterdir():
                path.chmod(0o644)
        return ini

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        command = [binary, *(["-u", "postgres"] if os.geteuid() == 0 else []), "-q"]
        with self.log.open("a") as log:
            self.process = subprocess.Popen(  # noqa: S603 - a fixed command line.
                [*command, str(self.write_config())],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(self.accepts, timeout=10, message=f"pgbouncer did not start: see {self.log}")

    def accepts(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            return False
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM is pgbouncer's immediate shutdown: connections are dropped, not drained."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


# --- Celery -------------------------------------------------------------------------------------


def reset_broker_pools() -> None:
    """Forget the app's broker connection pool (as Celery does after a fork), so the next
    publish uses a pool for the broker configured now. The old pool stays in kombu's
    registry, open, for when that broker is configured again."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


# The queues of settings.CELERY_TASK_ROUTES / CELERY_TASK_DEFAULT_QUEUE.
QUEUES = ["email", "default"]


@contextlib.contextmanager
def celery_worker():
    """A real worker (solo pool) in a thread, consuming from the app's broker until the block
    ends. Tasks run in the worker's thread, on its own database connection."""
    with start_worker(
        celery_app,
        pool="solo",
        perform_ping_check=False,
        shutdown_timeout=20,
        loglevel="WARNING",
        queues=QUEUES,  # as the Procfile and docker compose workers do
    ) as worker:
        yield worker


# --- Dispatcher processes -----------------------------------------------------------------------


def dispatcher_env(sink: SmtpSink) -> dict[str, str]:
    """The environment of ``manage.py send_due_reminders`` run by hand: no REDIS_URL."""
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    db = connection.settings_dict
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.local",
        DEBUG="false",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        EMAIL_URL=sink.url,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    if db.get("DISABLE_SERVER_SIDE_CURSORS"):  # The run goes through PgBouncer (--pgbouncer).
        env["DATABASE_PGBOUNCER"] = "true"
    return env


def start_dispatcher(sink: SmtpSink, *args: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - this interpreter and the project's manage.py.
        [sys.executable, str(MANAGE), "send_due_reminders", *args],
        cwd=MANAGE.parent,
        env=dispatcher_env(sink),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen, *, timeout: float = 60) -> tuple[str, str]:
    """Wait for a dispatcher; fail the test on a non-zero exit or anything on stderr."""
    stdout, stderr = process.communicate(timeout=timeout)
    if process.returncode != 0 or stderr.strip():
        pytest.fail(
            f"send_due_reminders exited with {process.returncode}:\n{stdout}{stderr}",
            pytrace=False,
        )
    return stdout, stderr
