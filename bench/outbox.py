"""Outbox dispatch: 10,000 due emails through the real path vs a bare smtplib loop.

Creates a separate PostgreSQL database (``nmt_bench_outbox``, or ``BENCH_DB``), migrates it, and
fills it with 10,000 due outbox emails (``BENCH_EMAILS``), each the size of a real confirmation:
a text part, an HTML part and a small ``.ics`` attachment. An aiosmtpd sink runs in its own
process on a free port and counts what it accepts, by Message-ID.

1. **Bare loop**: the same 10,000 messages (loaded from the database beforehand), each built with
   the standard library's ``email`` package and sent with ``smtplib`` over one connection, in
   this process. No database, no bookkeeping. (Also timed: sending the 10,000 already-built
   messages, the sink's own ceiling.)
2. **Real path**: a Celery worker process (``celery -A portal worker --pool=solo``, its own
   redis-server on a free port as the broker) runs the beat task ``dispatch_due``, that is
   ``portal.services.outbox_dispatch``: each email claimed with ``SELECT … FOR UPDATE SKIP
   LOCKED``, sent over one SMTP connection, marked sent, committed, one row per transaction.
   Timed from the publish until the sink holds all 10,000; the worker's peak RSS (``VmHWM``)
   is read from ``/proc`` before and after.

It reports both rates, their ratio (the goal is at least 0.5), the worker's memory, and checks
that the sink got each Message-ID exactly once. ``BENCH_PROFILE=1`` also profiles
``outbox_dispatch`` in this process on 2,000 emails. See bench/README.md for the figures.
"""

import base64
import cProfile
import multiprocessing
import os
import pstats
import re
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"
DB_NAME = os.environ.get("BENCH_DB", "nmt_bench_outbox")
N_EMAILS = int(os.environ.get("BENCH_EMAILS", "10000"))
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
FROM = "NMT Community of Practice <noreply@example.org>"
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.MULTILINE | re.IGNORECASE)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# --- The SMTP sink, in its own process ------------------------------------------------------------


def run_sink(port: int, commands) -> None:
    """An aiosmtpd server that counts messages and their distinct Message-IDs, in a process
    group of its own (bench/scaleout.py stops every group it started)."""
    from collections import Counter as Tally

    from aiosmtpd.controller import Controller

    os.setpgrp()

    class Counter:
        def __init__(self) -> None:
            self.total = 0
            self.ids: Tally[bytes] = Tally()

        async def handle_DATA(self, server, session, envelope):
            self.total += 1
            match = MESSAGE_ID.search(envelope.content)
            self.ids[match.group(1) if match else b""] += 1
            return "250 OK"

    counter = Counter()
    controller = Controller(counter, hostname=HOST, port=port)
    controller.start()
    commands.send("ready")
    while True:
        command = commands.recv()
        if command == "stats":
            commands.send((counter.total, len(counter.ids)))
        elif command == "ids":  # Each Message-ID with the number of times it arrived.
            commands.send({key.decode(): n for key, n in counter.ids.items()})
        elif command == "reset":
            counter.total, counter.ids = 0, Tally()
            commands.send("ok")
        else:
            controller.stop()
            commands.send("stopped")
            return


class Sink:
    def __init__(self) -> None:
        self.port = free_port()
        self.commands, theirs = multiprocessing.Pipe()
        self.process = multiprocessing.Process(target=run_sink, args=(self.port, theirs))
        self.process.start()
        assert self.commands.recv() == "ready"

    def ask(self, command: str):
        self.commands.send(command)
        return self.commands.recv()

    def wait_for(
        self, count: int, *, stall: float = 30, log: Path | None = None
    ) -> tuple[int, int]:
        """Wait until ``count`` messages arrived; give up when none arrives for ``stall`` s."""
        last, last_change = -1, time.monotonic()
        while True:
            total, distinct = self.ask("stats")
            if total >= count:
                return total, distinct
            if total != last:
                last, last_change = total, time.monotonic()
            elif time.monotonic() - last_change > stall:
                tail = log.read_text()[-3000:] if log else ""
                raise SystemExit(f"stalled at {total} of {count} messages\n{tail}")
            time.sleep(0.02)

    def stop(self) -> None:
        self.ask("stop")
        self.process.join(timeout=10)


# --- Setup ------------------------------------------------------------------------------------


def ensure_database() -> None:
    exists = subprocess.run(
        ["psql", "-h", HOST, "-U", "root", "-d", "postgres", "-tAc",
         f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(["createdb", "-h", HOST, "-U", "root", DB_NAME], check=True)


def start_redis(directory: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", HOST,
         "--save", "", "--appendonly", "no", "--dir", directory],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    import redis

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if redis.Redis(port=port).ping():
                return process, f"redis://{HOST}:{port}/0"
        except redis.ConnectionError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def populate() -> None:
    """N_EMAILS due emails, each like a confirmation: text, HTML and an .ics attachment."""
    from portal.models import OutboxEmail

    OutboxEmail.objects.all().delete()
    text = (
        "Hello {name},\n\nYou're registered for NMT Phase I Certification Cohort.\n\n"
        + "- Tue, Feb 16, 2027, 9:00 AM – 3:00 PM PST\n" * 6
        + "\nHealth Campus, 225 37th Ave, San Mateo, CA\n"
        + "The attached calendar file has every session, in Pacific time.\n" * 3
    )
    html = (
        '<div style="font-family:system-ui,sans-serif;max-width:36rem;color:#1f2933">'
        + "<p>Hello {name},</p>"
        + '<p style="margin:0 0 0.6rem">You\'re registered for <strong>NMT Phase I</strong></p>'
        * 12
        + "</div>"
    )
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + "BEGIN:VEVENT\r\nSUMMARY:Session\r\n"
           "DTSTART;TZID=America/Los_Angeles:20270216T090000\r\nEND:VEVENT\r\n" * 6
           + "END:VCALENDAR\r\n").encode()  # fmt: skip
    attachment = {
        "filename": "nmt-phase-1.ics",
        "content": base64.b64encode(ics).decode(),
        "mimetype": "text/calendar",
    }
    OutboxEmail.objects.bulk_create(
        (
            OutboxEmail(
                kind="registration_confirmed",
                to=[f"person{n}@example.org"],
                subject=f"You're registered: NMT Phase I Certification Cohort ({n})",
                body_text=text.format(name=f"Person {n}"),
                body_html=html.format(name=f"Person {n}"),
                attachments=[attachment],
            )
            for n in range(N_EMAILS)
        ),
        batch_size=2000,
    )


# --- Bare loop --------------------------------------------------------------------------------


def bare_messages() -> list[dict]:
    from portal.models import OutboxEmail

    return list(
        OutboxEmail.objects.order_by("pk").values(
            "to", "subject", "body_text", "body_html", "attachments", "message_id"
        )
    )


def build_bare(row: dict) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = row["subject"]
    message["From"] = FROM
    message["To"] = ", ".join(row["to"])
    message["Message-ID"] = row["message_id"]
    message.set_content(row["body_text"])
    message.add_alternative(row["body_html"], subtype="html")
    for a in row["attachments"]:
        maintype, subtype = a["mimetype"].split("/")
        message.add_attachment(
            base64.b64decode(a["content"]), maintype=maintype, subtype=subtype,
            filename=a["filename"],
        )  # fmt: skip
    return message


def run_bare(sink: Sink, rows: list[dict], *, prebuilt: bool) -> float:
    sink.ask("reset")
    # SMTP wants CRLF line ends; smtplib converts only str messages, so bytes are made with them.
    payloads = [build_bare(row).as_bytes(policy=SMTP) for row in rows] if prebuilt else None
    started = time.perf_counter()
    with smtplib.SMTP(HOST, sink.port) as smtp:
        for n, row in enumerate(rows):
            payload = payloads[n] if prebuilt else build_bare(row).as_bytes(policy=SMTP)
            smtp.sendmail("noreply@example.org", row["to"], payload)
    elapsed = time.perf_counter() - started
    total, distinct = sink.wait_for(len(rows))
    assert total == distinct == len(rows), (total, distinct)
    return elapsed


# --- Real path --------------------------------------------------------------------------------


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_worker(env: dict, log: Path, *, concurrency: int) -> subprocess.Popen:
    """One task at a time in the worker process itself (solo), or ``concurrency`` children."""
    pool = ["--pool=solo"] if concurrency == 1 else ["--pool=prefork", f"-c{concurrency}"]
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "portal", "worker", *pool,
         "--queues=email,default", "--loglevel=INFO", "--without-mingle", "--without-gossip",
         "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while " ready." not in log.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the worker did not start:\n{log.read_text()}")
        time.sleep(0.1)
    return worker


def reset_outbox() -> None:
    from django.utils import timezone

    from portal.models import OutboxEmail, OutboxState

    OutboxEmail.objects.update(
        state=OutboxState.PENDING, sent_at=None, attempts=0, due_at=timezone.now()
    )


def set_synchronous_commit(value: str | None) -> None:
    """The bench database's default for new sessions (None: back to the server's, "on")."""
    from django.db import connection

    with connection.cursor() as cursor:
        if value is None:
            cursor.execute(f"ALTER DATABASE {DB_NAME} RESET synchronous_commit")
        else:
            cursor.execute(f"ALTER DATABASE {DB_NAME} SET synchronous_commit = {value}")


def run_real(
    sink: Sink, env: dict, log: Path, *, dispatchers: int = 1
) -> tuple[float, float, float]:
    """Time ``dispatchers`` concurrent ``dispatch_due`` tasks (as beat sends) on the outbox."""
    from community.tasks import dispatch_due
    from portal.models import OutboxEmail, OutboxState

    reset_outbox()
    sink.ask("reset")
    worker = start_worker(env, log, concurrency=dispatchers)
    try:
        at_rest = vm_hwm_mb(worker.pid)
        started = time.perf_counter()
        for _ in range(dispatchers):
            dispatch_due.delay()
        total, distinct = sink.wait_for(N_EMAILS, log=log)
        elapsed = time.perf_counter() - started
        # Let the task finish its last commit, then read the worker's high-water mark.
        deadline = time.monotonic() + 30
        while OutboxEmail.objects.filter(state=OutboxState.SENT).count() < N_EMAILS:
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        peak = vm_hwm_mb(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert total == distinct == N_EMAILS, (total, distinct)
    assert OutboxEmail.objects.filter(state=OutboxState.SENT).count() == N_EMAILS
    return elapsed, at_rest, peak


def profile_dispatch(count: int = 2000) -> None:
    """Where a dispatcher's time goes: ``outbox_dispatch`` in this process on ``count`` emails,
    with the wall time of each step added up (a profiler would slow the Python parts more than
    the waits), then the top of a cProfile run."""
    import django.core.mail.message as mail_message
    from django.core.mail.backends.smtp import EmailBackend
    from django.db import connections
    from django.utils import timezone

    from portal import services
    from portal.models import OutboxEmail, OutboxState

    count = min(count, N_EMAILS)

    def reset() -> None:
        ids = list(OutboxEmail.objects.order_by("pk").values_list("pk", flat=True)[:count])
        OutboxEmail.objects.filter(pk__in=ids).update(state=OutboxState.PENDING, sent_at=None)
        OutboxEmail.objects.exclude(pk__in=ids).update(
            state=OutboxState.SENT, sent_at=timezone.now()
        )

    totals: dict[str, float] = dict.fromkeys(
        ("claim (SELECT … FOR UPDATE SKIP LOCKED)", "build the MIME message",
         "SMTP (MAIL, RCPT, DATA)", "mark sent (UPDATE)", "COMMIT"), 0.0
    )  # fmt: skip
    names = list(totals)

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                totals[name] += time.perf_counter() - started

        return wrapper

    patches = [
        (services, "_claim", names[0]),
        (mail_message.EmailMessage, "message", names[1]),
        (mail_message.SafeMIMEMultipart, "as_bytes", names[1]),
        (EmailBackend, "_send", names[2]),
        (OutboxEmail, "save", names[3]),
        (type(connections["default"]), "commit", names[4]),
    ]
    originals = [(owner, attr, getattr(owner, attr)) for owner, attr, _name in patches]
    reset()
    for owner, attr, name in patches:
        setattr(owner, attr, timed(name, getattr(owner, attr)))
    try:
        started = time.perf_counter()
        services.outbox_dispatch()
        total = time.perf_counter() - started
    finally:
        for owner, attr, original in originals:
            setattr(owner, attr, original)
    # _send includes building the message: count that step once.
    totals[names[2]] -= totals[names[1]]
    print(f"\nWhere outbox_dispatch() spends its time ({count} emails, ms per email):")
    for name, seconds in totals.items():
        print(f"  {name:42s} {1000 * seconds / count:6.2f}")
    rest = total - sum(totals.values())
    print(f"  {'the rest (Django, Python)':42s} {1000 * rest / count:6.2f}")
    print(f"  {'total':42s} {1000 * total / count:6.2f}")

    reset()
    profiler = cProfile.Profile()
    profiler.enable()
    services.outbox_dispatch()
    profiler.disable()
    print("\ncProfile, by own time:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


def main() -> None:
    ensure_database()
    tmp = tempfile.mkdtemp(prefix="nmt-bench-outbox-")
    redis_server, redis_url = start_redis(tmp)
    sink = Sink()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": os.environ.get(
            "BENCH_DATABASE_URL", f"postgres://root@{HOST}:5432/{DB_NAME}"
        ),
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"smtp://{HOST}:{sink.port}",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    try:
        import django

        django.setup()
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip

        populate()
        rows = bare_messages()
        size = len(build_bare(rows[0]).as_bytes())
        print(f"{N_EMAILS} emails of {size / 1024:.1f} KB (text + HTML + .ics) to an aiosmtpd sink")

        bare = run_bare(sink, rows, prebuilt=False)
        prebuilt = run_bare(sink, rows, prebuilt=True)
        real, at_rest, peak = run_real(sink, env, Path(tmp) / "worker.log")
        # The same code, 4 dispatchers at once (a prefork worker with 4 children): the commits'
        # WAL flushes overlap.
        parallel, _, _ = run_real(sink, env, Path(tmp) / "worker-4.log", dispatchers=4)
        # What-if, same code: the commits of the bench database without waiting for the WAL flush.
        set_synchronous_commit("off")
        try:
            async_commit, _, _ = run_real(sink, env, Path(tmp) / "worker-async.log")
        finally:
            set_synchronous_commit(None)

        bare_rate, real_rate = N_EMAILS / bare, N_EMAILS / real
        print(f"bare smtplib loop (build + send):   {bare:6.2f} s  {bare_rate:7.0f} emails/s")
        print(f"bare smtplib loop (send only):      {prebuilt:6.2f} s  {N_EMAILS / prebuilt:7.0f}"
              " emails/s")  # fmt: skip
        print(f"real path (worker, outbox_dispatch): {real:5.2f} s  {real_rate:7.0f} emails/s")
        print(f"ratio real / bare: {real_rate / bare_rate:.2f} (goal >= 0.5)")
        print(f"real path, 4 dispatchers at once:    {parallel:5.2f} s  "
              f"{N_EMAILS / parallel:7.0f} emails/s  ratio {bare / parallel:.2f}")  # fmt: skip
        print(f"what-if, synchronous_commit=off:     {async_commit:5.2f} s  "
              f"{N_EMAILS / async_commit:7.0f} emails/s  ratio {bare / async_commit:.2f}")  # fmt: skip
        print(f"worker peak RSS: {at_rest:.0f} MB ready, {peak:.0f} MB after {N_EMAILS} emails")
        print(f"exactly once: {N_EMAILS} distinct Message-IDs, {N_EMAILS} rows marked sent")
        if PROFILE:
            profile_dispatch()
    finally:
        sink.stop()
        redis_server.terminate()
        redis_server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
