"""Settings shared by every environment. Values come from the environment (django-environ).

See .env.example for the variables, and README.md ("Configuration") for what each one does.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from portal.logs import FORMATTERS

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env is optional; production passes real environment variables.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -------------------------------------------------------------------------------------
SECRET_KEY = env("SECRET_KEY", default="insecure-local-only-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
# The public address, used in emails, feeds and calendar links.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# The short name (page titles, the header, email subjects) and the portal's name in running text
# (allauth's emails: "Thank you for using NMT Community of Practice Portal!"). The short name is
# translated ("Comunidad de Práctica NMT", docs/glossary.md), in the language of the page or email.
SITE_NAME = _("NMT Community of Practice")
PORTAL_NAME = "NMT Community of Practice Portal"

INSTALLED_APPS = [
    "community.apps.PortalAdminConfig",  # django.contrib.admin, with the curators' desk
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_filters",
    "csp",
    "import_export",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "portal",
    "members",
    "trainings",
    "resources",
    "community",
    "api",
    # The API's reference page (Swagger UI) from the portal's own static files, not a CDN.
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the database: a NUL byte in the path, query or form is a 400.
    "portal.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.middleware.StaffMFAMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
# With no DATABASE_URL the portal runs on a SQLite file: the embedded default of `make run`.
# Production and the test suite use PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A connection kept between requests is checked before reuse: after a database restart the
# next request reconnects instead of failing on a dead socket.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def transaction_pooling(database: dict) -> None:
    """What PgBouncer in transaction pooling needs (DATABASE_PGBOUNCER=true): each transaction
    may run on another server connection, so nothing may outlive one.

    - no server-side cursors: Django's ``.iterator()`` would DECLARE a cursor WITH HOLD in one
      transaction and FETCH from it in the next (the portal iterates in keyset batches anyway,
      ``portal.querysets.in_pk_batches``);
    - no prepared statements: psycopg would prepare a query on one server connection and
      execute it on another. Django 5.2 already passes ``prepare_threshold=None``; this says so
      for good, with client-side binding (``server_side_binding`` off, Django's default).

    The portal keeps no other session state: ``SET LOCAL`` only (the lock timeouts), no
    advisory locks, no LISTEN, no temporary tables (``tests/test_pgbouncer.py`` reads the
    code for them). The time zone Django sets when it connects is one of the parameters
    PgBouncer keeps per client. https://www.pgbouncer.org/features.html
    """
    database["DISABLE_SERVER_SIDE_CURSORS"] = True
    options = database.setdefault("OPTIONS", {})
    options["prepare_threshold"] = None
    options["server_side_binding"] = False


# Behind PgBouncer in transaction pooling (managed PostgreSQL often offers only that), or any
# pooler that hands each transaction to another server connection. Session pooling needs none.
DATABASE_PGBOUNCER = env.bool("DATABASE_PGBOUNCER", default=False)
if DATABASE_PGBOUNCER:
    transaction_pooling(DATABASES["default"])

# --- Accounts (django-allauth) -------------------------------------------------------------------
# https://docs.allauth.org/en/latest/account/configuration.html
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "members:me"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[NMT Community of Practice] "
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_USER_DISPLAY = "members.adapters.user_display"
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupExtraForm"
# allauth's rate limits stay on, with their defaults. They count in the default cache (below),
# which every process shares, so they really count. See docs/decisions.md.
# The per-address limits count the client's address. Behind N proxies that each append to
# X-Forwarded-For (nginx's $proxy_add_x_forwarded_for), that is the Nth entry from the right;
# with 0 (the embedded default: nobody in front) the header is ignored and REMOTE_ADDR counts.
# Trusting more proxies than there are lets a client choose its own address. (allauth's setting:
# allauth/app_settings.py, TRUSTED_PROXY_COUNT; ALLAUTH_TRUSTED_CLIENT_IP_HEADER is left unset.)
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "NMT Community of Practice"
# Production sets this: staff must set up two-factor sign-in before using the admin.
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=False)

# --- Cache ------------------------------------------------------------------------------------
# The database cache: shared by every web process, so allauth's rate limits really count, and
# it keeps Redis off the request path (a Redis outage must not break sign-in). Created by
# `manage.py createcachetable` (make run, the test database and the compose migrate step).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "portal_cache",
        # Culling drops keys when the table is full, rate-limit counters included: keep it rare.
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    },
    # Whole catalogue pages for anonymous visitors (portal/pagecache.py), apart from the
    # rate-limit counters so that caching many pages never culls a counter.
    "pages": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "portal_page_cache",
        "OPTIONS": {"MAX_ENTRIES": 5_000},
    },
}
# How long an anonymous catalogue page is served from the cache at most. Any change to a
# training or a session retires the cached pages at once; the lifetime bounds what time alone
# changes. 0 turns the page cache off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60)
# How late "N seats left" may be on a cached page after a registration or a cancellation.
PAGE_CACHE_SEATS_SECONDS = env.int("PAGE_CACHE_SEATS_SECONDS", default=5)
REDIS_URL = env("REDIS_URL", default="")

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
LANGUAGES = [("en", "English"), ("es", "Español")]
# What `make messages` (makemessages) leaves out: the suite, the benchmarks, the virtualenv.
MAKEMESSAGES_IGNORE = [".venv/*", "bench/*", "tests/*", "staticfiles/*", "node_modules/*"]
# The portal's catalogue first; then, kept by hand, allauth's strings in the portal's sentence
# case and words (English) and in "usted" (Spanish), which win over allauth's own.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "allauth"]
# The region's zone. Times are stored in UTC and shown in this zone, with the zone named.
TIME_ZONE = "America/Los_Angeles"
USE_I18N = True
USE_TZ = True
# The language switch (/language/, members.views.language) keeps the choice in this cookie for a
# year; LocaleMiddleware reads it before the browser's Accept-Language. No script reads it.
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Each language's own date formats (portal/formats/<language>/formats.py), read by portal.dates.
FORMAT_MODULE_PATH = ["portal.formats"]

# --- Static files (WhiteNoise) ------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))
# Uploaded files: a local folder (a volume in docker compose) by default, or S3-compatible object
# storage (AWS S3, MinIO, Cloudflare R2...) with FILE_STORAGE=s3, so that no web process keeps
# files of its own. Library downloads always go through the portal's view (members-only gating),
# which reads the file from whichever storage holds it.
FILE_STORAGE = env.str("FILE_STORAGE", default="local")
if FILE_STORAGE not in {"local", "s3"}:
    raise environ.ImproperlyConfigured("FILE_STORAGE must be 'local' or 's3'")
if FILE_STORAGE == "s3":
    # https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html
    # Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the instance's role.
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "location": env.str("AWS_LOCATION", default="media"),
            # Private objects: nothing is public by URL, the portal streams each download.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Email ------------------------------------------------------------------------------------
# EMAIL_URL, e.g. smtp://user:pass@mail:1025 ; the embedded default prints emails to the console.
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend":
    # To, Subject and the text part of each email, links whole (portal/mail.py), rather than
    # the MIME source, which EMAIL_CONSOLE_RAW=true brings back.
    EMAIL_CONFIG["EMAIL_BACKEND"] = "portal.mail.ConsoleEmailBackend"
vars().update(EMAIL_CONFIG)
EMAIL_CONSOLE_RAW = env.bool("EMAIL_CONSOLE_RAW", default=False)
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="NMT Community of Practice <noreply@example.org>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/django/first-steps-with-django.html
# (The in-memory broker is named with a host: without one, kombu logs a warning in every process.)
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
# With no REDIS_URL there is no worker: tasks run in-process (the embedded default).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = "UTC"
# Two queues: "email" carries the sending of outbox emails, "default" everything else (the
# dispatcher, the digests). Workers can then scale apart: `celery worker -Q email` and
# `celery worker -Q default` (README, "Scaling out").
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"portal.tasks.send_outbox_email": {"queue": "email"}}
# Celery logs through Django's LOGGING (below), one line per event on stdout, like the web.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Redis must never hold up a request: connect fast, and publish without retries (the web path
# passes retry=False too). A failed publish leaves the email to the dispatcher.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    # Also bounds a publish to a Redis that accepts connections but does not answer (hung, or
    # stopped with SIGSTOP); the worker's BRPOP reads only once data is ready, so 1 s is safe.
    "socket_timeout": 1,
    "retry_on_timeout": False,
    "max_retries": 0,
    # Only short tasks go through Redis (reminders are rows), so the redelivery of unacked
    # messages after this timeout is safe and quick.
    "visibility_timeout": 600,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Each worker pings itself through the broker this often (seconds; 0: off) and ends itself
# after this many missed answers in a row while the broker answers, for its supervisor to
# start a fresh one (portal/watchdog.py): Celery's consumer can stay alive without consuming
# after a broker restart. A warm shutdown first, a SIGKILL after the grace.
CELERY_WORKER_WATCHDOG_INTERVAL = env.float("CELERY_WORKER_WATCHDOG_INTERVAL", default=30)
CELERY_WORKER_WATCHDOG_STRIKES = env.int("CELERY_WORKER_WATCHDOG_STRIKES", default=3)
CELERY_WORKER_WATCHDOG_GRACE = env.float("CELERY_WORKER_WATCHDOG_GRACE", default=25)
CELERY_BEAT_SCHEDULE = {
    # The outbox's safety net: queue due reminders and send every due email, once a minute.
    "dispatch-due": {"task": "community.tasks.dispatch_due", "schedule": 60.0},
    # Coordinators' weekly digest (who from the agency attends what this week): Mondays.
    "weekly-digest": {
        "task": "community.tasks.queue_weekly_digests",
        "schedule": crontab(hour=15, minute=0, day_of_week="mon"),  # 7:00 Pacific
    },
    # The community digest for subscribers: the first of each month.
    "monthly-digest": {
        "task": "community.tasks.queue_monthly_digest",
        "schedule": crontab(hour=16, minute=0, day_of_month="1"),  # 8:00/9:00 Pacific
    },
}

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The CSRF cookie is read by no script (static/js/portal.js reads none); HttpOnly costs nothing.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): every script, style, image and font comes from this
# host, and no inline script or style runs. JSON-LD blocks are data, not script, so they pass.
# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Logging ----------------------------------------------------------------------------------
# Everything goes to stdout. LOG_FORMAT=json (production's default) writes one JSON object per
# line, traceback included, for the log collector; "plain" is for reading in a terminal.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": FORMATTERS,
    "filters": {
        "client_error_without_traceback": {"()": "portal.logs.ClientErrorWithoutTraceback"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # A 403 (or 400) is one warning line, not a traceback: on the logger, so every handler and
    # the log collector see the same record.
    "loggers": {
        "django.request": {"filters": ["client_error_without_traceback"]},
        # fontTools (the certificate PDFs) logs every step of every font subset at INFO, glyph
        # lists included: some 40 lines a certificate.
        "fontTools": {"level": "WARNING"},
    },
}

# --- Uploads ----------------------------------------------------------------------------------
# A little above the largest upload we accept (25 MB library files), so the form can say why.
DATA_UPLOAD_MAX_MEMORY_SIZE = 27 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Admin import/export (django-import-export) ---------------------------------------------------
# Every import runs in a transaction; the preview (dry run) is rolled back.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# Importing (creates and overwrites rows) needs the model's change permission, exporting its view
# permission; without these, any staff user could import and export every model that offers it.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# The uploaded sheet waits between the preview and the confirmation in the default file storage
# (the shared media volume or S3), not in one web process's /tmp: the confirmation may reach
# another web replica.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"

# --- Portal -----------------------------------------------------------------------------------
TRAININGS_PAGE_SIZE = 20
# Invitation links are signed and expire after this many days.
INVITATION_MAX_AGE_DAYS = 14
# The largest roster CSV a coordinator may import.
ROSTER_IMPORT_MAX_ROWS = 2000
ROSTER_IMPORT_MAX_BYTES = 1024 * 1024
# A reminder more than this late (a stopped dispatcher, a long outage) is marked missed.
REMINDER_GRACE_HOURS = 12

# --- The API (/api/v1/, api/) ---------------------------------------------------------------
# Requests a minute per personal access token; the next answers 429 with Retry-After.
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=120)
# ninja's own rate limiting and CSRF are not used: tokens are checked by api.auth.
NINJA_PAGINATION_PER_PAGE = 25
