import logging
import shutil

import pytest

from portal import notifications
from portal.celery import app as celery_app

from .components import RedisServer, SmtpSink, reset_broker_pools


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
