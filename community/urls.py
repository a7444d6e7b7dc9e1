"""The top layer's pages, and the composition of the ``members`` URL namespace.

``portal/urls.py`` includes this module in place of ``members.urls``: the namespace is members'
own pages plus the four that span the domains (they keep their names and paths)."""

from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from members import urls as members_urls

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
    path("", include((members_urls.urlpatterns + members_pages, members_urls.app_name))),
]
