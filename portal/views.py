import sys
from urllib.parse import urlencode

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from . import health


def admin_login(request):
    """Django admin's login, routed through allauth's sign-in.

    Signed-in staff go on to the admin; signed-in people without staff access are told so
    (redirecting them to sign in again would loop).
    """
    next_url = request.GET.get("next", "")
    # A path of this site only: redirect() would take "²" or "-1" for a view name and raise.
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}
    ):
        next_url = ""
    next_url = next_url or reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
    if request.user.is_staff:
        return redirect(next_url)
    return render(request, "admin_denied.html", status=403)


@never_cache
def healthz(request):
    """Readiness for the load balancer and the container healthcheck. Without the database the
    portal can do nothing: 503. Without Redis it still serves pages, signs people in and takes
    registrations (email waits in the outbox): 200, with status "degraded"."""
    db_ok, db_detail = health.check_database()
    redis_ok, redis_detail = health.check_redis()
    ok = db_ok and redis_ok
    return JsonResponse(
        {
            "status": "ok" if ok else ("degraded" if db_ok else "down"),
            "database": {"ok": db_ok, "detail": db_detail},
            "redis": {"ok": redis_ok, "detail": redis_detail},
            "email": health.check_outbox() if db_ok else None,
        },
        status=200 if db_ok else 503,
    )


def robots_txt(request):
    return render(request, "robots.txt", content_type="text/plain; charset=utf-8")


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


# How long a visitor is asked to wait when the database cannot be reached (a restart, a failover).
DATABASE_RETRY_AFTER_SECONDS = 5


def server_error(request):
    """The 500 handler. A lost database connection (restart, failover) is not a bug in a page:
    it answers 503 with Retry-After and a message to try again. Django has rolled the request's
    transaction back, so nothing was half-saved; the next request reconnects
    (CONN_HEALTH_CHECKS). Neither page uses the request's context: the error may come from it."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
    return HttpResponse(render_to_string("500.html"), status=500)
