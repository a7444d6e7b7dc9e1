"""Whole public pages (home, catalogue, calendar, a training's page), cached for anonymous
visitors, with conditional responses.

A page is rendered once per address (path and query) and language, and kept for
``PAGE_CACHE_SECONDS`` in the "pages" cache: a PostgreSQL table shared by every web process, so a
change seen by one process is seen by all, and no web process keeps state of its own.

Every entry carries the catalogue *version* it was rendered at. A change to a training, a
session or a library resource (whatever makes it: a service, the admin, an import; see
``portal.models.CatalogueModel``) calls :func:`catalogue_changed`, which sets a new version once
the transaction commits: every entry made before is retired at once. The short lifetime bounds
what time alone changes (a training starting drops off the list) and what the pages show of
other records (an agency's name, the community's figures). Each entry also keeps its ETag and
the time it was rendered, so a browser revalidating with If-None-Match or If-Modified-Since
gets a 304 without a render.

Seat counts are the exception: a registration or a cancellation changes only a training's seat
count, and retiring every page for each one would empty the cache under exactly the load it is
for. The registration service saves such a change with ``catalogue_changed=False`` and calls
:func:`seats_changed`, which records its time instead, and an entry
rendered before the latest seat change is served only while it is younger than
``PAGE_CACHE_SEATS_SECONDS`` (5 s): "N seats left" for an anonymous visitor is at most that late.
Registering never reads this cache: seats are decided on the locked training row.

Only anonymous visitors without pending messages share entries: a signed-in page shows the
person's own registrations, and a flash message belongs to one visitor. Pages cached here hold
no CSRF token (the footer's digest form posts to a CSRF-exempt view, see
``members.views.digest``), so they are the same for every anonymous visitor.
"""

import functools
import hashlib
import logging
import time
import uuid
import zlib

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, transaction
from django.http import HttpResponse
from django.template.response import SimpleTemplateResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, quote_etag
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

CACHE_ALIAS = "pages"
VERSION_KEY = "catalogue-version"
SEATS_KEY = "catalogue-seats-changed-at"
# The shape of an entry. An entry of another shape (left by an earlier release during a rolling
# deploy) is rendered again, never read.
ENTRY_FORMAT = 2
# Browsers revalidate every time (a 304 is cheap); shared proxies keep nothing.
CACHE_CONTROL = "private, max-age=0, must-revalidate"


def _cache():
    return caches[CACHE_ALIAS]


def catalogue_changed() -> None:
    """Retire every cached catalogue page once the current transaction commits (at once
    outside a transaction); after the commit, so that no visitor can cache the old data under
    the new version. Never raises: a failed retirement leaves the entries to expire by age.
    (A transaction changing many rows one by one sets as many versions: one small write each.)"""
    if settings.PAGE_CACHE_SECONDS:
        transaction.on_commit(_new_version)


def seats_changed() -> None:
    """Record, once the transaction commits, that a training's seat count changed."""
    if settings.PAGE_CACHE_SECONDS:
        transaction.on_commit(_seats_changed_now)


def _seats_changed_now() -> None:
    try:
        _cache().set(SEATS_KEY, time.time(), timeout=None)
    except DatabaseError:
        logger.warning("Could not record a seat change for the cached pages", exc_info=True)


def _current(entry, version: str, seats_changed_at: float | None, now: float) -> bool:
    if not entry or entry.get("format") != ENTRY_FORMAT or entry["version"] != version:
        return False
    if seats_changed_at is None or entry["rendered"] >= seats_changed_at:
        return True
    return now - entry["rendered"] < settings.PAGE_CACHE_SEATS_SECONDS


def _new_version() -> None:
    try:
        _cache().set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except DatabaseError:
        logger.warning("Could not retire the cached catalogue pages", exc_info=True)


def _shared_by_anonymous(request) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    # No session cookie: anonymous, and known without a query. A pending message lives in its
    # own cookie (or in the session), and must reach only its visitor.
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _finish(response, etag: str, rendered_at: int):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(rendered_at)
    response["Cache-Control"] = CACHE_CONTROL
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    return response


def page_key(language: str, full_path: str) -> str:
    """The cache key of one address (path and query) in one language."""
    return "page:" + hashlib.sha256(f"{language}:{full_path}".encode()).hexdigest()


def cache_anonymous_page(view):
    """Serve ``view`` from the page cache to anonymous visitors (see the module's docstring).
    Only complete 200 answers that set no cookie are kept."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        seconds = settings.PAGE_CACHE_SECONDS
        if not seconds or not _shared_by_anonymous(request):
            return view(request, *args, **kwargs)
        cache = _cache()
        key = page_key(get_language(), request.get_full_path())
        try:
            found = cache.get_many([VERSION_KEY, SEATS_KEY, key])
        except DatabaseError:
            logger.warning("Page cache unreadable; rendering", exc_info=True)
            return view(request, *args, **kwargs)
        version = found.get(VERSION_KEY)
        if version is None:
            # First use, or the key was culled: start a version no entry can carry.
            version = uuid.uuid4().hex
            cache.add(VERSION_KEY, version, timeout=None)
            version = cache.get(VERSION_KEY, version)
        entry = found.get(key)
        now = time.time()
        if _current(entry, version, found.get(SEATS_KEY), now):
            etag, rendered_at = entry["etag"], entry["rendered_at"]
            # If-None-Match (weak comparison: a compressing proxy weakens the tag), then
            # If-Modified-Since, as RFC 9110 orders them: a 304 without decompressing the page.
            conditional = get_conditional_response(request, etag=etag, last_modified=rendered_at)
            if conditional is not None:
                return _finish(conditional, etag, rendered_at)
            body = zlib.decompress(entry["body"])
            response = HttpResponse(body, content_type=entry["content_type"])
            return _finish(response, etag, rendered_at)

        response = view(request, *args, **kwargs)
        if isinstance(response, SimpleTemplateResponse):
            response = response.render()
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        body = response.content
        etag = quote_etag(hashlib.sha256(body).hexdigest()[:32])
        rendered_at = int(now)
        entry = {
            "format": ENTRY_FORMAT,
            "version": version,
            "etag": etag,
            "rendered": now,  # to compare with seat changes
            "rendered_at": rendered_at,  # Last-Modified
            "content_type": response["Content-Type"],
            # Compressed: a page is ~50 kB of HTML, ~6 kB compressed (the table stores base64).
            "body": zlib.compress(body, 1),
        }
        try:
            cache.set(key, entry, timeout=seconds)
        except DatabaseError:
            logger.warning("Page cache unwritable", exc_info=True)
        # Rendered again (a change elsewhere, or the entry expired), perhaps the same page still:
        # only the ETag can tell, since a date has one-second steps and the page just changed.
        response = get_conditional_response(request, etag=etag, response=response)
        return _finish(response, etag, rendered_at)

    return wrapper
