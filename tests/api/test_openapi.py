"""The OpenAPI document validates (OpenAPI 3.1, openapi-spec-validator), names every endpoint
the URLs serve, and the reference page loads nothing from another host."""

import re

import pytest
from django.test import Client
from openapi_spec_validator import validate

from tests.url_world import ROUTES

pytestmark = pytest.mark.django_db

DOCS = {"api:api-root", "api:openapi-view", "api:openapi-json"}


def document() -> dict:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_document_validates():
    validate(document())


def test_every_endpoint_is_in_the_document():
    paths = document()["paths"]
    served = {
        "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.route)
        for route in ROUTES
        if route.name and route.name.startswith("api:") and route.name not in DOCS
    }
    assert served == set(paths)
    operations = sum(len(item) for item in paths.values())
    assert operations == len([r for r in ROUTES if r.name and r.name.startswith("api:")]) - len(
        DOCS
    )


def test_the_reference_page_loads_only_the_portal_s_own_assets():
    page = Client().get("/api/v1/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources, page
    assert all(source.startswith("/") and not source.startswith("//") for source in sources)
    assert "swagger-ui-bundle.js" in page
