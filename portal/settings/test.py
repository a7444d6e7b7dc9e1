"""The test suite: PostgreSQL and Redis on localhost, unless DATABASE_URL / REDIS_URL differ."""

import os
import tempfile

os.environ.setdefault("DATABASE_URL", "postgres://root@127.0.0.1:5432/test")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")

from .base import *  # noqa: F403
from .base import STORAGES

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests that need a worker start one explicitly (celery.contrib.pytest); the rest run eagerly.
CELERY_TASK_ALWAYS_EAGER = True
# No manifest in tests: collectstatic is not run.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the finders: the suite never runs collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Uploaded files go to a throwaway folder, never into the project.
MEDIA_ROOT = tempfile.mkdtemp(prefix="nmt-test-media-")
# Pages are rendered afresh for each request; the page cache has its own tests, which turn it on.
PAGE_CACHE_SECONDS = 0
# The in-process test workers (celery.contrib.testing) run in pytest's own process: no watchdog
# there. Tests of the watchdog start worker processes with it on.
CELERY_WORKER_WATCHDOG_INTERVAL = 0
