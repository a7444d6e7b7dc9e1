"""Behind the one nginx of the README every visitor reaches the portal from the proxy's address.
allauth's per-address sign-in limits must count each visitor (the address nginx appends to
X-Forwarded-For), not the proxy: production trusts one proxy (ALLAUTH_TRUSTED_PROXY_COUNT=1).
The counts live in the real cache the limits use (the database cache)."""

import os
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils.crypto import get_random_string

from tests.factories import UserFactory
from tests.processes import run_python

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
PASSWORD = "pw-for-tests-2026"  # UserFactory's
TOO_MANY = "Too many failed login attempts. Try again later."
PROXY = "10.0.0.2"  # the address every request comes from: nginx
FAILED_PER_ADDRESS = 10  # allauth's "login_failed" limit: 10 a minute per client address


def _trusted_proxy_count(settings_module: str, **environment: str) -> int:
    """ALLAUTH_TRUSTED_PROXY_COUNT as a fresh process with these settings computes it."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        SECRET_KEY=get_random_string(64),
        ALLOWED_HOSTS="portal.example.org",
        SITE_URL="https://portal.example.org",
        DATABASE_URL="sqlite:///:memory:",
        **environment,
    )
    code = (
        "from django.conf import settings\n"
        "print(getattr(settings, 'ALLAUTH_TRUSTED_PROXY_COUNT', 0))"  # allauth's default
    )
    result = run_python(code, env, timeout=60)
    assert result.returncode == 0, result.stderr
    return int(result.stdout)


@pytest.fixture(scope="module")
def production_proxy_count() -> int:
    return _trusted_proxy_count("portal.settings.production")


def test_production_trusts_the_one_proxy_and_the_embedded_default_none():
    assert _trusted_proxy_count("portal.settings.production") == 1
    assert _trusted_proxy_count("portal.settings.local") == 0
    # Two proxies (a load balancer before nginx), or none, from the environment.
    assert _trusted_proxy_count("portal.settings.production", ALLAUTH_TRUSTED_PROXY_COUNT="2") == 2
    assert _trusted_proxy_count("portal.settings.local", ALLAUTH_TRUSTED_PROXY_COUNT="1") == 1


def _visitor(address: str, forwarded: str | None = None) -> Client:
    """A browser at ``address`` behind nginx, which appends that address to whatever
    X-Forwarded-For the browser sent itself ($proxy_add_x_forwarded_for)."""
    chain = f"{forwarded}, {address}" if forwarded else address
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=chain)


def _sign_in(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def _verified(email):
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _fail_from(client, times=FAILED_PER_ADDRESS):
    for n in range(times):
        response = _sign_in(client, f"nobody{n}@example.org", "wrong-password")
        assert response.status_code == 200
        assert TOO_MANY not in response.content.decode()


def test_one_visitors_failed_sign_ins_do_not_lock_out_another_behind_the_proxy(
    settings, production_proxy_count
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = production_proxy_count
    _verified("ana@example.org")
    attacker = _visitor("203.0.113.7")
    _fail_from(attacker)

    ana = _visitor("198.51.100.20")
    response = _sign_in(ana, "ana@example.org", PASSWORD)

    assert response.status_code == 302, TOO_MANY in response.content.decode()
    assert ana.session[SESSION_KEY]


def test_the_failing_visitor_stays_locked_out_even_forging_x_forwarded_for(
    settings, production_proxy_count
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = production_proxy_count
    _verified("ana@example.org")
    _fail_from(_visitor("203.0.113.7"))

    # The right password, from the same address, with an address of its choosing in front:
    # nginx appends the real one, and that is the one counted.
    for client in (_visitor("203.0.113.7"), _visitor("203.0.113.7", forwarded="192.0.2.99")):
        response = _sign_in(client, "ana@example.org", PASSWORD)
        assert response.status_code == 200
        assert TOO_MANY in response.content.decode()
        assert SESSION_KEY not in client.session


def test_without_a_trusted_proxy_a_forged_x_forwarded_for_counts_for_nothing():
    """The embedded default (and the test settings) trust no proxy: the header is ignored, so
    a client reaching the portal directly cannot pick a fresh address per attempt."""
    assert getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0) == 0
    _verified("ana@example.org")
    for n in range(FAILED_PER_ADDRESS):
        forged = Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        assert _sign_in(forged, f"nobody{n}@example.org", "wrong-password").status_code == 200

    client = Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="192.0.2.200")
    response = _sign_in(client, "ana@example.org", PASSWORD)

    assert TOO_MANY in response.content.decode()
