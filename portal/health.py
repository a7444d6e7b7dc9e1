"""Readiness checks for /healthz. Each returns (ok, detail) and never raises."""

import redis
from django.conf import settings
from django.db import connection

from .services import outbox_counts


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return False, type(exc).__name__
    return True, connection.vendor


def check_redis() -> tuple[bool, str]:
    if not settings.REDIS_URL:
        return True, "not configured (tasks run in-process)"
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except redis.RedisError as exc:
        return False, type(exc).__name__
    return True, "ok"


def check_outbox() -> dict:
    """The email backlog: how many outbox emails are due now, and how many failed."""
    return outbox_counts()
