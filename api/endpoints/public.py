"""Public endpoints, no token: the catalogue, the library, the community's figures."""

from django.contrib.auth.models import AnonymousUser
from django.shortcuts import get_object_or_404
from ninja import Query, Router

from community.selectors import community_figures
from resources.selectors import library_search
from trainings.selectors import training_catalogue, training_detail_queryset

from ..schemas import (
    FiguresOut,
    ResourcePage,
    ResourceQuery,
    TrainingOut,
    TrainingPage,
    TrainingQuery,
)
from .lists import filtered, filters, paged

router = Router(tags=["public"])


@router.get("trainings/", response=TrainingPage, summary="Upcoming trainings")
def trainings(request, query: Query[TrainingQuery]):
    """The catalogue's trainings, soonest first, with its filters: `q`, `kind`, `model`,
    `format`, `county`, `start_after`, `start_before`, `open`."""
    queryset = filtered(training_catalogue(data=filters(request)))
    return paged(request, queryset, order=("starts_at", "pk"))


@router.get("trainings/{slug}/", response=TrainingOut, summary="One training")
def training(request, slug: str):
    """A training as its page shows it to a visitor (published or cancelled, not drafts)."""
    return get_object_or_404(training_detail_queryset(user=AnonymousUser()), slug=slug)


@router.get("resources/", response=ResourcePage, summary="Library resources")
def resources(request, query: Query[ResourceQuery]):
    """Published resources, newest first, with the library's filters (`q` searches; members-only
    resources are listed, their text is not searched)."""
    data = filters(request)
    data["sort"] = "newest"
    filterset, queryset, _searching = library_search(user=AnonymousUser(), data=data)
    filtered(filterset)
    return paged(request, queryset, order=("-published_at", "-pk"))


@router.get("figures/", response=FiguresOut, summary="The community's figures")
def figures(request):
    data = community_figures()
    return {
        "year": data["year"],
        "agencies": data["agencies"],
        "agencies_by_status": [
            {"value": value, "count": count} for _label, count, value in data["by_status"]
        ],
        "agencies_by_county": [
            {"value": value, "count": count} for value, count in sorted(data["by_county"].items())
        ],
        "people_by_stage": data["stages"],
        "trainings_held": data["trainings_held"],
        "meetings_held": data["meetings_held"],
        "meeting_attendance": data["meeting_attendance"],
    }
