"""What the load benchmarks share: the server's environment, gunicorn, wrk and the machine.

- ``Bench``: a temporary directory, the environment of ``bench.settings`` (production settings,
  ``USE_HTTPS=false``, ``LOG_LEVEL=WARNING``, emails to the dummy backend, tasks in-process),
  the load database prepared (``bench.population.prepare``) and static files collected;
- ``Gunicorn``: ``gunicorn portal.wsgi:application --workers 2`` (sync workers, no access log)
  on a free port, started in its own process group and stopped with it;
- ``wrk()``: runs wrk with one of the Lua scripts of ``bench/wrk/`` and returns the figures
  its ``done()`` prints (requests/s, p50/p95/p99, errors);
- ``CpuMeter``: the CPU time one gunicorn and its PostgreSQL backends use during a run;
- ``machine()``: the line naming the machine every figure comes from.

Run as a script, it serves the load database on a port until Ctrl-C, for trying the locust file
by hand: ``.venv/bin/python bench/server.py 8011``.
"""

import http.client
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import population  # noqa: E402 - after the path is set

HOST = population.HOST
WRK_DIR = Path(__file__).resolve().parent / "wrk"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Bench:
    """The environment of one benchmark run; ``close()`` removes its temporary directory."""

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="nmt-bench-load-"))
        self.ceiling_dir = self.tmp / "ceiling"
        self.ceiling_dir.mkdir()
        self.env = {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": population.DATABASE_URL,
            # Shared with this process, which writes signed-in sessions for the server.
            "SECRET_KEY": "bench-only-" + os.urandom(24).hex(),
            "ALLOWED_HOSTS": f"{HOST},localhost",
            "SITE_URL": f"http://{HOST}:8000",
            "USE_HTTPS": "false",
            "EMAIL_URL": "dummymail://",
            "REDIS_URL": "",
            "LOG_LEVEL": "WARNING",
            "BENCH_STATIC_ROOT": str(self.tmp / "static"),
            "BENCH_CEILING_DIR": str(self.ceiling_dir),
        }

    def prepare(self) -> None:
        """The database (created and filled once), static files, Django in this process."""
        started = time.perf_counter()
        population.prepare(self.env)
        population.manage("collectstatic", "--no-input", "-v0", env=self.env)
        print(f"database and static files ready in {time.perf_counter() - started:.0f} s")

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> "Bench":
        """``with Bench() as bench:`` prepares the run and always removes its directory."""
        try:
            self.prepare()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def get(port: int, path: str, cookie: str = "") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        headers = {"Host": f"{HOST}:{port}"}
        if cookie:
            headers["Cookie"] = cookie
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Gunicorn:
    """gunicorn on the bench settings, ``workers`` sync workers, as the Dockerfile runs it
    (without its access log), on a free port.

    ``tree``: serve another checkout of the portal (e.g. an older commit, for a before/after
    comparison) with this one's ``bench`` package: the tree comes first on ``PYTHONPATH`` for
    ``portal``, ``trainings``… and ``bench`` is found here (the other tree's ``bench/`` has no
    ``__init__.py`` before this package was added, or the same files). Its static files are
    collected apart. The database is the same: migrate it from the newer tree.
    """

    def __init__(self, bench: Bench, workers: int = 2, tree: Path | None = None) -> None:
        self.bench = bench
        self.workers = workers
        self.tree = tree or ROOT
        self.port = free_port()
        # Names its database connections, so that their backends' CPU time counts for it.
        self.application_name = f"bench-gunicorn-{self.port}"
        self.env = {
            **bench.env,
            "SITE_URL": f"http://{HOST}:{self.port}",
            "DATABASE_URL": f"{population.DATABASE_URL}?application_name={self.application_name}",
        }
        if tree:
            self.env["PYTHONPATH"] = os.pathsep.join([str(tree), str(ROOT)])
            self.env["BENCH_STATIC_ROOT"] = str(bench.tmp / f"static-{self.port}")
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
                cwd=tree, env={**os.environ, **self.env}, check=True,
            )  # fmt: skip
        self.process: subprocess.Popen | None = None

    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __enter__(self) -> "Gunicorn":
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "portal.wsgi:application",
             "--bind", f"{HOST}:{self.port}", "--workers", str(self.workers),
             "--timeout", "30", "--log-level", "warning", "--chdir", str(self.tree)],
            cwd=self.tree, env={**os.environ, **self.env}, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}")
            try:
                get(self.port, "/healthz")
            except OSError:
                time.sleep(0.2)
                continue
            if len(self.worker_pids()) == self.workers:
                return self
            time.sleep(0.2)
        self.stop()
        raise SystemExit("gunicorn did not answer within 60 s")

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def capture(self, name: str, path: str, cookie: str = "") -> int:
        """Keep the bytes of a real page for the ceiling view (``/bench/ceiling/<name>/``);
        returns their size."""
        status, body = get(self.port, path, cookie)
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}")
        (self.bench.ceiling_dir / f"{name}.html").write_bytes(body)
        return len(body)

    def cpu_meter(self) -> "CpuMeter":
        """Counts the CPU time gunicorn and its database backends use while it is open."""
        return CpuMeter(self.process.pid, self.application_name)

    def worker_pids(self) -> list[int]:
        """The master's children: its workers."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def rss_mb(self) -> dict[int, float]:
        """Resident memory (VmRSS) of each worker, in MB."""
        return {pid: status_field(pid, "VmRSS") for pid in self.worker_pids()}

    def warm(self, paths: list[str], cookie: str = "", rounds: int = 3) -> None:
        """A few requests of each page, so every worker has loaded its code and templates."""
        for _ in range(rounds * self.workers):
            for path in paths:
                get(self.port, path, cookie)


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process, None once it has ended."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def group_pids(process_group: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) == process_group:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return pids


class CpuMeter:
    """CPU time of gunicorn (master and workers: its process group) and of the PostgreSQL
    backends of its connections (``application_name``), sampled twice a second in a thread, so
    that a backend closing mid-run (``CONN_MAX_AGE``) keeps what it used until its last sample.
    A process first seen after the start counts from zero."""

    def __init__(self, process_group: int, application_name: str) -> None:
        self.process_group = process_group
        self.application_name = application_name
        self.base: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stopping = threading.Event()

    def sample(self, cursor, first: bool = False) -> None:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s",
            [self.application_name],
        )
        pids = group_pids(self.process_group) + [pid for (pid,) in cursor.fetchall()]
        for pid in pids:
            cpu = process_cpu(pid)
            if cpu is None:
                continue
            self.base.setdefault(pid, cpu if first else 0.0)
            self.last[pid] = cpu

    def run(self) -> None:
        with psycopg.connect(population.DATABASE_URL, autocommit=True) as conn:
            cursor = conn.cursor()
            while not self.stopping.wait(0.5):
                self.sample(cursor)
            self.sample(cursor)

    def __enter__(self) -> "CpuMeter":
        with psycopg.connect(population.DATABASE_URL, autocommit=True) as conn:
            self.sample(conn.cursor(), first=True)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join()

    @property
    def seconds(self) -> float:
        return sum(self.last[pid] - self.base[pid] for pid in self.last)


def status_field(pid: int, field: str) -> float:
    """A memory field of /proc/<pid>/status (kB), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def wrk(
    base_url: str,
    script: str,
    *args: str,
    duration: int = 30,
    connections: int = 8,
    threads: int = 2,
    header: str = "",
) -> dict:
    """Run wrk with ``bench/wrk/<script>`` and return what its ``done()`` printed, with
    latencies in ms."""
    command = ["wrk", "-c", str(connections), "-t", str(threads), "-d", f"{duration}s",
               "--timeout", "10s", "-s", str(WRK_DIR / script)]  # fmt: skip
    if header:
        command += ["-H", header]
    command += [base_url, *(["--", *args] if args else [])]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    result = json.loads(line.removeprefix("BENCH "))
    for key in ("p50", "p95", "p99", "max"):
        result[key] /= 1000  # µs → ms
    return result


def machine() -> str:
    """The machine the figures come from."""
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor(),
    )  # fmt: skip
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )  # fmt: skip
    pg = population.psql("SHOW server_version").split()[0]
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    tree = f"commit {commit}{' + uncommitted changes' if dirty else ''}" if commit else str(ROOT)
    return (
        f"{os.cpu_count()} cores ({cpu}, {platform.machine()}), {mem_kb / 1024 / 1024:.0f} GiB, "
        f"PostgreSQL {pg}, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}, {tree}, load average {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    with Bench() as bench:
        server = Gunicorn(bench)
        if len(sys.argv) > 1:
            server.port = int(sys.argv[1])
            server.env["SITE_URL"] = server.base_url()
        with server:
            print(f"serving {population.DB_NAME} on {server.base_url()} (Ctrl-C stops)")
            try:
                server.process.wait()
            except KeyboardInterrupt:
                pass


if __name__ == "__main__":
    main()
