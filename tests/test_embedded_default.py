"""`make run`'s embedded default boots: SQLite, no Redis, local settings, demo data, runserver."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

MANAGE = Path(settings.BASE_DIR) / "manage.py"
# Only what a shell and Python need; nothing from the test run (DATABASE_URL, REDIS_URL and
# DJANGO_SETTINGS_MODULE all point at PostgreSQL, Redis and the test settings here).
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    # S310: a fixed http:// URL on the loopback interface.
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
        return response.status, response.read().decode()


def test_embedded_default_migrates_seeds_and_serves_the_catalogue(tmp_path):
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.local",
        # The embedded default is a SQLite file; this one lives in tmp_path, not the repository.
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        PYTHONUNBUFFERED="1",
    )

    def manage(*args: str) -> subprocess.CompletedProcess:
        # S603: the command is this interpreter and the project's manage.py, no user input.
        return subprocess.run(  # noqa: S603
            [sys.executable, str(MANAGE), *args],
            cwd=MANAGE.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    for command in (["migrate", "--no-input"], ["seed_demo"]):
        result = manage(*command)
        if result.returncode != 0:
            pytest.fail(
                f"manage.py {' '.join(command)} exited with {result.returncode}:\n"
                f"{result.stdout}{result.stderr}",
                pytrace=False,
            )

    port = free_port()
    log_path = tmp_path / "runserver.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603 - as above.
            [sys.executable, str(MANAGE), "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=MANAGE.parent,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}/trainings/"
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"runserver exited with {server.returncode}:\n{log_path.read_text()}")
            try:
                status, body = get(url)
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    pytest.fail(f"runserver did not answer in 60 s:\n{log_path.read_text()}")
                time.sleep(0.25)
        assert status == 200
        # Titles from seed_demo (the site name alone would also match "NMT Community of Practice").
        assert "NMT Community of Practice — " in body
        assert "NMT Phase I Certification Cohort — " in body
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
