from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse


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
