"""`make run PORT=8123` serves on that port, and the links in its emails point there too."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.processes import run_python

ROOT = Path(settings.BASE_DIR)
MAKE = shutil.which("make")
# Only what a shell and Python need; nothing from the test run (DJANGO_SETTINGS_MODULE,
# DATABASE_URL, REDIS_URL and SITE_URL would change what is checked).
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
PRINT_SITE_URL = "from django.conf import settings; print(settings.SITE_URL)"

pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def clean_env(**extra: str) -> dict[str, str]:
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env.update(extra)
    return env


def make(*args: str) -> str:
    # S603: the system's make on the project's Makefile, with fixed arguments.
    result = subprocess.run(  # noqa: S603
        [MAKE, "--no-print-directory", *args],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def embedded_site_url(**environment: str) -> str:
    """SITE_URL as the embedded default (local settings) computes it in this environment."""
    env = clean_env(
        DJANGO_SETTINGS_MODULE="portal.settings.local",
        DATABASE_URL="sqlite:///:memory:",
        **environment,
    )
    result = run_python(PRINT_SITE_URL, env, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_make_run_on_another_port_serves_there_and_its_emails_link_there():
    commands = make("-n", "run", "PORT=8123")
    assert "http://127.0.0.1:8123/" in commands
    # The environment `make run` starts honcho (Procfile.embedded) with, as the web process and
    # the reminder loop see it.
    honcho = r"((?:[A-Z_]+=\S+ )+)\.venv/bin/honcho -f Procfile\.embedded"
    [assignments] = re.findall(honcho, commands)
    passed = dict(assignment.split("=", 1) for assignment in assignments.split())
    assert passed["WEB_PORT"] == "8123"

    assert embedded_site_url(**passed) == "http://127.0.0.1:8123"


def test_a_site_url_in_the_environment_wins_over_the_port():
    assert (
        embedded_site_url(WEB_PORT="8123", SITE_URL="https://portal.example.org/")
        == "https://portal.example.org"
    )


def test_make_help_and_the_readme_say_how_to_pick_the_port():
    assert "PORT=8001" in make("help")
    assert "make run PORT=8001" in (ROOT / "README.md").read_text()
