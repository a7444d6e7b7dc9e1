"""The portal's languages (``settings.LANGUAGES``): which one a person is spoken to in.

A person's saved choice (``Person.language``) comes first, then the language active when the
thing happened (the request's, which LocaleMiddleware took from the language cookie or the
browser), then ``settings.LANGUAGE_CODE``. Always one of the codes of ``settings.LANGUAGES``
("en", "es"), never a variant such as "en-us" or "es-mx"."""

from django.conf import settings
from django.utils import translation


def supported(code: str | None) -> str | None:
    """``code`` as one of the portal's languages ("es-MX" → "es"), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def is_supported(code: str) -> bool:
    """Exactly one of the codes of ``settings.LANGUAGES`` (what a form or a URL may send)."""
    return code in dict(settings.LANGUAGES)


def current() -> str:
    """The active language (a request's, or an override's), else ``settings.LANGUAGE_CODE``."""
    return (
        supported(translation.get_language())
        or supported(settings.LANGUAGE_CODE)
        or settings.LANGUAGES[0][0]
    )


def for_person(saved: str | None) -> str:
    """The language to speak to someone in: their saved choice, else the active language."""
    return supported(saved) or current()


def set_cookie(response, language: str) -> None:
    """Remember ``language`` in the browser: LocaleMiddleware reads the cookie on every request
    (before Accept-Language), the page cache keys pages by it (``portal.pagecache``)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
