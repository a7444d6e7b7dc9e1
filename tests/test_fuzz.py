"""Hostile input at every URL of the project: nothing answers 5xx.

One test per URL pattern (``tests/url_world.py`` walks the resolver: the portal's, allauth's and
every admin URL, named or not), and ``test_the_fuzz_visits_every_url_name`` compares those cases
with the names the resolver knows. Each URL is requested as a visitor, a signed-in member, a
coordinator of agency A and a superuser, first plainly, with its arguments naming objects of
``world``; the form fields and link query keys of that page join ``GET_KEYS`` and ``POST_KEYS``.
Then, for each value of ``FORM_VALUES`` (NUL, bytes that aren't UTF-8 with 10,000 characters,
"²", -1 and 30 nines):

- a GET with every query key set to it, and one with only the keys of the page's own links (the
  admin's list filters and date hierarchy: mixed with keys it doesn't know, the admin would stop
  before applying them), then each of those keys alone, each with another value;
- a POST (urlencoded) with every form field set to it;

and a GET with the URL's arguments set to each ``HOSTILE`` value their converter lets through.
Where a role can't get past a door that reads nothing (the admin for non-staff, allauth for
the coordinator and the superuser), it gets a short round instead (``round_for``). Each
request runs in a savepoint that is rolled back, so every one meets the same world (a hostile
POST may delete the object or sign the user out) and a database error cannot poison the
requests after it.
"""

import functools
import html
import logging
import re
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern

from tests import url_world
from tests.url_world import ADMIN, ALLAUTH, ROUTES, admin_urls, allauth_url, url_for

pytestmark = pytest.mark.django_db

world = url_world.world
admin_world = url_world.admin_world

ROLES = ("anonymous", "member", "coordinator_a", "superuser")

HOSTILE: dict[str, str | bytes] = {
    "nul": "\x00",
    "bad_utf8": b"\xff\xfe",  # percent-encoded as %FF%FE: not UTF-8
    "superscript": "²",  # str.isdigit() says yes, int() says no
    "long": "x" * 10_000,
    "negative": "-1",
    "huge": "9" * 30,  # past any integer column
}
# What a browser sends for these bytes, once Django has decoded the URL (the converters see it).
DECODED = {"bad_utf8": "%FF%FE"}
# In a query string or a form, bytes that aren't UTF-8 are decoded like any text (to U+FFFD):
# they travel with the long string there, which saves a sixth of the requests.
FORM_VALUES: dict[str, str | bytes] = {
    "nul": HOSTILE["nul"],
    "bad_utf8+long": HOSTILE["bad_utf8"] + HOSTILE["long"].encode(),
    "superscript": HOSTILE["superscript"],
    "negative": HOSTILE["negative"],
    "huge": HOSTILE["huge"],
}

GET_KEYS = (
    "q", "page", "month", "kind", "county", "model", "format", "start_after", "start_before",
    "open", "status", "when", "training", "stage", "topic", "audience", "sort", "email", "next",
    "sent", "o", "p", "e", "_changelist_filters",
)  # fmt: skip
POST_KEYS = (
    "agency", "people", "person", "email", "name", "next", "action", "_selected_action",
    "answer", "decision", "role", "password", "login", "code", "month", "q",
)  # fmt: skip

FIELD_NAME = re.compile(r"<(?:input|select|textarea|button)\b[^>]*?\bname=\"([^\"]+)\"")
LINK_QUERY = re.compile(r"href=\"[^\"?]*\?([^\"]*)\"")
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def real_url(route, request) -> str:
    if route.group == ADMIN:
        return admin_urls(route, request.getfixturevalue("admin_world"))[0]
    if route.group == ALLAUTH:
        return allauth_url(route.name)
    return url_for(route.name, request.getfixturevalue("world"))


def page_keys(response) -> tuple[set[str], set[str]]:
    """The form field names and the query keys of the links on an HTML page."""
    if not response.get("Content-Type", "").startswith("text/html"):
        return set(), set()
    text = response.content.decode(errors="replace")
    fields = {html.unescape(name) for name in FIELD_NAME.findall(text)}
    keys = set()
    for query in LINK_QUERY.findall(text):
        keys.update(key for key, _ in parse_qsl(html.unescape(query), keep_blank_values=True))
    return fields, keys


def hostile_paths(route, url: str) -> dict[str, str]:
    """The URL with its arguments set to each hostile value their converters accept."""
    pattern = route.pattern.pattern
    if not isinstance(pattern, RoutePattern) or not pattern.converters:
        return {}
    real = resolve(urlsplit(url).path).kwargs
    paths = {}
    for label, value in HOSTILE.items():
        decoded = DECODED.get(label, value)
        fits = {
            name
            for name, converter in pattern.converters.items()
            if re.fullmatch(converter.regex, decoded)
        }
        if not fits:
            continue

        def fill(match, fits=fits, value=value):
            name = match.group(2)
            return quote(value, safe="") if name in fits else quote(str(real[name]), safe="")

        paths[label] = "/" + PARAM.sub(fill, route.route)
    return paths


def send(client, method, url, body=None):
    """One request in a savepoint that is rolled back. A streamed body is read to its end (an
    error there would reach the visitor as a cut-off download); the client closes the rest."""
    savepoint = transaction.savepoint()
    try:
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(
                url, body or "", content_type="application/x-www-form-urlencoded"
            )
        if response.streaming:
            b"".join(response.streaming_content)
    finally:
        transaction.savepoint_rollback(savepoint)
    return response


@functools.cache
def _quoted(value: str | bytes) -> str:
    return quote_plus(value)


def encoded(data: dict) -> str:
    """``urlencode``, quoting each 10,000-character value once rather than for every key."""
    return "&".join(f"{_quoted(key)}={_quoted(value)}" for key, value in data.items())


# An inline formset's form count. Django caps it (absolute_max: 2,000 forms here), so 30 nines
# there would only make the admin build and render 2,000 blank forms, a tenth of the fuzz's
# time: with the huge number, the count is 1 and the one form's fields get 30 nines instead.
FORM_COUNT = re.compile(r"-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$")


def form_data(keys, label: str, value) -> dict:
    """Every key with ``value``, but for the huge number in a formset's form count."""
    return {key: "1" if label == "huge" and FORM_COUNT.search(key) else value for key in keys}


def rotated(keys, values) -> dict:
    """Each key with one of ``values``, in turn."""
    return {key: values[index % len(values)] for index, key in enumerate(sorted(keys))}


def short_round(url: str):
    """(label, method, URL, body): one GET and one POST, the hostile values spread over the
    keys, for a role that gets no further than the door (see ``round_for``)."""
    base = url.split("?", 1)[0]
    others = [value for label, value in FORM_VALUES.items() if label != "nul"]
    yield "mixed", "GET", f"{base}?{encoded(rotated(GET_KEYS, others))}", None
    yield "mixed", "POST", url, encoded(rotated(POST_KEYS, others))


def full_round(route, url, probe):
    """(label, method, URL, urlencoded body) of each hostile request for one role."""
    fields, link_keys = page_keys(probe)
    base = url.split("?", 1)[0]
    # Form fields go in the query too: the admin's add forms take their initial values there.
    query_keys = set(GET_KEYS) | link_keys | fields
    post_keys = set(POST_KEYS) | fields
    # The keys the page's own links use (the admin's list filters, its date hierarchy), apart:
    # the admin refuses a lookup it doesn't know before it applies the others.
    own_keys = link_keys - set(GET_KEYS)
    for label, value in FORM_VALUES.items():
        yield label, "GET", f"{base}?{encoded(dict.fromkeys(query_keys, value))}", None
        if own_keys:
            yield label, "GET", f"{base}?{encoded(dict.fromkeys(own_keys, value))}", None
        yield label, "POST", url, encoded(form_data(post_keys, label, value))
    # Each of those keys alone, each with another value (all of them alone is too slow).
    for key, value in rotated(own_keys, list(FORM_VALUES.values())).items():
        yield "alone", "GET", f"{base}?{encoded({key: value})}", None
    for label, path in hostile_paths(route, base).items():
        yield label, "GET", path, None


def fuzz(client, route, url, *, short: bool) -> list[str]:
    """The requests that answered 5xx, each with its exception."""
    failures = []

    def check(label, method, target, response):
        if response.status_code >= 500:
            error = response.exc_info[1] if response.exc_info else None
            failures.append(
                f"{method} {target[:120]} [{label}] -> {response.status_code} {error!r:.300}"
            )

    if short:
        for label, method, target, body in short_round(url):
            check(label, method, target, send(client, method, target, body))
        return failures
    probe = send(client, "GET", url)
    check("plain", "GET", url, probe)
    # A method the view refuses (405) is refused before it reads anything: once a request of
    # that method (NUL aside, which the middleware answers) has met a 405, the rest are skipped.
    refused = {"GET"} if probe.status_code == 405 else set()
    for label, method, target, body in full_round(route, url, probe):
        if method in refused and label != "nul":
            continue
        response = send(client, method, target, body)
        check(label, method, target, response)
        if response.status_code == 405 and label != "nul":
            refused.add(method)
    return failures


def round_for(route, role: str, user) -> str:
    """ "short" where the role gets no further than a door that reads nothing, else "full".

    The admin sends anyone without staff access to sign in before its view runs
    (tests/members/test_permissions.py proves it for every admin URL). allauth's views look at
    the account alone, never at the portal's roles: the member's full round covers a signed-in
    person there, so the coordinator and the superuser get the short one. The middleware's NUL
    check is met by every full round.
    """
    if route.group == ADMIN and not (user and user.is_staff):
        return "short"
    if route.group == ALLAUTH and role in ("coordinator_a", "superuser"):
        return "short"
    return "full"


# The admin's own sign-in form answers no URL: the portal's admin_login takes its address (see
# tests/members/test_permissions.py), so a request for it opens that view instead.
# Two of the API's names share a path with another: one view serves both operations (the list
# and registering), or the reference page under two names.
SHADOWED = {
    "admin:login": "admin_login",
    "api:my_register": "api:my_registrations",
    "api:api-root": "api:openapi-view",
}


def opens(url: str, route) -> bool:
    """Whether ``url`` is served by the pattern under test."""
    match = resolve(urlsplit(url).path)
    if route.name:
        return match.view_name == SHADOWED.get(route.name, route.name)
    return match.route == route.route.replace("^", "")


@pytest.fixture
def _quiet_request_log():
    """Thousands of 4xx (and any 5xx) would be logged: the assertion says what matters."""
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.mark.usefixtures("_quiet_request_log")
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_hostile_input_gets_no_server_error(request, route):
    url = real_url(route, request)
    assert opens(url, route), url
    failures = []
    for role in ROLES:
        client = Client(raise_request_exception=False)
        user = request.getfixturevalue(role)
        if user is not None:
            client.force_login(user)
        short = round_for(route, role, user) == "short"
        failures += [f"{role}: {failure}" for failure in fuzz(client, route, url, short=short)]
    assert failures == [], "\n".join(failures)


def _resolver_names(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _resolver_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name


def test_the_fuzz_visits_every_url_name():
    """Every URL name the resolver knows (namespaced ones and the admin's included) is one of
    the fuzz's cases, and so is every unnamed pattern."""
    visited = {route.name for route in ROUTES if route.name}
    assert visited == set(_resolver_names(get_resolver().url_patterns))
    assert len(ROUTES) == len({str(route) for route in ROUTES}), "two cases share an id"
