"""Production: secrets have no default, so a missing one fails loudly at start-up."""

from .base import *  # noqa: F403
from .base import DATABASE_PGBOUNCER, env, transaction_pooling

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# As in base.py (this dict replaces base's): a kept connection is checked before reuse.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A database host that does not answer at all fails a request in 5 s, not the kernel's TCP
# timeout (long past gunicorn's worker timeout).
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
)
if DATABASE_PGBOUNCER:
    transaction_pooling(DATABASES["default"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[env("SITE_URL")])

# --- HTTPS ------------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
# USE_HTTPS=false only for a local `docker compose up` over plain HTTP.
USE_HTTPS = env.bool("USE_HTTPS", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = USE_HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = USE_HTTPS
CSRF_COOKIE_SECURE = USE_HTTPS
# A year, with subdomains and preload: what the preload list asks for. While trying a new domain
# out, set SECURE_HSTS_SECONDS=3600 first (browsers remember the header for that long).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365) if USE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = USE_HTTPS
SECURE_HSTS_PRELOAD = USE_HTTPS and env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_NAME = "__Host-sessionid" if USE_HTTPS else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if USE_HTTPS else "csrftoken"
LANGUAGE_COOKIE_SECURE = USE_HTTPS
LANGUAGE_COOKIE_NAME = "__Host-language" if USE_HTTPS else "django_language"

# --- Accounts ---------------------------------------------------------------------------------
# Production runs behind the README's one TLS proxy, so every request comes from its address:
# allauth's sign-in limits count the address it appends to X-Forwarded-For instead.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=1)
# Staff (curators and admins) must sign in with two factors.
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=True)

# --- Logging ----------------------------------------------------------------------------------
# One JSON object per line on stdout, for the log collector.
LOGGING["handlers"]["console"]["formatter"] = env.str("LOG_FORMAT", default="json")  # noqa: F405
