from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    """The top layer: what spans the domains (home and community pages, the agency dashboard,
    digests, the dispatcher, demo data). It may import every app; no app imports it."""

    name = "community"
    verbose_name = _("Community")
