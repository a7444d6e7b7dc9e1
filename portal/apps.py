from django.apps import AppConfig


class PortalConfig(AppConfig):
    """Project-wide pieces: the base templates' tags, health check and demo data command."""

    name = "portal"
    verbose_name = "Portal"
