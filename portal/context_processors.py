from django.conf import settings


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        # The language switch names each language in itself ("English", "Español"): the
        # settings' names, never translated (Django's get_available_languages translates them).
        "LANGUAGE_CHOICES": settings.LANGUAGES,
    }
