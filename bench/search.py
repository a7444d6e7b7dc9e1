"""Library search at scale: 100,000 resources on PostgreSQL.

Times typical queries through the selector (``resources.selectors.library_search``) the way the
list page runs them: the count, then the first page of 20 with its snippets and topics. Prints
p50/p95 over 30 runs each, the number of matching rows, the ``EXPLAIN ANALYZE`` plan of a typical
query (a Bitmap Index Scan on ``resource_search_vector_idx``), and the same words searched with a plain
``icontains`` over title, summary and body for comparison. See bench/README.md for the figures.

The text is generated: a vocabulary of about 200 words from the field plus 6,000 made-up words,
drawn with Zipf-like frequencies, so a few words are in most resources and most words are rare.
"""

import os
import random
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = os.environ.get("BENCH_DB", "nmt_bench_search")
os.environ.setdefault("DATABASE_URL", f"postgres://root@127.0.0.1:5432/{DB_NAME}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
os.environ["DEBUG"] = "false"
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

N_RESOURCES = int(os.environ.get("BENCH_RESOURCES", "100000"))
REPEAT = 30
BATCH = 2000
# DEBUG is off for realistic timings; static files are not collected for the benchmark.
warnings.filterwarnings("ignore", "No directory at")

# Words from the field, most frequent first (the order sets their Zipf rank).
FIELD_WORDS = """
children regulation team practice school family support staff sensory classroom brain stress
relational safety calm connection routine caregiver teacher therapist trauma development
session assessment rhythm activity learning behavior response plan young youth adult parent
clinician educator coordinator leader supervision leadership implementation metrics model
environment strategy training agency program community health care service county district
emotional physical movement music breathing walking drumming swinging rocking pressure weight
blanket room corner space quiet noise light schedule morning afternoon evening transition
check-in debrief reflection note worksheet guide tool video recording slide deck article story
reading writing play art drawing game outdoor garden animal dog horse water sand clay
memory attention focus arousal state window tolerance threshold trigger cue signal pattern
repetition dose frequency duration intensity timing sequence bottom-up top-down cortex limbic
diencephalon brainstem neural network growth change outcome measure score review data report
goal progress meeting coaching mentoring feedback observation fidelity sustainability culture
policy budget funding grant partner collaboration referral intake screening history timeline
relationship trust attunement co-regulation self-regulation resilience wellbeing burnout
""".split()
STOP_WORDS = """
the and of to a in for is that with on as it we our by this at from be are was were or an
their they have has each one
""".split()
RARE_WORD = "metronome"  # put in exactly RARE_DOCS resources
RARE_DOCS = 40
SYLLABLES = "ka lo mi ne ru ta po si de va lu mo be ri na go fe zo ha ki".split()


def ensure_database() -> None:
    exists = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "root", "-d", "root", "-tAc",
         f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "root", DB_NAME], check=True)


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """The words with cumulative Zipf weights. Stop words take the top ranks, as in real text
    (the ``english`` configuration drops them); the field's words are spread over ranks 30 to
    about 3,000 among the made-up ones, so "children" is in about a quarter of the resources and
    "supervision" in about 3 %."""
    made_up = set()
    while len(made_up) < 6000:
        made_up.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    words = sorted(made_up)
    for rank, word in enumerate(FIELD_WORDS):
        words.insert(rank * 15, word)
    words = STOP_WORDS + words
    weights, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += 1 / rank**1.05
        weights.append(total)
    return words, weights


def populate() -> None:
    from django.db import connection
    from django.utils import timezone

    from members.models import Agency
    from resources.models import Resource, ResourceKind, ResourceModel, Topic, Visibility

    if Resource.objects.count() >= N_RESOURCES:
        return
    Resource.objects.all().delete()
    rng = random.Random(100_000)
    words, cum_weights = vocabulary(rng)
    rare = set(rng.sample(range(N_RESOURCES), RARE_DOCS))
    agencies = [
        Agency.objects.get_or_create(slug=f"bench-agency-{i}", defaults={"name": f"Agency {i}"})[0]
        for i in range(40)
    ]
    topics = list(Topic.objects.all())
    now = timezone.now()

    def text(low: int, high: int) -> str:
        return " ".join(rng.choices(words, cum_weights=cum_weights, k=rng.randint(low, high)))

    index = next(i for i in Resource._meta.indexes if i.name == "resource_search_vector_idx")
    # Build the GIN index once at the end: much faster than updating it row by row.
    with connection.schema_editor() as editor:
        editor.remove_index(Resource, index)
    for start in range(0, N_RESOURCES, BATCH):
        batch = []
        for n in range(start, min(start + BATCH, N_RESOURCES)):
            body_paragraphs = [text(40, 90) + "." for _ in range(rng.randint(1, 4))]
            if n in rare:
                body_paragraphs[-1] += f" We kept time with a {RARE_WORD}."
            batch.append(
                Resource(
                    title=text(3, 8).capitalize(),
                    slug=f"bench-resource-{n}",
                    summary=text(12, 30).capitalize() + ".",
                    body="\n\n".join(body_paragraphs),
                    kind=rng.choice(ResourceKind.values),
                    model=rng.choice(ResourceModel.values),
                    external_url=f"https://example.org/r/{n}",
                    visibility=Visibility.MEMBERS if rng.random() < 0.25 else Visibility.PUBLIC,
                    status=rng.choices(["published", "draft", "archived"], [92, 5, 3])[0],
                    contributed_agency=rng.choice(agencies),
                    published_at=now - timezone.timedelta(minutes=rng.randint(0, 60 * 24 * 900)),
                )
            )
        created = Resource.objects.bulk_create(batch)
        Resource.topics.through.objects.bulk_create(
            Resource.topics.through(resource_id=r.pk, topic_id=t.pk)
            for r in created
            for t in rng.sample(topics, rng.randint(1, 2))
        )
        print(f"  {start + len(batch):>7} resources", end="\r", flush=True)
    print()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
    with connection.schema_editor() as editor:
        editor.add_index(Resource, index)
    print(f"GIN index built in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE resources_resource")


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def run_page(queryset) -> int:
    """What the list page does with the selector's queryset: count, then the first page."""
    count = queryset.count()
    rows = list(queryset[:20])
    for resource in rows:
        getattr(resource, "headline", None)
        list(resource.topics.all())
    return count


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Q

    from resources import selectors
    from resources.models import Resource

    call_command("migrate", verbosity=0)
    populate()
    total = Resource.objects.count()
    published = Resource.objects.published().count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_relation_size('resource_search_vector_idx'))")
        index_size = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('resources_resource'))")
        table_size = cursor.fetchone()[0]
    print(f"resources: {total:,} ({published:,} published); table {table_size}, GIN {index_size}")

    anonymous = AnonymousUser()
    queries = [
        ("single word", "sensory"),
        ("two words", "calm corner"),
        ("quoted phrase", '"sensory room"'),
        ("word -exclude", "drumming -classroom"),
        ("rare word", RARE_WORD),
        ("common word", "children"),
        ("no match", "zebrafish"),
    ]
    print(f"\nselector, count + first page of 20 ({REPEAT} runs each):")
    print(f"{'query':32s} {'matches':>8s} {'p50':>9s} {'p95':>9s}")
    for label, q in queries:
        samples = []
        while len(samples) < REPEAT:
            start = time.perf_counter()
            _filterset, results, _searching = selectors.library_search(
                user=anonymous, data={"q": q}
            )
            matches = run_page(results)
            samples.append((time.perf_counter() - start) * 1000)
            if len(samples) == 5 and min(samples) > 1000:
                break  # seconds per run: five runs tell enough
        p50, p95 = percentiles(samples)
        flag = "" if p95 < 50 else "   <- over 50 ms"
        runs = "" if len(samples) == REPEAT else f" ({len(samples)} runs)"
        print(f"{label + ': ' + q:32s} {matches:>8,} {p50:7.1f}ms {p95:7.1f}ms{flag}{runs}")

    print(f"\nplain icontains over title/summary/body, count + first page ({REPEAT // 3} runs):")
    for label, q in [("single word", "sensory"), ("rare word", RARE_WORD), ("no match", "zebra")]:
        samples = []
        for _ in range(REPEAT // 3):
            start = time.perf_counter()
            queryset = (
                Resource.objects.published()
                .filter(Q(title__icontains=q) | Q(summary__icontains=q) | Q(body__icontains=q))
                .select_related("contributed_agency")
                .prefetch_related("topics")
                .order_by("-published_at", "-pk")
            )
            matches = run_page(queryset)
            samples.append((time.perf_counter() - start) * 1000)
        p50, p95 = percentiles(samples)
        print(f"{label + ': ' + q:32s} {matches:>8,} {p50:7.1f}ms {p95:7.1f}ms")

    for label, q in [("typical query", "calm corner"), ("common word", "children")]:
        _filterset, results, _searching = selectors.library_search(user=anonymous, data={"q": q})
        sql, params = results[:20].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print(f"\nEXPLAIN ANALYZE ({label}: {q}, first page):")
            for (line,) in cursor.fetchall():
                print("  " + line)


if __name__ == "__main__":
    main()
