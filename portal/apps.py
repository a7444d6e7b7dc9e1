from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """Project-wide pieces: the base templates' tags, health check and demo data command."""

    name = "portal"
    verbose_name = _("Portal")
