"""The top layer's pages, and the composition of the ``members`` URL namespace.

``portal/urls.py`` includes this module in place of ``members.urls``: the namespace is members'
own pages plus the four that span the domains (they keep their names and paths)."""

from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from members import urls as members_urls
from members.views import language

from . import views
from .sitemaps import SITEMAPS

members_pages = [
    path("agencies/<slug:slug>/", views.AgencyDetailView.as_view(), name="agency_detail"),
    path("agencies/<slug:slug>/manage/", views.manage_home, name="manage_home"),
    path("me/", views.me, name="me"),
    path("me/delete/", views.me_delete, name="me_delete"),
]

# "home", "community" and "sitemap" have no namespace, as before the move.
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("community/", views.CommunityView.as_view(), name="community"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    # The header's language switch (members.views.language), a top-level name like Django's.
    path("language/", language.set_language, name="set_language"),
    # The address PRODUCT.md names for the switch (Django's set_language's, same field names).
    path("i18n/setlang/", language.set_language, name="set_language_i18n"),
    path("", include((members_urls.urlpatterns + members_pages, members_urls.app_name))),
]
