"""The token pages on /me/tokens/: list, create (the token shown once), revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.services import person_for_user

from . import selectors, services
from .forms import TokenForm


@login_required
def tokens(request):
    person = person_for_user(user=request.user)
    created = None
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                token, raw = services.token_create(person=person, **form.cleaned_data)
            except services.TokenError as error:
                form.add_error(None, error.message)
            else:
                created = {"token": token, "raw": raw}
                form = TokenForm()
    else:
        form = TokenForm()
    response = render(
        request,
        "api/tokens.html",
        {"form": form, "created": created, "tokens": selectors.my_tokens(person=person)},
        status=400 if form.errors else 200,
    )
    # The page may show a new token: never kept by a browser's cache or a proxy.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def token_revoke(request, token_id: int):
    person = person_for_user(user=request.user)
    token = get_object_or_404(selectors.my_tokens(person=person), pk=token_id)
    services.token_revoke(token=token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("tokens:list")
