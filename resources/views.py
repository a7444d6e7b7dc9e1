from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import DetailView

from members import selectors as member_selectors
from members.services import person_for_user
from portal.exceptions import ApplicationError
from portal.forms import parse_id
from portal.listing import FilteredListView

from . import selectors, services, uploads
from .forms import ShareForm

# Deep pages get slow and nobody reads them: refine the search instead.
MAX_PAGE = 100


class ResourceListView(FilteredListView):
    template_name = "resources/resource_list.html"
    context_object_name = "resources"
    paginate_by = 20

    def get_queryset(self):
        # The selector ranks and annotates the filtered results itself.
        self.filterset, queryset, self.searching = selectors.library_search(
            user=self.request.user, data=self.request.GET
        )
        return queryset

    def paginate_queryset(self, queryset, page_size):
        if (parse_id(self.request.GET.get("page")) or 1) > MAX_PAGE:
            raise Http404(_("Refine the search to see further results."))
        return super().paginate_queryset(queryset, page_size)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["searching"] = self.searching
        context["results"] = [
            (resource, selectors.snippet(resource) if self.searching else "")
            for resource in context["resources"]
        ]
        return context


class ResourceDetailView(DetailView):
    template_name = "resources/resource_detail.html"
    context_object_name = "resource"

    def get_queryset(self):
        return selectors.resource_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_read"] = selectors.can_read(resource=self.object, user=self.request.user)
        return context


def resource_download(request, slug: str):
    """Serve a library file as an attachment; members-only files need a signed-in member."""
    resource = get_object_or_404(selectors.resource_detail_queryset(), slug=slug)
    if not resource.file:
        raise Http404(_("This resource has no file."))
    if not selectors.can_read(resource=resource, user=request.user):
        query = urlencode({"next": resource.get_absolute_url()})
        return redirect(f"{reverse('account_login')}?{query}")
    response = FileResponse(
        resource.file.open("rb"),
        as_attachment=True,
        # Named after the detected type, also for files stored before names were.
        filename=uploads.file_name(resource.file.name, resource.file_type, default=resource.slug),
        content_type=resource.file_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def resource_share(request):
    person = person_for_user(user=request.user)
    agencies = [m.agency for m in member_selectors.my_active_memberships(person=person)]
    form = ShareForm(request.POST or None, request.FILES or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.resource_propose(
                person=person,
                title=data["title"],
                summary=data["summary"],
                body=data["body"],
                kind=data["kind"],
                model=data["model"],
                language=data["language"],
                topics=data["topics"],
                audiences=data["audiences"],
                upload=data.get("file"),
                external_url=data.get("external_url", ""),
                agency=data.get("agency"),
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Thank you! Curators will review your proposal and email you."),
            )
            return redirect("resources:list")
    return render(
        request, "resources/share.html", {"form": form}, status=400 if form.errors else 200
    )
