"""The load-scale population shared by the server benchmarks (throughput, memory, mixed load).

One PostgreSQL database (``nmt_bench_load``, or ``BENCH_LOAD_DB``), filled once:

- 2,000 agencies; the first, ``bench-load-agency``, has a coordinator and 500 staff with
  credentials (the dashboard benchmark signs in as its coordinator);
- 30,000 people (users with unusable passwords), most of them members of an agency;
- 10,000 trainings (about 18,000 sessions over ~900 days, 90 % published), hosted by agencies;
- 100,000 registrations on the published and cancelled trainings, about 5,000 of them by the
  agency's staff. On each training the first ``capacity`` active ones are confirmed and the rest
  waitlisted, and ``seats_taken`` is the confirmed count (the check constraint needs it);
- 10,000 library resources, text generated with ``bench/search.py``'s vocabulary;
- a handful of member accounts with a real password and a verified address, for the locust
  scenario's sign-in through the real form (``MEMBER_EMAILS``, ``MEMBER_PASSWORD``).

``prepare()`` creates the database if missing, migrates it, and populates it unless the marker
row says this version of the population is already there (a changed version drops the data and
starts again). Rows are written with ``bulk_create`` in large batches: about 40 seconds.
``catalogue_query()`` and ``LIBRARY_QUERIES`` are what the load asks for (wrk, memory, locust).

This module imports only the standard library at the top, so the locust file can read the
account names from it without Django.
"""

import datetime as dt
import os
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DB_NAME = os.environ.get("BENCH_LOAD_DB", "nmt_bench_load")
DATABASE_URL = f"postgres://root@{HOST}:5432/{DB_NAME}"

N_AGENCIES = 2_000
N_PEOPLE = 30_000
N_TRAININGS = 10_000
N_REGISTRATIONS = 100_000
N_RESOURCES = 10_000
STAFF = 500  # of the dashboard's agency, besides its coordinator
STAFF_SHARE = 0.05  # of the registrations, taken by that agency's staff
# Bump when the population changes: the next run drops the old rows and fills again.
VERSION = "load-v1"

AGENCY_SLUG = "bench-load-agency"
COORDINATOR_EMAIL = "coordinator@bench.example.org"
MEMBER_PASSWORD = "bench-member-password-2026"  # noqa: S105 - bench-only accounts
MEMBER_EMAILS = [f"member{i}@bench.example.org" for i in range(8)]

TOPICS = [
    "regulation", "sensory", "relational", "classroom", "supervision", "caregivers",
    "assessment", "leadership", "rhythm", "attunement", "resilience", "metrics",
]  # fmt: skip
# What the load asks for: the real filter values of trainings/filters.py, words the catalogue
# search finds, and typical library searches (bench/search.py's vocabulary).
KINDS = ["concepts", "phase_1", "phase_2", "community_of_practice", "other"]
MODELS = ["nmt", "nme"]
FORMATS = ["in_person", "online", "hybrid"]
COUNTIES = ["alameda", "contra_costa", "marin", "napa", "san_francisco", "san_mateo",
            "santa_clara", "santa_cruz", "solano", "sonoma"]  # fmt: skip
WORDS = ["regulation", "sensory", "relational", "classroom", "supervision", "health campus"]
LIBRARY_QUERIES = ["calm corner", '"sensory room"', "drumming -classroom", "supervision",
                   "breathing rhythm", "caregiver", "classroom routine", "weighted blanket"]  # fmt: skip

VENUES = [
    ("Health Campus", "225 37th Ave, San Mateo, CA"),
    ("Family Resource Center", "1200 Broadway, Oakland, CA"),
    ("County Learning Center", "70 W Hedding St, San Jose, CA"),
    ("Community Hall", "1 Dr Carlton B Goodlett Pl, San Francisco, CA"),
    ("Unified District Office", "1001 Marina Way, Richmond, CA"),
]


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-h", HOST, "-U", "root", "-d", database, "-tAc", sql],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


def ensure_database() -> None:
    if not psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"):
        subprocess.run(["createdb", "-h", HOST, "-U", "root", DB_NAME], check=True)


def manage(*args: str, env: dict) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**os.environ, **env}, check=True
    )


def populated_version() -> str:
    """The population's version recorded in the database, "" when none is."""
    if not psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"):
        return ""
    if not psql("SELECT to_regclass('bench_population')", DB_NAME):
        return ""
    return psql("SELECT version FROM bench_population", DB_NAME)


def prepare(env: dict) -> None:
    """Create, migrate and (once) populate the database, then set Django up in this process with
    ``env`` (the server's environment). A database holding another version is dropped first."""
    version = populated_version()
    if version and version != VERSION:
        print(f"{DB_NAME} holds population {version!r}, not {VERSION!r}: dropping it", flush=True)
        subprocess.run(["dropdb", "-h", HOST, "-U", "root", "--force", DB_NAME], check=True)
    ensure_database()
    manage("migrate", "--no-input", "-v0", env=env)
    manage("createcachetable", "-v0", env=env)
    os.environ.update(env)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if version != VERSION:
        populate()


def populate() -> None:
    """Fill the freshly migrated database (about 40 s), then record the version."""
    from django.db import connection, transaction

    started = time.perf_counter()
    print(f"populating {DB_NAME} ({VERSION}), once…", flush=True)
    rng = random.Random(2026)
    with transaction.atomic():
        agencies = _agencies(rng)
        people, staff, memberships = _people(rng, agencies)
        trainings = _trainings(rng, agencies)
        _registrations(rng, trainings, people, staff, memberships)
        _resources(rng, agencies)
        _accounts(agencies)
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE bench_population (version text NOT NULL)")
            cursor.execute("INSERT INTO bench_population (version) VALUES (%s)", [VERSION])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"populated in {time.perf_counter() - started:.0f} s", flush=True)


def _agencies(rng: random.Random) -> list:
    from members.models import Agency, AgencyKind, County, NmtStatus

    counties = [c for c, _ in County.choices]
    agencies = [
        Agency(
            name="Bench Load Agency" if i == 0 else f"Agency {i:04d} {rng.choice(TOPICS).title()}",
            slug=AGENCY_SLUG if i == 0 else f"bench-agency-{i}",
            kind=rng.choice(AgencyKind.values),
            county=rng.choice(counties),
            city=rng.choice(["Oakland", "San Jose", "San Mateo", "Santa Rosa", "Napa"]),
            description="An agency of the benchmark. " * 8,
            nmt_status=rng.choice(NmtStatus.values),
            practises_nmt=rng.random() < 0.7,
            practises_nme=rng.random() < 0.4,
            practising_since=rng.randint(2010, 2025),
            sensory_spaces=rng.randint(0, 5),
        )
        for i in range(N_AGENCIES)
    ]
    return Agency.objects.bulk_create(agencies, batch_size=2000)


def _people(rng: random.Random, agencies: list):
    """People and memberships. Returns (people, the agency's staff, person id → agency)."""
    from django.contrib.auth.hashers import make_password

    from members.models import Credential, Membership, Person, Role, User

    unusable = make_password(None)
    emails = [COORDINATOR_EMAIL] + [f"person{i}@bench.example.org" for i in range(1, N_PEOPLE)]
    users = User.objects.bulk_create(
        (User(email=email, password=unusable) for email in emails), batch_size=5000
    )
    people = Person.objects.bulk_create(
        (Person(user=u, display_name=f"Person {i:05d}") for i, u in enumerate(users)),
        batch_size=5000,
    )
    agency = agencies[0]
    staff = people[1 : STAFF + 1]
    member_of = {}
    rows = []
    for i, person in enumerate(people):
        if i <= STAFF:
            target, role = agency, Role.COORDINATOR if i == 0 else Role.STAFF
        elif rng.random() < 0.85:
            target, role = rng.choice(agencies[1:]), Role.STAFF
        else:
            continue
        member_of[person.pk] = target
        rows.append(Membership(person=person, agency=target, role=role))
    Membership.objects.bulk_create(rows, batch_size=5000)
    levels = ["concepts", "phase_1", "phase_2", "mentor"]
    credentials = [
        Credential(person=p, level=level, model="nmt", earned_on=dt.date(2024, 1, 1),
                   source="coordinator")
        for p in people[: STAFF + 1] for level in levels[: rng.choice([1, 1, 2, 2, 3, 4])]
    ]  # fmt: skip
    credentials += [
        Credential(person=p, level=rng.choice(levels[:2]), model=rng.choice(["nmt", "nme"]),
                   earned_on=dt.date(2023, 6, 1), source="attendance")
        for p in people[STAFF + 1 :] if rng.random() < 0.25
    ]  # fmt: skip
    Credential.objects.bulk_create(credentials, batch_size=5000)
    return people, staff, member_of


def _trainings(rng: random.Random, agencies: list) -> list:
    from django.utils import timezone

    from members.models import County
    from trainings.models import Format, Kind, Model, Session, Status, Training

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    counties = [c for c, _ in County.choices]
    trainings, spans = [], []
    for i in range(N_TRAININGS):
        start = now + dt.timedelta(hours=rng.randint(-24 * 400, 24 * 500))
        count = rng.choice([1, 1, 1, 2, 4])
        sessions = [
            (start + dt.timedelta(days=7 * k), start + dt.timedelta(days=7 * k, hours=6))
            for k in range(count)
        ]
        spans.append(sessions)
        kind = rng.choice(Kind.values)
        topic = rng.choice(TOPICS)
        venue, address = rng.choice(VENUES)
        trainings.append(
            Training(
                title=f"{Kind(kind).label}: {topic} in practice ({i})",
                slug=f"bench-training-{i}",
                kind=kind,
                model=rng.choice(Model.values),
                summary=f"A {topic} training for clinicians, educators and caregivers.",
                description=(
                    f"## What you will learn\n\nHow {topic} fits the model, with "
                    f"**worked examples** and time for questions.\n\n" + "Body text. " * 30
                ),
                format=rng.choice(Format.values),
                venue_name=venue,
                venue_address=address,
                county=rng.choice(counties),
                capacity=rng.choice([12, 16, 20, 24, 30, 40]),
                host_agency=rng.choice(agencies),
                contact_email="trainings@bench.example.org",
                status=rng.choices([Status.PUBLISHED, Status.DRAFT, Status.CANCELLED], [90, 7, 3])[
                    0
                ],
                starts_at=sessions[0][0],
                ends_at=sessions[-1][1],
            )
        )
    trainings = Training.objects.bulk_create(trainings, batch_size=2000)
    Session.objects.bulk_create(
        (
            Session(training=t, starts_at=s, ends_at=e)
            for t, sessions in zip(trainings, spans, strict=True)
            for s, e in sessions
        ),
        batch_size=5000,
    )
    return trainings


def _registrations(rng, trainings, people, staff, member_of) -> None:
    """N_REGISTRATIONS spread at random over the listed trainings; seats_taken kept exact."""
    from django.utils import timezone

    from trainings.models import Registration, Status, Training

    now = timezone.now()
    listed = [t for t in trainings if t.status in (Status.PUBLISHED, Status.CANCELLED)]
    per_training = Counter(rng.choices(range(len(listed)), k=N_REGISTRATIONS))
    others = people[STAFF + 1 :]
    rows = []
    for index, count in per_training.items():
        training = listed[index]
        chosen = set()
        while len(chosen) < count:
            pool = staff if rng.random() < STAFF_SHARE else others
            chosen.add(rng.choice(pool))
        confirmed = 0
        for n, person in enumerate(sorted(chosen, key=lambda p: p.pk)):
            arrived = training.starts_at - dt.timedelta(days=30, hours=count - n)
            cancelled = training.status == Status.CANCELLED or rng.random() < 0.06
            if cancelled:
                status = "cancelled"
            elif confirmed < training.capacity:
                status, confirmed = "confirmed", confirmed + 1
            else:
                status = "waitlisted"
            past = training.ends_at < now
            rows.append(
                Registration(
                    training=training,
                    person=person,
                    agency=member_of.get(person.pk),
                    status=status,
                    arrived_at=arrived,
                    confirmed_at=arrived if status == "confirmed" else None,
                    cancelled_at=arrived + dt.timedelta(days=1) if cancelled else None,
                    attendance=(
                        rng.choice(["attended"] * 6 + ["absent"])
                        if past and status == "confirmed"
                        else ""
                    ),
                )
            )
        training.seats_taken = confirmed
    Registration.objects.bulk_create(rows, batch_size=5000)
    Training.objects.bulk_update(listed, ["seats_taken"], batch_size=2000)


def _resources(rng: random.Random, agencies: list) -> None:
    """Library resources, their text drawn from bench/search.py's Zipf-like vocabulary."""
    from django.utils import timezone

    from bench import search
    from resources.models import Audience, Resource, ResourceKind, ResourceModel, Topic

    words, cum_weights = search.vocabulary(rng)

    def text(low: int, high: int) -> str:
        return " ".join(rng.choices(words, cum_weights=cum_weights, k=rng.randint(low, high)))

    now = timezone.now()
    resources = [
        Resource(
            title=text(3, 8).capitalize(),
            slug=f"bench-resource-{n}",
            summary=text(12, 30).capitalize() + ".",
            body="\n\n".join(text(40, 90) + "." for _ in range(rng.randint(1, 4))),
            kind=rng.choice(ResourceKind.values),
            model=rng.choice(ResourceModel.values),
            external_url=f"https://example.org/r/{n}",
            visibility="members" if rng.random() < 0.25 else "public",
            status=rng.choices(["published", "draft", "archived"], [92, 5, 3])[0],
            featured=n < 8,
            featured_order=n,
            contributed_agency=rng.choice(agencies),
            published_at=now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 900)),
        )
        for n in range(N_RESOURCES)
    ]
    resources = Resource.objects.bulk_create(resources, batch_size=2000)
    for resource in resources[:8]:
        resource.status, resource.visibility = "published", "public"
    Resource.objects.bulk_update(resources[:8], ["status", "visibility"])
    topics, audiences = list(Topic.objects.all()), list(Audience.objects.all())
    Resource.topics.through.objects.bulk_create(
        (
            Resource.topics.through(resource_id=r.pk, topic_id=t.pk)
            for r in resources
            for t in rng.sample(topics, rng.randint(1, 2))
        ),
        batch_size=5000,
    )
    Resource.audiences.through.objects.bulk_create(
        (
            Resource.audiences.through(resource_id=r.pk, audience_id=rng.choice(audiences).pk)
            for r in resources
        ),
        batch_size=5000,
    )


def _accounts(agencies: list) -> None:
    """The member accounts of the locust scenario: a real password (hashed once), a verified
    address, a person and one agency (so registering needs no choice of agency)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password

    from members.models import Membership, Person, User

    password = make_password(MEMBER_PASSWORD)
    users = User.objects.bulk_create(User(email=e, password=password) for e in MEMBER_EMAILS)
    people = Person.objects.bulk_create(
        Person(user=u, display_name=f"Bench member {i}") for i, u in enumerate(users)
    )
    Membership.objects.bulk_create(Membership(person=p, agency=agencies[1]) for p in people)
    coordinator = User.objects.get(email=COORDINATOR_EMAIL)
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True)
        for u in [*users, coordinator]
    )


def signed_in_session(email: str) -> str:
    """A session key of ``email``'s user, written straight to the database (no sign-in form,
    no password hashing). The server must share this process's SECRET_KEY."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from members.models import User

    user = User.objects.get(email=email)
    store = SessionStore()
    store.update(
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
    )
    store.set_expiry(dt.timedelta(days=1))
    store.create()
    store.save()
    return store.session_key


def sample_paths(kind: str, count: int, seed: int = 1) -> list[str]:
    """Paths of real pages of the population: ``training`` (upcoming, published), ``resource``
    (published, public)."""
    from django.utils import timezone

    from resources.models import Resource
    from trainings.models import Training

    rng = random.Random(seed)
    if kind == "training":
        slugs = list(
            Training.objects.published()
            .filter(starts_at__gt=timezone.now())
            .values_list("slug", flat=True)
        )
        return [f"/trainings/{s}/" for s in rng.sample(slugs, min(count, len(slugs)))]
    slugs = list(
        Resource.objects.published().filter(visibility="public").values_list("slug", flat=True)
    )
    return [f"/resources/{s}/" for s in rng.sample(slugs, min(count, len(slugs)))]


# --- What the load asks for ---------------------------------------------------------------------


def catalogue_query(rng: random.Random) -> dict:
    """Random filters, drawn like bench/wrk/catalogue.lua."""
    params = {}
    if rng.random() < 0.5:
        params["kind"] = rng.choice(KINDS)
    if rng.random() < 0.3:
        params["model"] = rng.choice(MODELS)
    if rng.random() < 0.3:
        params["format"] = rng.choice(FORMATS)
    if rng.random() < 0.25:
        params["county"] = rng.choice(COUNTIES)
    if rng.random() < 0.2:
        params["open"] = "1"
    if rng.random() < 0.1:
        params["q"] = rng.choice(WORDS)
    if len(params) <= 1 and rng.random() < 0.25:
        params["page"] = str(rng.randint(2, 10))
    return params
