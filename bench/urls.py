"""The portal's URLs plus ``/bench/ceiling/<name>/``: the ceiling of the load benchmarks.

The ceiling view answers the bytes of a real page (``<BENCH_CEILING_DIR>/<name>.html``, captured
by the benchmark from the page it compares with) and does nothing else: no query, no template.
It goes through the same middleware as every page, so the ratio page/ceiling is the share of
the server's capacity left after the page's own work.
"""

from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import path

from portal.urls import handler404, handler500  # noqa: F401 - the root URLconf's handlers
from portal.urls import urlpatterns as portal_urlpatterns

_blobs: dict[str, bytes] = {}


def ceiling(request, name: str) -> HttpResponse:
    blob = _blobs.get(name)
    if blob is None:
        try:
            blob = _blobs[name] = (Path(settings.BENCH_CEILING_DIR) / f"{name}.html").read_bytes()
        except FileNotFoundError:
            raise Http404(name) from None
    return HttpResponse(blob, content_type="text/html; charset=utf-8")


urlpatterns = [
    path("bench/ceiling/<slug:name>/", ceiling, name="bench_ceiling"),
    *portal_urlpatterns,
]
