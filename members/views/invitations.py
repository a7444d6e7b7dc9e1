from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal import languages
from portal.exceptions import ApplicationError

from .. import selectors, services
from ..forms import AcceptInvitationForm


def invitation(request, token: str):
    """The emailed invitation link. Works for new people, signed-in people and others."""
    try:
        invitation = services.invitation_from_token(token=token)
    except services.InvitationError as error:
        return render(
            request, "members/invitation_invalid.html", {"message": error.message}, status=410
        )
    has_account = selectors.account_exists(email=invitation.email)
    user = request.user if request.user.is_authenticated else None
    form = None
    if user is None and not has_account:
        form = AcceptInvitationForm(
            request.POST or None,
            email=invitation.email,
            initial={
                "display_name": f"{invitation.first_name} {invitation.last_name}".strip(),
            },
        )
    if request.method == "POST":
        try:
            if user is not None:
                services.invitation_accept(
                    invitation=invitation, user=user, language=languages.current()
                )
            elif form is not None and form.is_valid():
                user = services.invitation_accept(
                    invitation=invitation,
                    password=form.cleaned_data["password1"],
                    display_name=form.cleaned_data["display_name"],
                    language=languages.current(),
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                return _page(request, invitation, form, has_account, status=400)
        except ApplicationError as error:
            messages.error(request, error.message)
            return _page(request, invitation, form, has_account, status=400)
        messages.success(request, _("Welcome to %(agency)s.") % {"agency": invitation.agency.name})
        return redirect("members:me")
    return _page(request, invitation, form, has_account)


def _page(request, invitation, form, has_account, status=200):
    return render(
        request,
        "members/invitation.html",
        {"invitation": invitation, "form": form, "has_account": has_account},
        status=status,
    )
