"""The containers' healthchecks (Dockerfile, docker-compose.yml). Exit 0 when healthy, 1 if not.

    python deploy/healthcheck.py web                      # GET /healthz answers 200
    python deploy/healthcheck.py beat /tmp/celerybeat-schedule   # beat's clock is ticking

Only the standard library: it runs in a second or less, without Django.
"""

import glob
import os
import sys
import time
import urllib.error
import urllib.request

WEB_URL = "http://127.0.0.1:{port}/healthz"
# beat saves its schedule file after sending a task once three minutes have passed since the last
# save; the dispatcher is sent every minute, so the file is at most about four minutes old.
BEAT_MAX_AGE_SECONDS = 10 * 60


def allowed_host(allowed_hosts: str) -> str:
    """A Host header that Django accepts: the first concrete name in ALLOWED_HOSTS (a leading
    dot is a wildcard for the domain and its subdomains, so the domain itself matches)."""
    for entry in allowed_hosts.split(","):
        entry = entry.strip().lstrip(".")
        if entry and entry != "*":
            return entry
    return "localhost"


def check_web(port: str) -> bool:
    """/healthz answers 200 while the database is reachable (503 without it). It is exempt from
    the HTTPS redirect, and the request carries a host Django allows."""
    request = urllib.request.Request(  # noqa: S310 - a fixed http:// URL on the loopback.
        WEB_URL.format(port=port),
        headers={"Host": allowed_host(os.environ.get("ALLOWED_HOSTS", ""))},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def check_beat(schedule: str, *, now: float | None = None) -> bool:
    """beat's schedule file (with whatever suffix the dbm module adds) changed recently."""
    now = time.time() if now is None else now
    ages = [now - os.path.getmtime(path) for path in glob.glob(glob.escape(schedule) + "*")]
    return any(age < BEAT_MAX_AGE_SECONDS for age in ages)


def main(argv: list[str]) -> int:
    if argv[:1] == ["web"]:
        healthy = check_web(os.environ.get("PORT", "8000"))
    elif argv[:1] == ["beat"] and len(argv) == 2:
        healthy = check_beat(argv[1])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
