from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    # The top layer: home, community, sitemap, and the members namespace (members.urls with the
    # pages of it that span the domains).
    path("", include("community.urls")),
    path("", include("trainings.urls")),
    path("resources/", include("resources.urls")),
    path("api/v1/", include("api.urls")),
    path("me/tokens/", include("api.page_urls")),
    # The admin signs in through allauth (rate limits, two-factor), never its own form.
    path("admin/login/", views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots"),
]

handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
