from django.apps import AppConfig

# The module, not its class: an AppConfig class named here would be one more candidate.
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    """The top layer: what spans the domains (home and community pages, the agency dashboard,
    digests, the dispatcher, demo data). It may import every app; no app imports it."""

    # This module holds two configurations: "community" in INSTALLED_APPS means this one.
    default = True
    name = "community"
    verbose_name = _("Community")


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin (label "admin"), whose site is the portal's: its home page is the
    curators' desk (community/admin.py)."""

    default = False
    default_site = "community.admin.PortalAdminSite"
