import logging
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connections

from members.models import MembershipState, Role
from portal import notifications
from portal.celery import app as celery_app
from portal.settings.base import transaction_pooling
from tests.factories import (
    AgencyFactory,
    MembershipFactory,
    PersonFactory,
    TrainingFactory,
    UserFactory,
)
from tests.portal.components import PgBouncer, RedisServer, SmtpSink, reset_broker_pools

# The roles of the permission matrix (tests/members/test_permissions.py), each a fixture below.
ROLES = ("anonymous", "member", "staff_a", "coordinator_a", "coordinator_b", "curator", "superuser")


def pytest_addoption(parser):
    parser.addoption(
        "--pgbouncer",
        action="store_true",
        help="run every test through a PgBouncer in transaction pooling that the run starts in "
        "front of the test database, with DATABASE_PGBOUNCER's settings (make test-pgbouncer)",
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, request, django_db_blocker):
    """With ``--pgbouncer``: once the test database exists (made directly on PostgreSQL, as
    ``migrate`` is run in production), every connection goes through a pgbouncer of the run's
    own, in transaction pooling, with the settings ``DATABASE_PGBOUNCER=true`` gives. Without
    the option nothing changes, and pgbouncer need not be installed."""
    if not request.config.getoption("pgbouncer"):
        yield None
        return
    if not shutil.which("pgbouncer") and not Path("/usr/sbin/pgbouncer").exists():
        pytest.fail("--pgbouncer: pgbouncer is not installed (apt-get install pgbouncer)")
    database = settings.DATABASES["default"]
    saved = {**database, "OPTIONS": dict(database.get("OPTIONS", {}))}
    bouncer = PgBouncer(
        Path(tempfile.mkdtemp(prefix="nmt-pgbouncer-")),
        server_host=database["HOST"] or "127.0.0.1",
        server_port=int(database["PORT"] or 5432),
        user=database["USER"],
    )
    bouncer.start()
    with django_db_blocker.unblock():
        connections.close_all()
    # The same dict every connection, in every thread, is made from.
    database.update(HOST="127.0.0.1", PORT=str(bouncer.port))
    transaction_pooling(database)
    yield bouncer
    with django_db_blocker.unblock():
        connections.close_all()
    database.clear()
    database.update(saved)
    bouncer.stop()
    shutil.rmtree(bouncer.directory, ignore_errors=True)


@pytest.fixture
def through_pgbouncer(django_db_setup):
    """The run's PgBouncer; the test is skipped in a run without ``--pgbouncer``."""
    if django_db_setup is None:
        pytest.skip("runs through PgBouncer only: pytest --pgbouncer (make test-pgbouncer)")
    return django_db_setup


@pytest.fixture(autouse=True)
def _clear_cache(request):
    """Start every database test with an empty default cache.

    The cache is a database table (allauth's rate limits count there) which transactional
    tests' flushes don't empty, so counts would leak from one test into the next.
    """
    uses_db = "_django_db_helper" in request.fixturenames or request.node.get_closest_marker(
        "django_db"
    )
    if uses_db:
        request.getfixturevalue("_django_db_helper")
        cache.clear()


@pytest.fixture
def agency(db):
    return AgencyFactory()


@pytest.fixture
def training(db):
    return TrainingFactory()


@pytest.fixture
def user(db):
    return UserFactory()


# --- Roles ------------------------------------------------------------------------------------


@pytest.fixture
def agency_a(db):
    return AgencyFactory(name="Agency A", slug="agency-a")


@pytest.fixture
def agency_b(db):
    return AgencyFactory(name="Agency B", slug="agency-b")


def _member_of(agency, email: str, name: str, role: str):
    membership = MembershipFactory(
        agency=agency,
        person=PersonFactory(user=UserFactory(email=email), display_name=name),
        role=role,
        state=MembershipState.ACTIVE,
    )
    return membership.person.user


@pytest.fixture
def anonymous():
    """No one signed in."""
    return None


@pytest.fixture
def member(db):
    """A signed-in person who belongs to no agency."""
    return PersonFactory(
        user=UserFactory(email="member@example.org"), display_name="Mo Member"
    ).user


@pytest.fixture
def staff_a(agency_a):
    return _member_of(agency_a, "staff-a@example.org", "Sam Staff", Role.STAFF)


@pytest.fixture
def coordinator_a(agency_a):
    return _member_of(agency_a, "coordinator-a@example.org", "Cora Coordinator", Role.COORDINATOR)


@pytest.fixture
def coordinator_b(agency_b):
    return _member_of(agency_b, "coordinator-b@example.org", "Bea Coordinator", Role.COORDINATOR)


@pytest.fixture
def curator(db):
    """Staff (the admin's curators), not a superuser: holds the model permissions of the
    portal's own apps."""
    user = UserFactory(email="curator@example.org", is_staff=True, is_superuser=False)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["members", "trainings", "resources"])
    )
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(email="superuser@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def login(client):
    """``login(user)`` signs the test client in as ``user`` (or leaves it anonymous for None)."""

    def sign_in(user):
        if user is not None:
            client.force_login(user)
        return client

    return sign_in


# --- Real components: an SMTP sink, the tests' own Redis, Celery publishing to it -------------


@pytest.fixture
def smtp_sink(settings):
    """An SMTP server on a free port; Django's email goes there for the test."""
    sink = SmtpSink()
    # aiosmtpd logs every SMTP command at INFO.
    mail_log = logging.getLogger("mail.log")
    level = mail_log.level
    mail_log.setLevel(logging.WARNING)
    sink.controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield sink
    sink.handler.release.set()
    sink.controller.stop()
    mail_log.setLevel(level)


@pytest.fixture(scope="session")
def _redis_process(tmp_path_factory):
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_redis(_redis_process):
    """The tests' own Redis, running and empty at the start of the test, which may stop it."""
    _redis_process.start()
    _redis_process.client().flushall()
    yield _redis_process
    _redis_process.start()


@pytest.fixture
def celery_on(own_redis):
    """The project's Celery app publishing to ``own_redis``, eager mode off, for this test.

    Returns the app. The settings (eager, the shared Redis) come back afterwards.
    """
    conf = celery_app.conf
    keys = ("broker_url", "task_always_eager", "worker_hijack_root_logger")
    saved = {key: conf[key] for key in keys}
    conf.update(
        broker_url=own_redis.url,
        task_always_eager=False,
        # Keep pytest's log capture: the embedded worker must not replace the root's handlers.
        worker_hijack_root_logger=False,
    )
    reset_broker_pools()
    notifications._broker_down = False
    yield celery_app
    conf.update(saved)
    reset_broker_pools()
    notifications._broker_down = False
