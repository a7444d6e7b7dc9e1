"""A worker that has stopped consuming ends itself, so that its supervisor starts a fresh one.

Celery's consumer can fail inside its own recovery after the broker restarts and then stay
alive without consuming anything (celery/celery#8030 and #8091; seen in ``bench/scaleout.py``:
"Unrecoverable error: AttributeError ... 'hostname'"). Nothing outside notices: the process
runs, and a restart policy (compose's ``restart: unless-stopped``, systemd's ``Restart=``)
restarts only a process that exits. A worker stuck inside one task (``--pool=solo``) is the
same to the people waiting for their email.

``Watchdog`` is a worker bootstep: a thread in the worker's main process that, every
``CELERY_WORKER_WATCHDOG_INTERVAL`` seconds, pings its own worker through the broker (what
``celery inspect ping`` does). A missed answer counts only while the broker answers a fresh
connection: a worker waiting for its broker to come back is not stuck, and Celery reconnects it.
After ``CELERY_WORKER_WATCHDOG_STRIKES`` misses in a row it logs why and ends the process: a
warm shutdown first (SIGTERM), then, if that has not finished after
``CELERY_WORKER_WATCHDOG_GRACE`` seconds, SIGKILL to its pool's children and an immediate exit
with status 75 (``EXIT_STUCK``). An
unacknowledged task goes back to the queue (``acks_late``) and the outbox's dispatcher sends what
was due, so nothing is lost; the new worker connects and consumes.

``CELERY_WORKER_WATCHDOG_INTERVAL = 0`` turns it off (the tests' in-process workers).
"""

import logging
import os
import signal
import threading
from pathlib import Path

from celery import bootsteps

logger = logging.getLogger(__name__)

# The exit status of a worker its watchdog ended (EX_TEMPFAIL: "try again later").
EXIT_STUCK = 75


class Verdict:
    """Counts missed pings; says when the worker is stuck. No I/O: the thread feeds it."""

    def __init__(self, strikes: int) -> None:
        self.strikes = strikes
        self.missed = 0

    def record(self, *, answered: bool, broker_up: bool) -> bool:
        """Record one check; True when the worker has missed ``strikes`` pings in a row while
        the broker answered."""
        if answered:
            self.missed = 0
        elif broker_up:
            self.missed += 1
        # A broker that is down says nothing about the worker: keep the count as it is.
        return self.missed >= self.strikes


def children(pid: int) -> list[int]:
    """The pids whose parent is ``pid`` (the prefork pool's processes), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The parent's pid is the second field after the command name, "(...)".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


class Watchdog(bootsteps.StartStopStep):
    """Registered on the worker blueprint in ``portal/celery.py``."""

    label = "Watchdog"

    def __init__(self, worker, **kwargs) -> None:
        super().__init__(worker, **kwargs)
        conf = worker.app.conf
        self.interval = float(conf.get("worker_watchdog_interval") or 0)
        self.strikes = int(conf.get("worker_watchdog_strikes") or 3)
        self.grace = float(conf.get("worker_watchdog_grace") or 30)
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def include_if(self, worker) -> bool:
        return bool(worker.app.conf.get("worker_watchdog_interval"))

    def start(self, worker) -> None:
        self.thread = threading.Thread(
            target=self.watch,
            args=(worker.app, worker.hostname),
            name="portal-watchdog",
            daemon=True,
        )
        self.thread.start()

    def stop(self, worker) -> None:
        self.stopping.set()

    def watch(self, app, hostname: str) -> None:
        verdict = Verdict(self.strikes)
        # The first interval lets the consumer connect and start answering.
        while not self.stopping.wait(self.interval):
            answered = self.answered(app, hostname)
            broker_up = answered or self.broker_up(app)
            if verdict.record(answered=answered, broker_up=broker_up):
                logger.error(
                    "Worker %s has not answered its own ping %d times in a row, %.0f s apart, "
                    "while the broker answers: it is not consuming. Ending it so that its "
                    "supervisor starts a fresh one.",
                    hostname,
                    verdict.missed,
                    self.interval,
                )
                self.end()
                return

    def answered(self, app, hostname: str) -> bool:
        timeout = min(5.0, max(1.0, self.interval / 2))
        try:
            replies = app.control.ping(destination=[hostname], timeout=timeout)
        except Exception:  # kombu raises many kinds; each means "no answer".
            return False
        return any(hostname in reply for reply in replies)

    def broker_up(self, app) -> bool:
        try:
            with app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1)
                connection.default_channel  # noqa: B018 - opening it talks to the broker.
        except Exception:
            return False
        return True

    def end(self) -> None:
        pid = os.getpid()
        os.kill(pid, signal.SIGTERM)
        if self.stopping.wait(self.grace):
            # The warm shutdown ran our stop(); give it the rest of the grace to finish.
            threading.Event().wait(self.grace)
        logger.error("Worker did not finish its warm shutdown in %.0f s; killing it.", self.grace)
        for child in children(pid):
            os.kill(child, signal.SIGKILL)
        # Not SIGKILL to itself: as a container's PID 1 the kernel would ignore it.
        os._exit(EXIT_STUCK)
