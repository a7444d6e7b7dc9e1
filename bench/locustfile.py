"""Mixed load on the portal: browsing the catalogue, the library, and registering, with locust.

One kind of user, whose tasks are weighted so that the *requests* split about
80 % catalogue, 15 % library and 5 % registration:

- **catalogue** (80 %): the list with random filters (50 %; the same draw as
  ``bench/wrk/catalogue.lua``), a training's page found in the last list seen (20 %), the month
  calendar of one of the next six months (10 %);
- **library** (15 %): the list, a search, a resource's page found in the last results (5 % each);
- **registration** (5 %, in journeys of 4 requests): signed in, open the page of a training with
  free seats, register through its form (POST ``/trainings/<slug>/register/`` with the form's
  CSRF token), open the page again (it must say "You're registered." and show the cancel form),
  cancel through that form (POST ``/me/trainings/<id>/cancel/``), so seats stay available.

Signing in goes through the real allauth form (GET ``/accounts/login/`` for the CSRF token, POST
the email and password): allauth allows 30 sign-ins a minute from one address, so only
``BENCH_MEMBERS`` (4) accounts sign in, once each, in ``on_start``; the users share them (user
*n* takes account *n* mod 4) through their own cookie jars. Each user registers only for the
trainings of its own catalogue page (``/trainings/?kind=concepts&open=1&page=2+n``), so two users
on one account never race for one training.

Every answer is checked (status, and for the registration the page's content); a failed check is
a locust failure. The request event hook keeps every response time by group (the part of the
name before ":") and writes group percentiles and failures to ``BENCH_LOCUST_SUMMARY`` (JSON) when
the run ends.

    .venv/bin/python bench/mixed.py              # starts gunicorn, runs this file, prints tables
    locust -f bench/locustfile.py --headless -u 16 -r 4 -t 5m --host http://127.0.0.1:8011

``BENCH_WAIT`` is the think time between tasks, "0.1-0.5" seconds by default; ``BENCH_REGISTER=0``
leaves the registration journeys out.
"""

import datetime as dt
import email.utils
import itertools
import json
import os
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from gevent.lock import Semaphore
from locust import HttpUser, between, events, task
from locust.clients import HttpSession

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.population import (
    LIBRARY_QUERIES,
    MEMBER_EMAILS,
    MEMBER_PASSWORD,
    catalogue_query,
)

MEMBERS = MEMBER_EMAILS[: int(os.environ.get("BENCH_MEMBERS", "4"))]
WAIT = [float(s) for s in os.environ.get("BENCH_WAIT", "0.1-0.5").split("-")]
# BENCH_REGISTER=0 leaves the registration journeys out (and signs nobody in): the same browsing
# without seat changes, which retire the page cache.
REGISTER = os.environ.get("BENCH_REGISTER", "1") != "0"

TRAINING_LINK = re.compile(r'href="(/trainings/[a-z0-9-]+/)"')
RESOURCE_LINK = re.compile(r'href="(/resources/(?!share/)[a-z0-9-]+/)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CANCEL_FORM = re.compile(r'action="(/me/trainings/\d+/cancel/)"')
RESERVED = {"/trainings/calendar/", "/trainings/past/"}


# --- Group statistics ---------------------------------------------------------------------------

SAMPLES: dict[str, list[float]] = defaultdict(list)
FAILURES: dict[str, int] = defaultdict(int)
CACHE = {"hits": 0, "renders": 0}


@events.request.add_listener
def _record(name, response_time, exception, **_kwargs):
    group = name.split(":", 1)[0]
    SAMPLES[group].append(response_time)
    if exception:
        FAILURES[group] += 1


@events.quitting.add_listener
def _write_summary(environment, **_kwargs):
    path = os.environ.get("BENCH_LOCUST_SUMMARY")
    if not path:
        return

    def pct(values: list[float], p: float) -> float:
        values = sorted(values)
        return values[min(len(values) - 1, int(len(values) * p))] if values else 0.0

    groups = {
        group: {
            "requests": len(values),
            "failures": FAILURES[group],
            "p50": pct(values, 0.50),
            "p95": pct(values, 0.95),
            "p99": pct(values, 0.99),
        }
        for group, values in SAMPLES.items()
    }
    Path(path).write_text(json.dumps({"groups": groups, "catalogue_cache": CACHE}, indent=1))


# --- The members' sessions -----------------------------------------------------------------------

_sessions: dict[str, str] = {}
_signing_in = {email: Semaphore() for email in MEMBERS}
_numbers = itertools.count()


class PortalUser(HttpUser):
    wait_time = between(*WAIT)

    def on_start(self) -> None:
        self.number = next(_numbers)
        self.rng = random.Random(self.number)
        self.trainings: list[str] = []
        self.resources: list[str] = []
        self.member = HttpSession(
            base_url=self.host, request_event=self.environment.events.request, user=self
        )
        self.registrable: list[str] = []
        if not REGISTER:
            return
        account = MEMBERS[self.number % len(MEMBERS)]
        with _signing_in[account]:
            if account not in _sessions:
                _sessions[account] = self.sign_in(account)
            else:
                self.member.cookies.set("sessionid", _sessions[account])
        # This user's own registrable trainings: one catalogue page, no other user's.
        page = self.member.get(
            f"/trainings/?kind=concepts&open=1&page={2 + self.number}",
            name="setup: registrable trainings",
        )
        self.registrable = [p for p in TRAINING_LINK.findall(page.text) if p not in RESERVED]

    def sign_in(self, account: str) -> str:
        """The real sign-in form: its CSRF token, then email and password. Returns the session."""
        form = self.member.get("/accounts/login/", name="setup: sign-in form")
        token = CSRF.search(form.text).group(1)
        with self.member.post(
            "/accounts/login/",
            data={"login": account, "password": MEMBER_PASSWORD, "csrfmiddlewaretoken": token},
            allow_redirects=False,
            name="setup: sign in",
            catch_response=True,
        ) as response:
            session = self.member.cookies.get("sessionid")
            if response.status_code != 302 or not session:
                response.failure(f"sign-in of {account} answered {response.status_code}")
                raise RuntimeError(f"could not sign in {account}")
        return session

    def page(self, path: str, name: str, **kwargs):
        with self.client.get(path, name=name, catch_response=True, **kwargs) as response:
            if response.status_code != 200:
                response.failure(f"{path} answered {response.status_code}")
            return response

    # --- Catalogue (320 of 400 task weights: 80 % of the requests) -----------------------------------------------------------------------

    @task(200)
    def catalogue_list(self) -> None:
        started = time.time()
        response = self.page("/trainings/", "catalogue: list", params=catalogue_query(self.rng))
        links = [p for p in TRAINING_LINK.findall(response.text) if p not in RESERVED]
        self.trainings = links or self.trainings
        modified = response.headers.get("Last-Modified")
        if modified:  # the page cache: a hit carries the time it was rendered, earlier
            rendered = email.utils.parsedate_to_datetime(modified).timestamp()
            CACHE["hits" if rendered < int(started) else "renders"] += 1

    @task(80)
    def training_page(self) -> None:
        if not self.trainings:
            return self.catalogue_list()
        self.page(self.rng.choice(self.trainings), "catalogue: training page")

    @task(40)
    def calendar(self) -> None:
        month = dt.datetime.now(dt.UTC).date().replace(day=1) + dt.timedelta(
            days=31 * self.rng.randint(0, 5)
        )
        self.page("/trainings/calendar/", "catalogue: calendar", params={"month": f"{month:%Y-%m}"})

    # --- Library (60 of 400: 15 %) -------------------------------------------------------------------------

    def _library(self, params: dict, name: str) -> None:
        response = self.page("/resources/", name, params=params)
        self.resources = RESOURCE_LINK.findall(response.text) or self.resources

    @task(20)
    def library_list(self) -> None:
        self._library({"page": str(self.rng.randint(1, 5))}, "library: list")

    @task(20)
    def library_search(self) -> None:
        self._library({"q": self.rng.choice(LIBRARY_QUERIES)}, "library: search")

    @task(20)
    def resource_page(self) -> None:
        if not self.resources:
            return self.library_list()
        self.page(self.rng.choice(self.resources), "library: resource page")

    # --- Registration (5 journeys of 4 requests: 20 of 400, 5 %) ---------------------------------------------------

    @task(5 if REGISTER else 0)
    def register_and_cancel(self) -> None:
        if not self.registrable:
            return
        path = self.rng.choice(self.registrable)
        with self.member.get(path, name="register: training page", catch_response=True) as page:
            action = f'action="{path}register/"'
            token = CSRF.search(page.text)
            if page.status_code != 200 or action not in page.text or not token:
                page.failure(f"{path}: no registration form (status {page.status_code})")
                return
        with self.member.post(
            f"{path}register/",
            data={"csrfmiddlewaretoken": token.group(1)},
            allow_redirects=False,
            name="register: POST register",
            catch_response=True,
        ) as response:
            if response.status_code != 302 or not response.headers["Location"].endswith(path):
                response.failure(f"register {path}: {response.status_code}")
                return
        with self.member.get(path, name="register: page, registered", catch_response=True) as page:
            cancel = CANCEL_FORM.search(page.text)
            token = CSRF.search(page.text)
            if 'class="state state--ok"' not in page.text:
                page.failure(f"{path}: not shown as registered after registering")
            if not (cancel and token):
                page.failure(f"{path}: no cancel form after registering")
                return
        with self.member.post(
            cancel.group(1),
            data={"csrfmiddlewaretoken": token.group(1), "next": "detail"},
            allow_redirects=False,
            name="register: POST cancel",
            catch_response=True,
        ) as response:
            if response.status_code != 302 or not response.headers["Location"].endswith(path):
                response.failure(f"cancel on {path}: {response.status_code}")
