"""The one rule for the few CSRF-exempt forms that public, cached pages post (the digest in the
footer, the language switch in the header): a POST a browser sent from another site's page is
refused."""

from django.conf import settings


def from_another_site(request) -> bool:
    """A POST a browser sent from another site's page: its Origin is not this site's (nor one of
    ``CSRF_TRUSTED_ORIGINS``). Browsers send Origin with every form POST; one without it (an old
    browser, a script) is not from another site's page."""
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    own = f"{'https' if request.is_secure() else 'http'}://{request.get_host()}"
    return origin not in {own, *settings.CSRF_TRUSTED_ORIGINS}
