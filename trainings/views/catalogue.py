from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import DetailView

from portal import languages
from portal.listing import FilteredListView
from portal.pagecache import cache_anonymous_page

from .. import ics, selectors
from ..calendar import MonthForm, month_grid, place_sessions
from ..structured_data import event_jsonld


class FilteredTrainingList(FilteredListView):
    """A catalogue list fed by a selector returning a FilterSet."""

    selector = staticmethod(selectors.training_catalogue)
    paginate_by = 20
    context_object_name = "trainings"

    def get_filterset(self):
        return self.selector(data=self.request.GET)


@method_decorator(cache_anonymous_page, name="dispatch")
class TrainingListView(FilteredTrainingList):
    template_name = "trainings/training_list.html"


class TrainingArchiveView(FilteredTrainingList):
    selector = staticmethod(selectors.training_archive)
    template_name = "trainings/training_archive.html"


@method_decorator(cache_anonymous_page, name="dispatch")
class TrainingDetailView(DetailView):
    template_name = "trainings/training_detail.html"
    context_object_name = "training"

    def get_queryset(self):
        return selectors.training_detail_queryset(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        training = self.object
        context["sessions"] = list(training.sessions.all())
        context["other_dates"] = selectors.training_other_dates(training=training)
        context["jsonld"] = event_jsonld(training) if training.starts_at else ""
        context["viewer"] = selectors.viewer_state(user=self.request.user, training=training)
        context["materials"] = selectors.training_materials(training=training)
        return context


@cache_anonymous_page
def calendar_view(request):
    form = MonthForm(request.GET or None)
    status = 200
    first = timezone.localdate().replace(day=1)
    if form.is_bound:
        if form.is_valid():
            first = (form.cleaned_data["month"] or first).replace(day=1)
        else:
            status = 400
    month = month_grid(first)
    sessions = selectors.sessions_between(start=month.grid_start, end=month.grid_end)
    place_sessions(month, sessions)
    return render(request, "trainings/calendar.html", {"month": month, "form": form}, status=status)


def _ics_response(body: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def training_ics(request, slug: str):
    training = get_object_or_404(selectors.training_detail_queryset(user=request.user), slug=slug)
    return _ics_response(
        ics.build_calendar([training], name=training.title), filename=f"{training.slug}.ics"
    )


def feed_ics(request):
    filterset = selectors.training_feed(data=request.GET)
    if filterset.is_bound and not filterset.is_valid():
        reasons = "; ".join(
            f"{field}: {' '.join(errors)}" for field, errors in filterset.errors.items()
        )
        return HttpResponse(
            _("Invalid filter — %(reasons)s") % {"reasons": reasons},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    trainings = filterset.qs[: selectors.FEED_LIMIT]
    return _ics_response(
        ics.build_calendar(trainings, name=_("NMT Community of Practice trainings")),
        filename="nmt-trainings.ics",
    )


def series_ics(request, slug: str):
    """A community-of-practice series as a calendar to subscribe to: its public meetings."""
    series, meetings = selectors.series_feed(slug=slug)
    return _ics_response(
        ics.build_calendar(meetings, name=series.title), filename=f"{series.slug}.ics"
    )


def my_calendar_ics(request, token: str):
    """A person's own feed: the trainings they hold a confirmed seat at. Calendar apps fetch it
    without signing in, so the secret token is the key; an unknown one answers 404."""
    person, trainings = selectors.personal_calendar(token=token)
    # Calendar apps send no cookie: the feed speaks the person's saved language.
    with translation.override(languages.for_person(person.language)):
        body = ics.build_calendar(trainings, name=_("My NMT trainings"))
    response = _ics_response(body, filename="my-nmt-trainings.ics")
    # Personal: never kept by a shared cache, never indexed.
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
