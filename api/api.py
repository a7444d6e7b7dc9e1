"""The API's root: ``/api/v1/`` (the reference, Swagger UI served by the portal),
``/api/v1/openapi.json``, and the error shape every endpoint shares:
``{"code": "…", "message": "…", "fields": {…}}``."""

import hashlib
import re

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import quote_etag
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from portal.exceptions import ApplicationError

from .auth import RateLimited, ScopeMissing
from .endpoints import agencies, me, public

# Services' errors answer 400 with a code from their class ("RegistrationError" →
# "registration_error"); these answer otherwise.
STATUS_OF = {"SeatsBusy": 409}


def code_of(error: Exception) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()


class PortalApi(NinjaAPI):
    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        patch_vary_headers(response, ["Authorization", "Accept-Language"])
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            etag = quote_etag(hashlib.blake2b(response.content, digest_size=16).hexdigest())
            response["ETag"] = etag
            sent = request.headers.get("If-None-Match", "")
            if etag in [tag.strip() for tag in sent.split(",")] or sent.strip() == "*":
                not_modified = HttpResponseNotModified()
                not_modified["ETag"] = etag
                patch_vary_headers(not_modified, ["Authorization", "Accept-Language"])
                return not_modified
        if getattr(request, "auth", None) is not None:
            response["Cache-Control"] = "private, no-cache"
        return response


api = PortalApi(
    title="NMT Community of Practice Portal API",
    version="1",
    description=(
        "Trainings, agencies, resources and figures are public. With a personal access token "
        "(created on /me/tokens/, sent as `Authorization: Bearer nmt_…`): your registrations, "
        "credentials and certificates; a coordinator's agency roster, registrations, "
        "credentials and certificates. Lists page with `next_cursor` (pass it back as "
        "`cursor`); GETs carry an ETag; each token may make a limited number of requests a "
        "minute (429 with Retry-After after that). Errors: `{code, message, fields}`."
    ),
    urls_namespace="api",
    docs_url="/",
    openapi_url="/openapi.json",
)


def error(request, status: int, code: str, message: str, fields=None, headers=None):
    response = api.create_response(
        request, {"code": code, "message": message, "fields": fields}, status=status
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    name = type(exc).__name__
    fields = getattr(exc, "fields", None)
    if fields is None and exc.extra.get("field"):
        fields = {exc.extra["field"]: [exc.message]}
    return error(request, STATUS_OF.get(name, 400), code_of(exc), exc.message, fields)


@api.exception_handler(Http404)
def not_found(request, exc):
    return error(request, 404, "not_found", _("Not found."))


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return error(request, 403, "forbidden", _("You may not do this."))


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return error(
        request,
        401,
        "unauthenticated",
        _("Send a valid personal access token: Authorization: Bearer nmt_…"),
        headers={"WWW-Authenticate": "Bearer"},
    )


@api.exception_handler(ScopeMissing)
def scope_missing(request, exc: ScopeMissing):
    return error(request, 403, "token_scope", exc.message)


@api.exception_handler(RateLimited)
def rate_limited(request, exc: RateLimited):
    return error(
        request,
        429,
        "rate_limited",
        _("Too many requests with this token. Try again in %(s)d seconds.")
        % {"s": exc.retry_after},
        headers={"Retry-After": str(exc.retry_after)},
    )


# The parts of a validation error's location that say where, not what.
WHERE = ("body", "query", "path", "payload")


@api.exception_handler(ValidationError)
def invalid(request, exc: ValidationError):
    fields: dict[str, list[str]] = {}
    for item in exc.errors:
        location = [
            str(part)
            for part in item.get("loc", ())
            if part not in ("body", "query", "path", "payload")
        ]
        fields.setdefault(".".join(location) or "request", []).append(str(item.get("msg", "")))
    return error(request, 400, "invalid", _("Some values are not valid."), fields)


api.add_router("/", public.router)
api.add_router("/me/", me.router)
api.add_router("/agencies/", agencies.router)
