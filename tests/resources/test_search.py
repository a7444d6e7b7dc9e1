"""Library search on PostgreSQL: ranking, web-search syntax, snippets, gating, filters, paging and
bad input. The selector is ``resources.selectors.library_search``; the page is ``/resources/``."""

import re
from html import unescape

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from resources import selectors
from resources.models import Resource, ResourceKind, ResourceModel, ResourceStatus, Visibility
from tests.factories import UserFactory
from tests.resources.factories import ResourceFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="full-text search runs on PostgreSQL"
    ),
]

LIST = reverse("resources:list")


def titles(response) -> list[str]:
    return [resource.title for resource, _snippet in response.context["results"]]


def search(client, **params):
    return client.get(LIST, params)


def days_ago(days: int):
    return timezone.now() - timezone.timedelta(days=days)


# --- Relevance and syntax ---------------------------------------------------------------------


def _plan(results) -> str:
    """PostgreSQL's plan for the search's query, with sequential scans and sorts forbidden:
    small tables tempt the planner into scanning, so this shows what it *can* use."""
    sql, params = results.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE resources_resource")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_title_match_outranks_a_summary_match_which_outranks_a_body_match(client):
    # Created in the opposite order, and the body match is the newest: only rank orders them.
    ResourceFactory(
        title="Notes from a workshop",
        summary="What the teams said.",
        body="The amygdala came up again and again.",
        published_at=days_ago(1),
    )
    ResourceFactory(
        title="A guide for teachers",
        summary="Why the amygdala matters in class.",
        body="Practical steps.",
        published_at=days_ago(2),
    )
    ResourceFactory(
        title="The amygdala, explained",
        summary="A one-page handout.",
        body="Short and simple.",
        published_at=days_ago(3),
    )
    ResourceFactory(title="Unrelated", summary="Nothing here.", body="Nothing at all.")

    response = search(client, q="amygdala")

    assert response.status_code == 200
    assert titles(response) == [
        "The amygdala, explained",
        "A guide for teachers",
        "Notes from a workshop",
    ]


def test_search_matches_word_forms_through_stemming(client):
    ResourceFactory(title="Regulating the room", summary="Co-regulation in practice.")
    assert titles(search(client, q="regulate")) == ["Regulating the room"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('"sensory room"', {"Building a sensory room"}),
        ("sensory room", {"Building a sensory room", "A room for sensory breaks"}),
        ("sensory -room", {"Sensory diets at home"}),
        ("diets or breaks", {"Sensory diets at home", "A room for sensory breaks"}),
        ('"sensory diets" or "sensory room"', {"Building a sensory room", "Sensory diets at home"}),
    ],
    ids=["quoted-phrase", "all-words", "exclude", "or", "phrases-or"],
)
def test_web_search_syntax(client, q, expected):
    ResourceFactory(title="Building a sensory room", summary="Step by step.")
    ResourceFactory(title="A room for sensory breaks", summary="Short breaks help.")
    ResourceFactory(title="Sensory diets at home", summary="For caregivers.")
    ResourceFactory(title="Supervision notes", summary="Reflective practice.")

    assert set(titles(search(client, q=q))) == expected


def test_sort_by_newest_orders_matches_by_publication_date(client):
    ResourceFactory(title="Regulation: the old one", published_at=days_ago(300))
    ResourceFactory(title="Regulation: the new one", published_at=days_ago(1))
    ResourceFactory(title="Mid", body="regulation regulation regulation", published_at=days_ago(50))

    response = search(client, q="regulation", sort="newest")

    assert titles(response) == ["Regulation: the new one", "Mid", "Regulation: the old one"]


def test_without_a_query_the_library_lists_newest_first(client):
    ResourceFactory(title="Older", published_at=days_ago(10))
    ResourceFactory(title="Newer", published_at=days_ago(1))
    assert titles(search(client)) == ["Newer", "Older"]


def test_only_published_resources_are_found(client):
    for status in ResourceStatus:
        ResourceFactory(title=f"Attachment {status.label}", status=status)
    assert titles(search(client, q="attachment")) == ["Attachment Published"]


# --- Snippets ---------------------------------------------------------------------------------


def results_section(response) -> str:
    """The results part of the page (the search box above echoes the query)."""
    page = response.content.decode()
    return page[page.index('<section aria-labelledby="results-heading">') :]


def snippets(response) -> list[str]:
    return re.findall(
        r'<p class="resource-card__snippet">(.*?)</p>', response.content.decode(), re.S
    )


def test_snippets_highlight_the_matched_words(client):
    ResourceFactory(
        title="Notes",
        body="Teams found that a predictable rhythm helps children regulate before learning.",
    )

    (snippet,) = snippets(search(client, q="rhythm"))

    assert "<mark>rhythm</mark>" in snippet
    assert "predictable" in snippet


def test_snippets_escape_html_from_the_body(client):
    ResourceFactory(
        title="Notes",
        body='The <script>alert("x")</script> rhythm & <b>bold</b> claims of the "rhythm" day.',
    )

    response = search(client, q="rhythm")

    (snippet,) = snippets(response)
    assert "<mark>rhythm</mark>" in snippet
    # PostgreSQL's headline drops what its parser takes for tags; the rest is escaped.
    assert "alert(&quot;x&quot;)" in snippet
    assert "&amp;" in snippet
    assert "&quot;<mark>rhythm</mark>&quot;" in snippet
    # Only our <mark> tags are markup in a snippet.
    assert set(re.findall(r"</?(\w+)", snippet)) == {"mark"}
    assert "<script" not in results_section(response)


def test_snippets_escape_angle_brackets_that_are_not_tags(client):
    ResourceFactory(title="Notes", body="When rhythm < 3 beats and x<script>y, slow down.")

    (snippet,) = snippets(search(client, q="rhythm"))

    assert "&lt;" in snippet
    assert set(re.findall(r"</?(\w+)", snippet)) == {"mark"}


def test_snippet_function_escapes_and_only_adds_marks():
    resource = Resource(title="x")
    resource.headline = "<img src=x onerror=alert(1)> \x02calm\x03 & <b>"
    assert selectors.snippet(resource) == (
        "&lt;img src=x onerror=alert(1)&gt; <mark>calm</mark> &amp; &lt;b&gt;"
    )


# --- Members-only gating in the list and snippets ---------------------------------------------

SECRET = "Our incident review found the night shift understaffed at Harbor House"


@pytest.fixture
def members_only(db):
    return ResourceFactory(
        title="Debrief template",
        summary="How our team runs a debrief after a hard day.",
        body=f"{SECRET}. Debrief rhythm matters.",
        visibility=Visibility.MEMBERS,
    )


def test_anonymous_visitors_find_members_only_resources_by_title_and_summary(client, members_only):
    response = search(client, q="debrief")

    page = unescape(results_section(response))
    assert titles(response) == ["Debrief template"]  # listed, with its lock...
    assert "Members only" in page
    for words in ("incident review", "night shift", "understaffed", "Harbor House"):
        assert words not in page  # ...but not a word of its body
    (snippet,) = snippets(response)
    assert "How our team runs a debrief" in unescape(re.sub(r"</?mark>", "", snippet))


@pytest.mark.parametrize("q", ["understaffed", "harbor house", '"night shift"', "debrief incident"])
def test_a_word_only_in_a_members_only_body_finds_nothing_for_anonymous_visitors(
    client, members_only, q
):
    response = search(client, q=q)

    assert titles(response) == []
    page = unescape(results_section(response))
    assert "0 resources" in page
    assert "Nothing matches yet." in page
    assert snippets(response) == []
    assert "Debrief template" not in page


def test_a_word_only_in_a_members_only_body_cannot_exclude_it_for_anonymous_visitors(
    client, members_only
):
    """``-understaffed`` leaving the resource out would tell that its body has the word."""
    assert titles(search(client, q="debrief -understaffed")) == ["Debrief template"]


def test_a_members_only_body_does_not_rank_it_for_anonymous_visitors(client, members_only):
    """Its body says “debrief” once more than the public one's: only signed-in people see
    that."""
    ResourceFactory(
        title="Debrief template for schools",
        summary="How a school team runs a debrief after a hard day.",
        body="Keep it short.",
        published_at=members_only.published_at - timezone.timedelta(days=1),
    )
    _filterset, results, _searching = selectors.library_search(
        user=AnonymousUser(), data={"q": "debrief"}
    )
    public, members = sorted(results, key=lambda r: r.visibility == Visibility.MEMBERS)
    assert public.rank == pytest.approx(members.rank)


def test_signed_in_members_see_body_snippets_of_members_only_resources(client, members_only):
    client.force_login(UserFactory())

    response = search(client, q="understaffed")

    assert titles(response) == ["Debrief template"]
    assert "1 resource" in unescape(results_section(response))
    (snippet,) = snippets(response)
    assert "<mark>understaffed</mark>" in snippet
    assert "night shift" in snippet
    assert titles(search(client, q="debrief -understaffed")) == []


def test_anonymous_snippets_of_public_resources_quote_the_body(client):
    ResourceFactory(title="Open notes", body="Some public words about understaffed evenings.")
    (snippet,) = snippets(search(client, q="understaffed"))
    assert "<mark>understaffed</mark>" in snippet


def test_selector_gives_anonymous_users_the_summary_headline_for_members_only(members_only):
    _filterset, results, searching = selectors.library_search(
        user=AnonymousUser(), data={"q": "debrief"}
    )
    (resource,) = results
    assert searching
    assert "understaffed" not in resource.headline
    assert resource.headline.startswith("How our team runs")


@pytest.mark.parametrize(("signed_in", "found"), [(False, []), (True, ["Debrief template"])])
def test_the_simple_fallback_search_keeps_members_only_bodies_for_members(
    members_only, signed_in, found
):
    """The embedded SQLite default searches with ``icontains``; the same rule holds there."""
    results = selectors._fallback_search(
        Resource.objects.published(), "understaffed", signed_in=signed_in
    )
    assert [r.title for r in results] == found
    results = selectors._fallback_search(Resource.objects.published(), "debrief", signed_in=False)
    assert [r.title for r in results] == ["Debrief template"]


# --- Filters ----------------------------------------------------------------------------------


ALL = {
    "Topic match", "Other topic", "A tool", "For educators", "NMT only", "NME only", "Both models",
}  # fmt: skip


@pytest.fixture
def catalogue(topic, other_topic, audience):
    return {
        "topic": ResourceFactory(title="Topic match", topics=[topic]),
        "other-topic": ResourceFactory(title="Other topic", topics=[other_topic]),
        "tool": ResourceFactory(title="A tool", kind=ResourceKind.TOOL),
        "audience": ResourceFactory(title="For educators", audiences=[audience]),
        "nmt": ResourceFactory(title="NMT only", model=ResourceModel.NMT),
        "nme": ResourceFactory(title="NME only", model=ResourceModel.NME),
        "both": ResourceFactory(title="Both models", model=ResourceModel.BOTH),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"topic": "sensory-regulation"}, {"Topic match"}),
        ({"topic": "supervision"}, {"Other topic"}),
        ({"kind": "tool"}, {"A tool"}),
        ({"audience": "educators"}, {"For educators"}),
        # Every resource but two is for both models (the default), and so matches either.
        ({"model": "nmt"}, ALL - {"NME only"}),
        ({"model": "nme"}, ALL - {"NMT only"}),
        ({"model": "nmt", "kind": "tool"}, {"A tool"}),
        ({"model": "nmt", "topic": "supervision", "audience": "educators"}, set()),
    ],
    ids=[
        "topic", "other-topic", "kind", "audience", "model-nmt", "model-nme", "model-and-kind",
        "nothing-matches-all",
    ],
)  # fmt: skip
def test_filters(client, catalogue, params, expected):
    response = search(client, **params)
    assert response.status_code == 200
    assert set(titles(response)) == expected


def test_filters_combine_with_a_query(client, catalogue, topic):
    ResourceFactory(title="Sensory guide", summary="Regulation first.", topics=[topic])
    ResourceFactory(title="Another regulation guide", summary="Regulation first.")

    response = search(client, q="regulation", topic=topic.slug)

    assert titles(response) == ["Sensory guide"]


# --- Paging and the empty state ---------------------------------------------------------------


def test_paging_stops_after_page_100(client):
    ResourceFactory()
    assert search(client, page="101").status_code == 404
    assert search(client, page="1").status_code == 200


# "²" passes str.isdigit() but not int().
@pytest.mark.parametrize("page", ["0", "-1", "abc", "2", "1e3", "last", "²", "9" * 30])
def test_odd_page_numbers_never_fail(client, page):
    ResourceFactory()
    assert search(client, page=page).status_code in {200, 404}


def test_pages_of_twenty(client):
    for n in range(25):
        ResourceFactory(title=f"Guide {n:02d}", published_at=days_ago(n))

    first, second = search(client), search(client, page="2")

    assert len(titles(first)) == 20
    assert titles(second) == [f"Guide {n:02d}" for n in range(20, 25)]
    assert "Page 2 of 2" in second.content.decode()


def test_no_match_shows_the_helpful_empty_state(client):
    ResourceFactory(title="Supervision notes")

    response = search(client, q="zebrafish")

    page = response.content.decode()
    assert response.status_code == 200
    assert "0 resources" in page
    assert "Nothing matches yet." in page
    assert "Try other words or fewer filters." in page
    assert "See the whole library" in page
    assert reverse("resources:share") in page


# --- Bad input: a message, never a 500 --------------------------------------------------------


# A NUL byte never reaches the search form: RejectNulMiddleware answers 400 first
# (tests/portal/test_middleware.py).
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "a" * 5000}, "Ensure this value has at most 200 characters (it has 5000)."),
        ({"topic": "no-such-topic"}, "Select a valid choice."),
        ({"audience": "martians"}, "Select a valid choice."),
        ({"kind": "podcast"}, "Select a valid choice."),
        ({"model": "both"}, "Select a valid choice."),
        ({"sort": "random"}, "Select a valid choice."),
    ],
    ids=[
        "5000-char-q", "unknown-topic", "unknown-audience", "unknown-kind", "unknown-model",
        "unknown-sort",
    ],
)  # fmt: skip
def test_bad_search_input_is_answered_with_a_form_message(client, params, message):
    ResourceFactory(title="Calm room")

    response = search(client, **params)

    page = unescape(response.content.decode())
    assert response.status_code == 400
    assert "Please correct the search above." in page
    if message:
        assert message in page
    assert "Nothing matches yet." not in page
    assert titles(response) == []


@pytest.mark.parametrize(
    "q",
    ['"', "-", "--", "or", "the", "!!!", "a & b | c", "(", "')", "\\", ":*", "<->", "'; DROP"],
)
def test_queries_made_of_syntax_or_stop_words_find_nothing_without_failing(client, q):
    ResourceFactory(title="The calm room")

    response = search(client, q=q)

    assert response.status_code == 200


def test_unknown_parameters_are_ignored(client):
    ResourceFactory(title="Calm room")
    response = search(client, utm_source="newsletter", colour="blue")
    assert response.status_code == 200
    assert titles(response) == ["Calm room"]


def test_a_long_query_within_the_limit_works(client):
    ResourceFactory(title="Calm room")
    response = search(client, q=" ".join(["calm"] * 39))  # 194 characters
    assert response.status_code == 200
    assert titles(response) == ["Calm room"]


# --- The GIN index ----------------------------------------------------------------------------


def test_the_search_query_can_use_the_gin_index():
    Resource.objects.bulk_create(
        Resource(
            title=f"Resource {n} about {'sensory' if n % 500 == 0 else 'supervision'}",
            slug=f"gin-{n}",
            summary="A generated summary.",
            body="Generated body text " * 5,
            kind=ResourceKind.GUIDE,
            external_url="https://example.org/x",
            status=ResourceStatus.PUBLISHED,
            published_at=timezone.now(),
        )
        for n in range(5000)
    )
    _filterset, results, _searching = selectors.library_search(
        user=AnonymousUser(), data={"q": "sensory"}
    )
    plan = _plan(results)

    assert "resource_search_vector_idx" in plan, plan
    assert "Bitmap Index Scan" in plan, plan


def test_an_anonymous_search_reads_both_partial_indexes():
    """Public resources through the whole vector's index, members-only ones through the
    title-and-summary one: no sequential scan of the library for either."""
    Resource.objects.bulk_create(
        Resource(
            title=f"Resource {n} about {'sensory' if n % 500 == 0 else 'supervision'}",
            slug=f"gin-both-{n}",
            summary="A generated summary.",
            body="Generated body text " * 5,
            kind=ResourceKind.GUIDE,
            external_url="https://example.org/x",
            status=ResourceStatus.PUBLISHED,
            visibility=Visibility.MEMBERS if n % 2 else Visibility.PUBLIC,
            published_at=timezone.now(),
        )
        for n in range(5000)
    )
    _filterset, results, _searching = selectors.library_search(
        user=AnonymousUser(), data={"q": "sensory"}
    )
    plan = _plan(results)

    assert "resource_search_vector_idx" in plan, plan
    assert "resource_members_head_idx" in plan, plan
