"""The one place that decides who may open an agency's manage area."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from . import selectors


def _coordinated_agency(request, slug: str):
    try:
        return selectors.coordinated_agency(user=request.user, slug=slug)
    except Http404:
        if selectors.is_member(user=request.user, slug=slug):
            raise PermissionDenied(_("Only the agency's coordinators can manage it.")) from None
        raise


def coordinator_required(view):
    """Calls ``view(request, agency, ...)`` for coordinators of the agency in the URL.

    Anonymous visitors are sent to sign in. Active staff of the agency who are not coordinators
    are refused (403: they know the agency). Everyone else gets 404, as if the page did not exist.
    """

    @login_required
    @wraps(view)
    def wrapper(request, slug, *args, **kwargs):
        return view(request, _coordinated_agency(request, slug), *args, **kwargs)

    return wrapper


class CoordinatorRequiredMixin(LoginRequiredMixin):
    """``coordinator_required`` for class-based views: sets ``self.agency`` from the URL's slug,
    with the same answers (sign in, 403 for the agency's other staff, 404 for everyone else)."""

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.agency = _coordinated_agency(request, kwargs["slug"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(agency=self.agency, **kwargs)
