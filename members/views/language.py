"""The language switch in the header of every page (``templates/includes/language_switch.html``).

Django's own ``set_language`` checks the CSRF token, and the public pages are served whole from
the page cache to anonymous visitors (``portal.pagecache``), with no token: so this view is
CSRF-exempt, like the footer's digest form, and refuses a POST from another site's page (its
Origin) all the same. What a forged request could do is choose a visitor's language; cross-site
cookies are SameSite=Lax, so it would come signed out and change no one's profile.
"""

from urllib.parse import urlsplit, urlunsplit

from django.http import HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal import languages
from portal.origins import from_another_site

from .. import services


def _safe(url: str, request) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def _back(request) -> str:
    """Where to go once switched: ``next`` when it is on this site, else the page the form was
    on (its path, from the Referer), else the home page."""
    target = request.POST.get("next", "")
    if _safe(target, request):
        return target
    referer = request.headers.get("Referer", "")
    if _safe(referer, request):
        _scheme, _host, path, query, _fragment = urlsplit(referer)
        return urlunsplit(("", "", path or "/", query, ""))
    return "/"


@csrf_exempt
@require_POST
def set_language(request):
    """POST ``language`` (one of settings.LANGUAGES) and ``next``: sets the language cookie and,
    signed in, the person's saved language; then back to the page."""
    if from_another_site(request):
        return HttpResponseForbidden(
            _("Choose the language from the portal's own pages."),
            content_type="text/plain; charset=utf-8",
        )
    language = request.POST.get("language", "")
    if not languages.is_supported(language):
        return HttpResponseBadRequest(
            _("Unknown language: choose English or Español."),
            content_type="text/plain; charset=utf-8",
        )
    if request.user.is_authenticated:
        person = services.person_for_user(user=request.user)
        services.person_set_language(person=person, language=language)
    response = redirect(_back(request))
    languages.set_cookie(response, language)
    return response
