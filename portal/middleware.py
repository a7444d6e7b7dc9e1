from django.conf import settings
from django.http import HttpResponseBadRequest, QueryDict, UnreadablePostError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class RejectNulMiddleware:
    """Answers 400 for a NUL byte in the path, a query parameter or a form field (name or value).

    PostgreSQL refuses NUL in text, so such a value reaching any lookup (a token in the URL, an
    admin changelist filter or search, a raw ``request.POST.get``) would be a 500. No real
    address, link or form holds one: refusing the request here, once, covers every view, the
    admin and third-party apps included. Uploaded files are left alone (they are content, not
    text for the database).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _holds_nul(request.GET) or _holds_nul(_form(request)):
            return HttpResponseBadRequest(
                _("Bad request: NUL byte in the address or the form."),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def _form(request) -> QueryDict:
    if request.method != "POST":
        return QueryDict()
    try:
        return request.POST
    except UnreadablePostError:
        return QueryDict()  # a broken upload: the view meets it, as without this middleware


def _holds_nul(data: QueryDict) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in data.lists()
    )


class StaffMFAMiddleware:
    """With MFA_REQUIRED_FOR_STAFF (production), staff reach the admin only after setting up
    two-factor sign-in: until then /admin/ sends them to the two-factor page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.MFA_REQUIRED_FOR_STAFF and self._needs_mfa(request):
            return redirect(reverse("mfa_index") + "?required=1")
        return self.get_response(request)

    @staticmethod
    def _needs_mfa(request) -> bool:
        user = getattr(request, "user", None)
        if not (user and user.is_authenticated and user.is_staff):
            return False
        if not request.path.startswith(reverse("admin:index")):
            return False
        from allauth.mfa.models import Authenticator

        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
