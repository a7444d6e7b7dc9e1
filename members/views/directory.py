from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView

from portal.exceptions import ApplicationError

from .. import selectors, services
from ..models import Agency


class AgencyListView(ListView):
    template_name = "members/agency_list.html"
    context_object_name = "agencies"
    paginate_by = 24

    def get_queryset(self):
        self.filterset = selectors.agency_directory(data=self.request.GET)
        if self.filters_invalid:
            return self.filterset.queryset.none()
        return self.filterset.qs

    @property
    def filters_invalid(self) -> bool:
        return self.filterset.is_bound and not self.filterset.is_valid()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["filters_active"] = any(v for k, v in self.request.GET.items() if k != "page")
        return context

    def render_to_response(self, context, **response_kwargs):
        if self.filters_invalid:
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)


class AgencyDetailView(DetailView):
    model = Agency
    template_name = "members/agency_detail.html"
    context_object_name = "agency"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agency = self.object
        context["figures"] = selectors.agency_figures(agency=agency)
        context["hosted_trainings"] = selectors.agency_hosted_trainings(agency=agency)
        context["my_membership"] = selectors.membership_of(user=self.request.user, agency=agency)
        return context


@require_POST
@login_required
def agency_request_join(request, slug):
    agency = get_object_or_404(Agency, slug=slug)
    try:
        membership = services.membership_request(user=request.user, agency=agency)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if membership.state == "active":
            messages.success(
                request, _("You are now a member of %(agency)s.") % {"agency": agency.name}
            )
        else:
            messages.success(
                request,
                _("Your request to join %(agency)s was sent to its coordinators.")
                % {"agency": agency.name},
            )
    return redirect(agency.get_absolute_url())
