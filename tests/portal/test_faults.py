"""Faults: the database connection dies under a request or between requests, and Redis is down.

- A registration whose database connection is killed mid-transaction (``pg_terminate_backend``
  from a second connection, as the outbox row, the reminders or the waitlist notice are written)
  answers 503 with the "back in a moment" page and ``Retry-After``, never 500, and leaves nothing
  half saved: no registration, reminder or outbox row, and ``seats_taken`` still equals the
  confirmed count. The next request works.
- A persistent connection (``CONN_MAX_AGE`` > 0) killed between two requests is replaced at the
  start of the next one thanks to ``CONN_HEALTH_CHECKS``; without the health checks that next
  request fails (503) and only the one after it works (the negative control).
- The production settings keep connections (``CONN_MAX_AGE`` 60) and health-check them.
- With Redis stopped, people sign in through the real allauth form, browse, and register
  quickly; the confirmation waits in the outbox and ``/healthz`` says "degraded" with a 200.
  That the waiting email then goes out once when Redis (or ``send_due_reminders``) is back is
  covered by ``test_notifications.py``.

Django's test client disconnects ``close_old_connections`` from ``request_started`` and
``request_finished``; a WSGI server (gunicorn) runs it around every request, and the recovery
depends on it. The ``wsgi_connection_handling`` fixture connects it back, as a server would.
Whole-server faults (PostgreSQL restarted during a burst, against gunicorn) are in
``bench/faults.py``.
"""

import os
import re
import subprocess
import sys
import time

import psycopg
import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.db import OperationalError, close_old_connections, connection
from django.test import Client
from django.urls import reverse

from portal import notifications
from portal.models import OutboxEmail, OutboxState
from tests.factories import TrainingFactory, UserFactory
from tests.trainings.factories import PersonFactory
from trainings import emails
from trainings.models import Registration, RegistrationStatus, Reminder, Training
from trainings.services import registration as registration_service
from trainings.services import registration_create

pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_MESSAGE = "We could not reach our database just now."
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- Helpers ------------------------------------------------------------------------------------


def backend_pid() -> int:
    """The PostgreSQL backend serving Django's connection in this thread."""
    return connection.connection.info.backend_pid


def terminate_backend(pid: int) -> None:
    """Kill a backend from a second connection, as a restart or a failover does, and wait until
    it is gone."""
    db = connection.settings_dict
    with psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        host=db["HOST"],
        port=db["PORT"] or 5432,
        autocommit=True,
    ) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, f"backend {pid} still alive"
            time.sleep(0.01)


def kill_own_connection_before(original):
    """Wrap ``original`` so that it first kills the backend of the connection it runs on."""

    def wrapper(*args, **kwargs):
        terminate_backend(backend_pid())
        return original(*args, **kwargs)

    return wrapper


def _close_old_connections(**kwargs):
    close_old_connections()


@pytest.fixture
def wsgi_connection_handling():
    """``close_old_connections`` before and after each request, as under gunicorn.

    The test client disconnects that very function around its requests; a wrapper of it stays
    connected. The connection is closed at the end so the test's teardown starts afresh.
    """
    request_started.connect(_close_old_connections)
    request_finished.connect(_close_old_connections)
    yield
    request_started.disconnect(_close_old_connections)
    request_finished.disconnect(_close_old_connections)
    connection.close()


@pytest.fixture
def web(wsgi_connection_handling):
    """A client that gets what a browser gets: handler500's page, not the exception."""
    return Client(raise_request_exception=False)


@pytest.fixture
def signed_in(web):
    person = PersonFactory(user=UserFactory(email="ada@example.org"), display_name="Ada")
    web.force_login(person.user)
    return person


@pytest.fixture
def persistent_connection(request):
    """Connections kept between requests (CONN_MAX_AGE=60, as in production), with the health
    checks on or off as the test is parametrised. Read at connect time, so reconnect."""
    saved = {key: connection.settings_dict[key] for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")}
    connection.close()
    connection.settings_dict.update(CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=request.param)
    yield request.param
    connection.close()
    connection.settings_dict.update(saved)


def snapshot() -> dict:
    return {
        "registrations": Registration.objects.count(),
        "reminders": Reminder.objects.count(),
        "outbox": OutboxEmail.objects.count(),
    }


def assert_seats_in_step(training: Training) -> None:
    training.refresh_from_db()
    confirmed = training.registrations.filter(status=RegistrationStatus.CONFIRMED).count()
    assert training.seats_taken == confirmed


def assert_back_in_a_moment(response) -> None:
    assert response.status_code == 503, response.status_code
    assert response["Retry-After"] == "5"
    assert DATABASE_MESSAGE in response.content.decode()


def register(web, training):
    return web.post(reverse("trainings:register", args=[training.slug]))


# --- The connection dies in the middle of a registration ------------------------------------------

# Where the connection is killed: after the registration row and the seat counter were written,
# while the confirmation is queued, while the reminders are written, or while the waitlist
# notice is queued (a full training).
KILL_POINTS = {
    "outbox": (notifications, "queue", 5),
    "reminders": (registration_service, "reminders_schedule", 5),
    "waitlist_notice": (emails, "registration_waitlisted", 1),
}


@pytest.mark.parametrize("where", KILL_POINTS)
def test_a_registration_whose_connection_dies_mid_transaction_answers_503_and_saves_nothing(
    web, signed_in, monkeypatch, where
):
    module, name, capacity = KILL_POINTS[where]
    training = TrainingFactory(capacity=capacity)
    # Someone already holds a seat: their rows must stay as they are.
    registration_create(training=training, person=PersonFactory())
    before = snapshot()
    assert before["reminders"] > 0
    assert before["outbox"] == 1

    monkeypatch.setattr(module, name, kill_own_connection_before(getattr(module, name)))
    response = register(web, training)
    monkeypatch.undo()

    assert_back_in_a_moment(response)
    assert snapshot() == before
    assert not Registration.objects.filter(person=signed_in).exists()
    assert_seats_in_step(training)

    # The portal recovers by itself: the next request registers, whole.
    response = register(web, training)
    assert response.status_code == 302
    registration = Registration.objects.get(person=signed_in)
    assert OutboxEmail.objects.filter(to=["ada@example.org"]).count() == 1
    if registration.status == RegistrationStatus.CONFIRMED:
        assert registration.reminders.exists()
    else:
        assert where == "waitlist_notice"
        assert not registration.reminders.exists()
    assert_seats_in_step(training)


# --- The connection dies between two requests -----------------------------------------------------


@pytest.mark.parametrize("persistent_connection", [True, False], indirect=True)
def test_a_persistent_connection_killed_between_requests_is_replaced_by_the_health_check(
    web, signed_in, persistent_connection
):
    health_checks = persistent_connection
    training = TrainingFactory()

    assert web.get(training.get_absolute_url()).status_code == 200
    # The connection outlived the request (CONN_MAX_AGE), as under gunicorn.
    assert connection.connection is not None
    killed = backend_pid()
    terminate_backend(killed)

    response = register(web, training)
    if health_checks:
        # The health check at the request's first query found the dead connection and
        # reconnected: the person never noticed.
        assert response.status_code == 302
        assert backend_pid() != killed
        assert Registration.objects.filter(person=signed_in).count() == 1
    else:
        # Negative control: without the health check the request runs on the dead connection.
        assert_back_in_a_moment(response)
        assert not Registration.objects.filter(person=signed_in).exists()
        # The failed request marked the connection unusable; it was closed after it, so the
        # next request works.
        assert register(web, training).status_code == 302
    assert_seats_in_step(training)
    registration = Registration.objects.get(person=signed_in)
    assert registration.reminders.exists()
    assert OutboxEmail.objects.filter(to=["ada@example.org"]).count() == 1


def test_production_settings_keep_connections_and_check_them_before_reuse():
    """What the recovery above relies on, in the settings gunicorn runs with. (production.py
    replaces base's DATABASES, so base's CONN_HEALTH_CHECKS alone would not reach it.)"""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        SECRET_KEY="only-to-read-the-settings",
        ALLOWED_HOSTS="portal.example.org",
        SITE_URL="https://portal.example.org",
        DATABASE_URL="postgres://portal@db.example.org:5432/portal",
    )
    code = (
        "from django.conf import settings\n"
        "db = settings.DATABASES['default']\n"
        "print(db['CONN_MAX_AGE'], db.get('CONN_HEALTH_CHECKS'))\n"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, fixed code.
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["60", "True"]


# --- Redis down -----------------------------------------------------------------------------------


def csrf_token(page) -> str:
    match = CSRF_INPUT.search(page.content.decode())
    assert match, "no CSRF token in the page"
    return match.group(1)


def test_with_redis_down_people_sign_in_browse_and_register_while_email_waits(
    wsgi_connection_handling, own_redis, celery_on, settings
):
    """Redis stopped (the broker and /healthz point at it, tasks are not eager), through the
    pages a browser uses, CSRF checks on."""
    settings.REDIS_URL = own_redis.url
    own_redis.stop()
    user = UserFactory(email="ada@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    PersonFactory(user=user, display_name="Ada")
    training = TrainingFactory(capacity=5)
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)

    login_page = browser.get(reverse("account_login"))
    assert login_page.status_code == 200
    signed = browser.post(
        reverse("account_login"),
        {
            "login": "ada@example.org",
            "password": "pw-for-tests-2026",
            "csrfmiddlewaretoken": csrf_token(login_page),
        },
    )
    assert signed.status_code == 302
    assert signed["Location"] == reverse("members:me")
    assert browser.get(reverse("members:me")).status_code == 200

    for path in ("/", reverse("trainings:list")):
        assert browser.get(path).status_code == 200, path
    page = browser.get(training.get_absolute_url())
    assert page.status_code == 200

    started = time.monotonic()
    response = browser.post(
        reverse("trainings:register", args=[training.slug]),
        {"csrfmiddlewaretoken": csrf_token(page)},
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 3, f"registering took {elapsed:.1f} s with Redis down"
    assert "You're registered." in browser.get(response["Location"]).content.decode()

    registration = Registration.objects.get(person__user=user)
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.reminders.exists()
    email = OutboxEmail.objects.get(kind="registration_confirmed")
    assert email.state == OutboxState.PENDING
    assert email.to == ["ada@example.org"]

    health = browser.get("/healthz")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is True
    assert body["redis"]["ok"] is False


@pytest.mark.parametrize(
    ("error", "status", "heading"),
    [
        (ValueError("a bug"), 500, "Something went wrong on our side"),
        (OperationalError("server closed the connection"), 503, "The portal is back in a moment"),
    ],
)
def test_the_server_error_pages_say_what_happened_in_the_portal_frame(rf, error, status, heading):
    """handler500 tells a bug (500) from a lost database (503, Retry-After), and both pages are
    complete: the portal's stylesheet, its header and a way back home."""
    from portal.views import server_error

    try:
        raise error
    except Exception:
        response = server_error(rf.get("/trainings/"))
    body = response.content.decode()
    assert response.status_code == status
    assert f"<h1>{heading}</h1>" in body
    assert 'href="/static/css/portal.css"' in body
    assert '<a href="/" role="button">Go to the home page</a>' in body
    assert response.has_header("Retry-After") == (status == 503)
