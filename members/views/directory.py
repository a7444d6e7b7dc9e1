from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.exceptions import ApplicationError
from portal.listing import FilteredListView

from .. import selectors, services
from ..images import stored_logo_type
from ..models import Agency


class AgencyListView(FilteredListView):
    template_name = "members/agency_list.html"
    context_object_name = "agencies"
    paginate_by = 24

    def get_filterset(self):
        return selectors.agency_directory(data=self.request.GET)


def agency_logo(request, slug):
    """An agency's logo, read through the storage API: the same code serves it from the media
    folder or from S3 (FILE_STORAGE), no web process needs the file on its own disk, and the
    page keeps its Content-Security-Policy (images from this host only)."""
    agency = selectors.agency_with_logo(slug=slug)
    logo = agency.logo.open("rb")
    content_type = stored_logo_type(logo)
    if content_type is None:
        logo.close()
        raise Http404
    response = FileResponse(logo, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    # The page links the logo with its agency's last change (?v=...), so a new logo is a new URL.
    response["Cache-Control"] = "public, max-age=86400"
    return response


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
