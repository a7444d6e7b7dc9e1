"""The API's permission matrix: every endpoint × every role holding a read-and-write token (or
no token) × GET and POST, with a meta-test that fails for an endpoint left out.

Arguments name agency A's objects (``tests/url_world.py``): its slug, staff A's registration.
POSTs send an empty JSON object, as a client that filled nothing in would."""

import pytest

from api.models import TokenScope
from tests import url_world
from tests.conftest import ROLES
from tests.url_world import ROUTES, url_for

from .conftest import ApiClient, token_for

pytestmark = pytest.mark.django_db

world = url_world.world
ANON, MEMBER, STAFF_A, COORD_A, COORD_B, CURATOR, SUPERUSER = ROLES


def everyone(status: int) -> dict:
    return dict.fromkeys(ROLES, status)


def with_token(status: int) -> dict:
    """No token: 401; any token: ``status``."""
    return {**everyone(status), ANON: 401}


def coordinators_of_a(status: int) -> dict:
    """Agency A's data: its coordinators get ``status``; every other token holder 404, as if it
    did not exist (its staff, other agencies' coordinators, curators, superusers)."""
    return {**with_token(404), COORD_A: status}


DOCS = {"GET": everyone(200), "POST": everyone(200)}
PUBLIC = {"GET": everyone(200), "POST": everyone(405)}

API_MATRIX = {
    "api:api-root": DOCS,
    "api:openapi-view": DOCS,
    "api:openapi-json": DOCS,
    "api:trainings": PUBLIC,
    "api:training": PUBLIC,
    "api:resources": PUBLIC,
    "api:figures": PUBLIC,
    "api:agencies": PUBLIC,
    # A blank body is refused with the fields it lacks (400).
    "api:my_registrations": {"GET": with_token(200), "POST": with_token(400)},
    "api:my_register": {"GET": with_token(200), "POST": with_token(400)},
    # Staff A's registration: only staff A can cancel it.
    "api:my_registration_cancel": {"GET": everyone(405), "POST": {**with_token(404), STAFF_A: 200}},
    "api:my_credentials": {"GET": with_token(200), "POST": everyone(405)},
    "api:my_certificates": {"GET": with_token(200), "POST": everyone(405)},
    **{
        name: {"GET": coordinators_of_a(200), "POST": everyone(405)}
        for name in (
            "api:agency_roster",
            "api:agency_registrations",
            "api:agency_credentials",
            "api:agency_certificates",
            "api:agency_figures",
        )
    },
}

API_ROUTES = [route for route in ROUTES if route.name and route.name.startswith("api:")]


def test_every_api_endpoint_is_in_the_matrix():
    assert sorted({route.name for route in API_ROUTES} - set(API_MATRIX)) == []
    assert sorted(set(API_MATRIX) - {route.name for route in API_ROUTES}) == []


@pytest.mark.parametrize("name", sorted(API_MATRIX))
def test_each_role_gets_what_the_matrix_says(request, world, name):
    url = url_for(name, world)
    failures = []
    for role in ROLES:
        user = request.getfixturevalue(role)
        for method, expected in API_MATRIX[name].items():
            api = ApiClient(token_for(user) if user is not None else None)
            response = api.get(url) if method == "GET" else api.post(url, {})
            if response.status_code != expected[role]:
                failures.append(f"{role} {method} {url}: {response.status_code} ≠ {expected[role]}")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize(
    "name",
    sorted(n for n, row in API_MATRIX.items() if 200 in row["POST"].values() and row is not DOCS),
)
def test_a_read_token_writes_nothing(request, world, name):
    """Every POST that a read-and-write token may make is refused to a read token (403)."""
    url = url_for(name, world)
    for role in ROLES:
        user = request.getfixturevalue(role)
        if user is None or API_MATRIX[name]["POST"][role] != 200:
            continue
        response = ApiClient(token_for(user, TokenScope.READ)).post(url, {})
        assert response.status_code == 403, (role, url, response.content)
        assert response.json()["code"] == "token_scope"
