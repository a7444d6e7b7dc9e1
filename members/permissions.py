"""The one place that decides who may open an agency's manage area."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from . import selectors


def coordinator_required(view):
    """Calls ``view(request, agency, ...)`` for coordinators of the agency in the URL.

    Anonymous visitors are sent to sign in. Active staff of the agency who are not coordinators
    are refused (403: they know the agency). Everyone else gets 404, as if the page did not exist.
    """

    @login_required
    @wraps(view)
    def wrapper(request, slug, *args, **kwargs):
        try:
            agency = selectors.coordinated_agency(user=request.user, slug=slug)
        except Http404:
            if selectors.is_member(user=request.user, slug=slug):
                raise PermissionDenied("Only the agency's coordinators can manage it.") from None
            raise
        return view(request, agency, *args, **kwargs)

    return wrapper
