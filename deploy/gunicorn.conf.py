"""gunicorn's settings in the container: `gunicorn -c deploy/gunicorn.conf.py portal.wsgi`.

Kept out of the repository's root on purpose: gunicorn loads ./gunicorn.conf.py by itself, and
benchmark runs from the root must not pick these up. Every value can be changed from the
environment (.env.example). https://gunicorn.org/reference/settings/
"""

import os

from portal.logs import FORMATTERS

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Sync workers, one request each: 2-4 per core. Scale out with more containers, not threads.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# A request still running after this many seconds is killed (the worker restarts): every page
# answers in well under a second; the largest library download streams in chunks.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# How long an idle keep-alive connection from the proxy stays open.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle each worker now and then, spread out, so a slow leak never grows.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 10
# The workers' heartbeat files in memory: a container's disk layer can stall them.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - tmpfs in every container, gunicorn's advice.
# Only the TLS proxy in front may say that a request came over HTTPS (X-Forwarded-Proto sets
# wsgi.url_scheme): its addresses or networks, comma-separated; from any other peer gunicorn
# ignores the header. 127.0.0.1 for a proxy on the same host. docker-compose.yml sets the networks
# docker gives a compose stack, since the host's nginx reaches the container from its gateway.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No request sets SCRIPT_NAME or PATH_INFO, not even the proxy's (gunicorn's default lets it):
# the portal is served at the root, and a forged prefix would be in every link Django builds,
# cached pages included.
forwarder_headers = ""
# Header names with an underscore (SCRIPT_NAME, X_Forwarded_For) are dropped, never mapped onto
# the dashed ones. gunicorn's default, written down because the two settings above rely on it.
header_map = "drop"
# No control socket: nothing in a container uses it, and the user's home is not the place.
control_socket_disable = True

# --- Logs: everything on stdout, one JSON object a line (LOG_FORMAT=plain for a terminal) ---
accesslog = "-"
errorlog = "-"
# The client's address as the proxy saw it, the request, status, size, and time in ms.
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
_log_format = os.environ.get("LOG_FORMAT", "json")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": FORMATTERS,
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json" if _log_format == "json" else "plain",
        },
    },
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
}
