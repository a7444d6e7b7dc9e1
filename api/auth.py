"""Who calls: a personal access token in ``Authorization: Bearer nmt_…``, its scope, its rate.

A token acts as its person (``request.user`` is the person's user), so the selectors and
services apply the same rules as on the pages. A revoked or expired token fails at once: each
request looks the token up. Each token may make ``API_RATE_LIMIT`` requests a minute; the next
one answers 429 with ``Retry-After``."""

import time

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from . import selectors, services

RATE_CACHE = "default"


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after


class ScopeMissing(Exception):
    message = ""

    def __init__(self) -> None:
        super().__init__("scope")
        self.message = _(
            "This token can only read. Create a read and write token to change things."
        )


def _count(token_id: int, *, now: float) -> tuple[int, int]:
    """Requests of this token in the current minute, and seconds until the next minute."""
    window = int(now // 60)
    key = f"api-rate:{token_id}:{window}"
    cache = caches[RATE_CACHE]
    cache.add(key, 0, timeout=120)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        used = 1
    return used, 60 - int(now) % 60


class TokenAuth(HttpBearer):
    """Any usable token (read or read and write)."""

    write = False

    def authenticate(self, request, token: str):
        found = selectors.token_by_raw(token)
        if found is None:
            return None
        used, retry_after = _count(found.pk, now=time.time())
        if used > settings.API_RATE_LIMIT:
            raise RateLimited(retry_after)
        if self.write and not found.writes and request.method not in ("GET", "HEAD"):
            raise ScopeMissing
        services.token_used(token=found)
        request.user = found.person.user
        request.person = found.person
        return found


class WriteTokenAuth(TokenAuth):
    """A read and write token for anything but GET."""

    write = True


token = TokenAuth()
write_token = WriteTokenAuth()
