import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.exceptions import ApplicationError

from .. import selectors, services
from ..models import Membership, MembershipState


@require_POST
@login_required
def me_calendar_regenerate(request):
    """A new secret address for my calendar feed; the old one stops working."""
    person = services.person_for_user(user=request.user)
    services.calendar_token_regenerate(person=person)
    messages.success(
        request,
        _(
            "Your calendar feed has a new address. The old one no longer works: add the new "
            "one to your calendar app."
        ),
    )
    return redirect(reverse("members:me") + "#calendar-heading")


@login_required
def me_export(request):
    data = selectors.person_data_export(user=request.user)
    data["exported_at"] = timezone.now().isoformat()
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="my-nmt-portal-data.json"'
    return response


@require_POST
@login_required
def me_invitation(request, membership_id: int):
    """Accept or decline an invitation shown on my page."""
    membership = get_object_or_404(
        Membership,
        pk=membership_id,
        person__user=request.user,
        state=MembershipState.INVITED,
    )
    accept = request.POST.get("answer") == "accept"
    try:
        services.membership_respond_to_invitation(membership=membership, accept=accept)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Welcome to %(agency)s.") % {"agency": membership.agency.name}
            if accept
            else _("Invitation declined."),
        )
    return redirect("members:me")
