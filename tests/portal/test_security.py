"""Security settings, seen from outside: response headers, production settings, cookies, password
rules, and the rate limit on signing in to the admin.

- Every main page carries the Content-Security-Policy (no inline script, no framing, no
  plugins), nosniff, the Referrer-Policy, X-Frame-Options and the Cross-Origin-Opener-Policy.
- The production settings (loaded in a fresh process, as a container does) turn on HSTS with
  preload, Secure/HttpOnly/SameSite ``__Host-`` cookies, the HTTPS redirect and JSON logs on
  stdout; with those values, an HTTPS response carries HSTS and a real sign-in's cookies carry
  the flags.
- The sign-up form refuses weak passwords, each with its message beside the field.
- The admin signs in only through allauth, whose failed-sign-in limit counts in the database
  cache: shared by every process, so it holds across them (and a per-process or dummy cache
  would lose it).
"""

import json
import os
import re
import subprocess
import sys
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.crypto import get_random_string

from members.models import User
from resources.models import Resource, ResourceStatus
from tests.factories import TrainingFactory, UserFactory
from tests.processes import run_python

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
PASSWORD = "pw-for-tests-2026"  # UserFactory's
TOO_MANY = "Too many failed login attempts. Try again later."
ONE_YEAR = 60 * 60 * 24 * 365


def _verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


# --- Headers on the main pages --------------------------------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _assert_security_headers(response, where: str):
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"], where
    assert csp["style-src"] == ["'self'"], where
    assert csp["default-src"] == ["'self'"], where
    assert csp["frame-ancestors"] == ["'none'"], where
    assert csp["object-src"] == ["'none'"], where
    assert csp["base-uri"] == ["'self'"], where
    assert csp["form-action"] == ["'self'"], where
    header = response.headers["Content-Security-Policy"]
    for unsafe in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'strict-dynamic'"):
        assert unsafe not in header, (where, unsafe)
    sources = [value for values in csp.values() for value in values]
    assert "*" not in sources, where
    assert "report-only" not in header.lower(), where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") == "same-origin", where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    assert response.headers.get("Cross-Origin-Opener-Policy") == "same-origin", where


@pytest.fixture
def main_pages(coordinator_a, member, superuser):
    """(name, who, url) of the portal's main pages."""
    training = TrainingFactory(host_agency=coordinator_a.person.memberships.get().agency)
    resource = Resource.objects.create(
        title="A public guide",
        slug="a-public-guide",
        summary="For everyone.",
        kind="guide",
        status=ResourceStatus.PUBLISHED,
        external_url="https://example.org/guide",
    )
    agency = coordinator_a.person.memberships.get().agency
    return [
        ("home", None, reverse("home")),
        ("trainings", None, reverse("trainings:list")),
        ("a training", None, training.get_absolute_url()),
        ("calendar", None, reverse("trainings:calendar")),
        ("library", None, reverse("resources:list")),
        ("a resource", None, resource.get_absolute_url()),
        ("community", None, reverse("community")),
        ("sign-in", None, reverse("account_login")),
        ("my page", member, reverse("members:me")),
        ("agency dashboard", coordinator_a, reverse("members:manage_home", args=[agency.slug])),
        ("admin", superuser, reverse("admin:index")),
    ]


def test_every_main_page_carries_the_security_headers(main_pages):
    for name, user, url in main_pages:
        client = Client()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        _assert_security_headers(response, f"{name} ({url})")


def test_error_pages_and_redirects_carry_them_too(client):
    for response, where in (
        (client.get("/no-such-page/"), "404"),
        (client.get(reverse("members:me")), "sign-in redirect"),
    ):
        assert response.status_code in (302, 404), where
        _assert_security_headers(response, where)


def test_a_cached_catalogue_page_and_its_304_carry_them(client, settings):
    """The anonymous page cache (portal.pagecache) serves stored pages: still with the headers."""
    settings.PAGE_CACHE_SECONDS = 60
    TrainingFactory()
    first = client.get(reverse("trainings:list"))
    again = client.get(reverse("trainings:list"))
    revalidated = client.get(reverse("trainings:list"), headers={"If-None-Match": first["ETag"]})
    assert [first.status_code, again.status_code, revalidated.status_code] == [200, 200, 304]
    for response, where in ((again, "cached"), (revalidated, "304")):
        _assert_security_headers(response, where)


# --- Production settings --------------------------------------------------------------------------

# Printed by a fresh interpreter with the production settings, as a container loads them.
PRINT_SETTINGS = """
import json, logging
import django
from django.conf import settings
django.setup()
names = [
    "DEBUG", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_DOMAIN", "SESSION_COOKIE_PATH", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE", "CSRF_COOKIE_NAME", "CSRF_COOKIE_DOMAIN", "CSRF_COOKIE_PATH",
    "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY", "CONTENT_SECURITY_POLICY", "MIDDLEWARE",
    "AUTH_PASSWORD_VALIDATORS", "LOGGING", "MFA_REQUIRED_FOR_STAFF",
]
print("SETTINGS " + json.dumps({name: getattr(settings, name) for name in names}, default=str))
logging.getLogger("portal.security_test").warning("a line to parse")
"""


@pytest.fixture(scope="module")
def production():
    """The production settings, as JSON, and what a log line looks like on stdout."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        SECRET_KEY=get_random_string(64),
        ALLOWED_HOSTS="portal.example.org",
        SITE_URL="https://portal.example.org",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/test"),
    )
    result = run_python(PRINT_SETTINGS, env, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    [values] = [json.loads(line.removeprefix("SETTINGS ")) for line in lines if "SETTINGS " in line]
    logs = [line for line in lines if "a line to parse" in line]
    return values, logs


def test_production_turns_on_hsts_with_preload_and_the_https_redirect(production):
    values, _logs = production
    assert values["DEBUG"] is False
    assert values["SECURE_HSTS_SECONDS"] >= ONE_YEAR
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_production_cookies_are_secure_httponly_samesite_and_host_only(production):
    values, _logs = production
    for cookie in ("SESSION", "CSRF"):
        assert values[f"{cookie}_COOKIE_SECURE"] is True, cookie
        assert values[f"{cookie}_COOKIE_HTTPONLY"] is True, cookie
        assert values[f"{cookie}_COOKIE_SAMESITE"] == "Lax", cookie
        # "__Host-": the browser takes it only if Secure, for "/", with no Domain.
        assert values[f"{cookie}_COOKIE_NAME"].startswith("__Host-"), cookie
        assert values[f"{cookie}_COOKIE_DOMAIN"] is None, cookie
        assert values[f"{cookie}_COOKIE_PATH"] == "/", cookie


def test_production_headers_csp_and_password_rules(production):
    values, _logs = production
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    middleware = values["MIDDLEWARE"]
    for name in (
        "django.middleware.security.SecurityMiddleware",
        "csp.middleware.CSPMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ):
        assert name in middleware
    directives = values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "REPORT_ONLY" not in json.dumps(values["CONTENT_SECURITY_POLICY"]).upper()
    validators = {v["NAME"].rsplit(".", 1)[-1]: v for v in values["AUTH_PASSWORD_VALIDATORS"]}
    assert set(validators) == {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }
    assert validators["MinimumLengthValidator"]["OPTIONS"]["min_length"] >= 12
    assert values["MFA_REQUIRED_FOR_STAFF"] is True


def test_production_logs_json_on_stdout(production):
    values, logs = production
    console = values["LOGGING"]["handlers"]["console"]
    assert console["stream"] == "ext://sys.stdout"
    assert console["formatter"] == "json"
    assert "console" in values["LOGGING"]["root"]["handlers"]
    [line] = logs
    record = json.loads(line)
    assert record["message"] == "a line to parse"
    assert record["level"] == "WARNING"


@pytest.fixture
def https_settings(settings, production):
    """This process, with production's HTTPS and cookie settings (middleware is built per
    client, so a new client picks them up)."""
    values, _logs = production
    for name, value in values.items():
        if name.startswith(("SECURE_HSTS", "SESSION_COOKIE", "CSRF_COOKIE", "SECURE_SSL")):
            setattr(settings, name, value)
    settings.SECURE_PROXY_SSL_HEADER = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return settings


def test_an_https_response_carries_hsts_with_preload(https_settings):
    client = Client()
    response = client.get(reverse("home"), secure=True)
    assert response.status_code == 200
    expected = f"max-age={https_settings.SECURE_HSTS_SECONDS}; includeSubDomains; preload"
    assert response["Strict-Transport-Security"] == expected
    assert expected.startswith("max-age=31536000")
    # Behind the TLS proxy: the forwarded scheme counts as HTTPS.
    proxied = client.get(reverse("home"), headers={"X-Forwarded-Proto": "https"})
    assert proxied["Strict-Transport-Security"] == expected
    # Plain HTTP is sent to HTTPS, without HSTS (browsers ignore it over HTTP).
    plain = client.get(reverse("home"))
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/"
    assert "Strict-Transport-Security" not in plain


def _set_cookie_lines(response) -> dict[str, str]:
    return {name: morsel.OutputString() for name, morsel in response.cookies.items()}


def test_a_real_sign_in_sets_secure_httponly_samesite_host_cookies(https_settings):
    user = _verified(UserFactory(email="ana@example.org"))
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("account_login"), secure=True)
    token = page.context["csrf_token"]
    csrf_name = https_settings.CSRF_COOKIE_NAME
    assert csrf_name in page.cookies

    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD, "csrfmiddlewaretoken": str(token)},
        secure=True,
        headers={"Origin": "https://testserver"},
    )

    assert response.status_code == 302, response.status_code
    assert response["Location"] == reverse("members:me")
    assert client.session[SESSION_KEY] == str(user.pk)
    cookies = {**_set_cookie_lines(page), **_set_cookie_lines(response)}
    session_name = https_settings.SESSION_COOKIE_NAME
    assert session_name in _set_cookie_lines(response)
    for name in (session_name, csrf_name):
        assert name.startswith("__Host-")
        line = cookies[name]
        attributes = [part.strip().lower() for part in line.split(";")[1:]]
        assert "httponly" in attributes, line
        assert "secure" in attributes, line
        assert "samesite=lax" in attributes, line
        assert "path=/" in attributes, line
        assert not any(a.startswith("domain=") for a in attributes), line
    # Parsed back as a browser would.
    parsed = SimpleCookie(cookies[session_name])
    assert parsed[session_name]["httponly"]
    assert parsed[session_name]["secure"]


# --- Password rules on the real sign-up form ------------------------------------------------------

WEAK_PASSWORDS = [
    pytest.param("Tq7#wLm2vXz", "too short. It must contain at least 12 characters", id="11-chars"),
    pytest.param("483920175648", "entirely numeric", id="all-numeric"),
    pytest.param("password1234", "too common", id="common"),
    pytest.param("margaret.hamilton7", "too similar to the email address", id="like-the-email"),
]


@pytest.mark.parametrize(("password", "message"), WEAK_PASSWORDS)
def test_signup_refuses_a_weak_password_beside_the_field(client, password, message):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "margaret.hamilton@example.org",
            "display_name": "Margaret Hamilton",
            "password1": password,
            "password2": password,
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in error for error in errors.get("password1", [])), errors
    # Shown beside the field: in the field's own block, after the input, which points to it.
    page = response.content.decode()
    block = next(b for b in page.split('<div class="form-field">') if 'id="id_password1"' in b)
    field_input = re.search(r"<input [^>]*id=\"id_password1\"[^>]*>", block).group(0)
    assert 'aria-invalid="true"' in field_input
    assert "id_password1_error" in field_input  # aria-describedby
    shown = re.search(r'<small class="field-error" id="id_password1_error">(.*?)</small>', block)
    assert message in shown.group(1)
    assert not User.objects.filter(email="margaret.hamilton@example.org").exists()


def test_signup_accepts_a_strong_password(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "margaret.hamilton@example.org",
            "display_name": "Margaret Hamilton",
            "password1": "quiet-harbour-lantern-2026",
            "password2": "quiet-harbour-lantern-2026",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="margaret.hamilton@example.org").check_password(
        "quiet-harbour-lantern-2026"
    )


# --- The admin's sign-in and its rate limit -------------------------------------------------------


def _admin_sign_in_url() -> str:
    """Where /admin/ sends a visitor: the admin login, which sends on to allauth's."""
    client = Client()
    to_admin_login = client.get(reverse("admin:index"))
    to_allauth = client.get(to_admin_login["Location"])
    assert to_allauth.status_code == 302
    return to_allauth["Location"]


def _sign_in(client, url, email, password):
    return client.post(url, {"login": email, "password": password})


def _rate_limit_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {settings.CACHES['default']['LOCATION']} "  # noqa: S608 - a setting
            "WHERE cache_key LIKE %s",
            ["%allauth:rl:allauth.account:login_failed%"],
        )
        return cursor.fetchone()[0]


def test_the_admins_own_password_form_is_never_used(client, superuser):
    _verified(superuser)
    response = client.post(
        reverse("admin:login") + "?next=/admin/",
        {"username": superuser.email, "password": PASSWORD, "this_is_the_login_form": "1"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?" + urlencode({"next": "/admin/"})
    assert SESSION_KEY not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


def test_failed_admin_sign_ins_lock_the_account_even_for_the_right_password(superuser):
    """allauth's "login_failed" limit: 5 failures per account (keyed by the address) in 5
    minutes, counted in the database cache. Nothing is cleared between the requests, and each
    comes from a new client, as from a new process."""
    _verified(superuser)
    url = _admin_sign_in_url()
    assert url == reverse("account_login") + "?" + urlencode({"next": "/admin/"})
    for _ in range(5):
        response = _sign_in(Client(), url, superuser.email, "wrong-password")
        assert response.status_code == 200
        assert TOO_MANY not in response.content.decode()
    assert _rate_limit_rows() > 0  # the counts are rows of the shared cache table

    client = Client()
    response = _sign_in(client, url, superuser.email, PASSWORD)

    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()
    assert SESSION_KEY not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_flood_of_sign_ins_from_one_address_answers_429(superuser):
    """allauth's "login" limit: 30 sign-in POSTs a minute per client address, then 429 for
    every attempt, the right password included."""
    _verified(superuser)
    url = _admin_sign_in_url()
    statuses = [
        _sign_in(Client(), url, f"nobody{n}@example.org", "wrong-password").status_code
        for n in range(30)
    ]
    assert statuses == [200] * 30

    client = Client()
    response = _sign_in(client, url, superuser.email, PASSWORD)

    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_without_a_shared_cache_the_limits_vanish(settings, superuser):
    """The negative control: with a cache that keeps nothing (as a per-process cache would keep
    nothing the next process sees), the same attempts are never limited. This is why the
    limits count in the database cache."""
    settings.CACHES = {
        alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
        for alias in settings.CACHES
    }
    _verified(superuser)
    url = _admin_sign_in_url()
    statuses = [_sign_in(Client(), url, superuser.email, "wrong-password").status_code]
    statuses += [
        _sign_in(Client(), url, f"nobody{n}@example.org", "wrong-password").status_code
        for n in range(35)
    ]
    assert statuses == [200] * 36

    client = Client()
    response = _sign_in(client, url, superuser.email, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.session[SESSION_KEY] == str(superuser.pk)


# Run by another interpreter against the test database: a sign-in with the right password.
SIGN_IN_ELSEWHERE = """
import django
django.setup()
from django.test import Client
response = Client().post("/accounts/login/?next=/admin/", {"login": EMAIL, "password": PASSWORD})
print("STATUS", response.status_code, "LOCKED" if TOO_MANY in response.content.decode() else "")
"""


@pytest.mark.django_db(transaction=True)
def test_the_lock_holds_in_another_process(superuser):
    """Failures counted here lock the account for a web process started apart."""
    _verified(superuser)
    url = _admin_sign_in_url()
    for _ in range(5):
        _sign_in(Client(), url, superuser.email, "wrong-password")
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    database = connection.settings_dict  # the test database, which the other process opens
    credentials = database["USER"] + (
        f":{quote(database['PASSWORD'])}" if database["PASSWORD"] else ""
    )
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.test",
        DATABASE_URL=f"postgres://{credentials}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    )
    code = f"EMAIL = {superuser.email!r}\nPASSWORD = {PASSWORD!r}\nTOO_MANY = {TOO_MANY!r}\n"
    result = subprocess.run(  # noqa: S603 - this interpreter, with code written here
        [sys.executable, "-c", code + SIGN_IN_ELSEWHERE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "STATUS 200 LOCKED" in result.stdout, result.stdout + result.stderr
