"""The portal's admin site: Django's, with the curators' desk on its home page.

Installed as the default site by ``community.apps.PortalAdminConfig`` (in place of
``django.contrib.admin`` in INSTALLED_APPS), so ``admin.site`` and every ``@admin.register``
use it. It lives in the top layer because the desk reads every domain.
"""

from django.contrib import admin

from .desk import curator_desk


class PortalAdminSite(admin.AdminSite):
    index_template = "admin/desk.html"
    # No app list down the left of every page: it took 300 px of a 1280 px screen, so the
    # trainings changelist scrolled sideways beside its filters. The home page lists the apps,
    # and the breadcrumbs lead back to it.
    enable_nav_sidebar = False

    def index(self, request, extra_context=None):
        return super().index(
            request, {"desk": curator_desk(user=request.user), **(extra_context or {})}
        )
