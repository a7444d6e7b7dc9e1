"""Reads for the library. Search is full-text on PostgreSQL (a GIN index on the weighted
title/summary/body vector, web-search syntax, ranked, with highlighted snippets) and a simple
``icontains`` fallback on the embedded SQLite default."""

import datetime as dt

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connection
from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from trainings.models import Training

from .filters import ResourceFilter
from .models import (
    SEARCH_CONFIG,
    Resource,
    ResourceStatus,
    TitleAndSummaryVector,
    Topic,
    Visibility,
)

# Snippet markers that cannot occur in text, swapped for <mark> after escaping.
_START, _STOP = "\x02", "\x03"


def _base(queryset: QuerySet[Resource]) -> QuerySet[Resource]:
    return queryset.select_related("contributed_agency").prefetch_related(
        Prefetch("topics", queryset=Topic.objects.order_by("name"))
    )


def library_search(*, user, data=None) -> tuple[ResourceFilter, QuerySet[Resource], bool]:
    """Published resources filtered by the GET ``data``; returns (filterset, results, searching).

    Members-only resources are listed for everyone (title and summary), but for someone who is
    not signed in their body takes no part in the search: a word found only there neither finds
    the resource nor ranks it, a ``-word`` cannot exclude it, and no snippet quotes it.
    """
    # The cards need neither the body nor the vector: leaving them out keeps the rank sort small.
    listed = _base(Resource.objects.published()).defer("body", "search_vector", "review_note")
    filterset = ResourceFilter(data or None, queryset=listed)
    if filterset.is_bound and not filterset.is_valid():
        return filterset, filterset.queryset.none(), False
    queryset = filterset.qs
    cleaned = filterset.form.cleaned_data if filterset.is_bound else {}
    q = (cleaned.get("q") or "").strip()
    sort = cleaned.get("sort") or ("relevance" if q else "newest")
    if not q:
        return filterset, queryset.order_by("-published_at", "-pk"), False
    signed_in = user.is_authenticated
    if connection.vendor == "postgresql":
        queryset = _postgres_search(queryset, q, signed_in=signed_in)
    else:
        queryset = _fallback_search(queryset, q, signed_in=signed_in)
    if sort == "newest":
        queryset = queryset.order_by("-published_at", "-pk")
    return filterset, queryset, True


def _postgres_search(queryset, q: str, *, signed_in: bool):
    query = SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)
    options = {"start_sel": _START, "stop_sel": _STOP, "max_words": 30, "min_words": 12}
    body = SearchHeadline("body", query, config=SEARCH_CONFIG, **options)
    if signed_in:
        return (
            queryset.filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query), headline=body)
            .order_by("-rank", "-published_at", "-pk")
        )
    # Two branches, each covered by its own partial GIN index: ``search_vector`` for public
    # resources, the title-and-summary vector for members-only ones (migration 0004).
    members_only = Q(visibility=Visibility.MEMBERS)
    title_and_summary = TitleAndSummaryVector("search_vector")
    summary = SearchHeadline("summary", query, config=SEARCH_CONFIG, **options)
    vector = Case(
        When(members_only, then=title_and_summary),
        default=F("search_vector"),
        output_field=SearchVectorField(),
    )
    return (
        queryset.alias(title_and_summary=title_and_summary)
        .filter(
            Q(visibility=Visibility.PUBLIC, search_vector=query)
            | (members_only & Q(title_and_summary=query))
        )
        .annotate(
            rank=SearchRank(vector, query),
            headline=Case(When(members_only, then=summary), default=body),
        )
        .order_by("-rank", "-published_at", "-pk")
    )


def _fallback_search(queryset, q: str, *, signed_in: bool):
    terms = [term for term in q.replace('"', " ").split() if term.lower() not in {"or", "and"}]
    terms = [term.lstrip("-") for term in terms if term.lstrip("-")][:10]
    if not terms:
        return queryset.none()
    # The body of a members-only resource is searched for signed-in people only.
    body_searched = Q() if signed_in else Q(visibility=Visibility.PUBLIC)
    condition = Q()
    for term in terms:
        condition &= (
            Q(title__icontains=term)
            | Q(summary__icontains=term)
            | (Q(body__icontains=term) & body_searched)
        )
    rank = Case(
        When(title__icontains=terms[0], then=Value(3)),
        When(summary__icontains=terms[0], then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        queryset.filter(condition)
        .annotate(rank=rank, headline=Value(""))
        .order_by("-rank", "-published_at", "-pk")
    )


def snippet(resource: Resource) -> SafeString:
    """The search headline, HTML-escaped, with the matched words in <mark>."""
    text = getattr(resource, "headline", "") or ""
    safe = escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>")
    return mark_safe(safe)  # noqa: S308 - escaped above; only our <mark> tags are added.


def resource_detail_queryset() -> QuerySet[Resource]:
    return (
        _base(Resource.objects.published())
        .prefetch_related(
            "audiences",
            Prefetch("trainings", queryset=Training.objects.listed().order_by("-starts_at")),
        )
        .select_related("contributed_by")
    )


def featured_resources(*, limit: int = 4) -> QuerySet[Resource]:
    return _base(Resource.objects.featured())[:limit]


def published_since(*, since: dt.datetime, limit: int = 10) -> list[Resource]:
    """Public resources published since ``since``, newest first (the monthly digest reaches
    people without an account)."""
    return list(
        Resource.objects.visible_to(None)
        .filter(published_at__gte=since)
        .order_by("-published_at", "-pk")[:limit]
    )


def can_read(*, resource: Resource, user) -> bool:
    return resource.visibility == Visibility.PUBLIC or user.is_authenticated


def submissions_waiting_count() -> int:
    """Members' proposals waiting for a curator's review."""
    return Resource.objects.filter(status=ResourceStatus.SUBMITTED).count()
