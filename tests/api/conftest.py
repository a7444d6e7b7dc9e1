import json

import pytest
from django.test import Client

from api import services
from api.models import TokenScope
from members.services import person_for_user


def token_for(user, scope=TokenScope.WRITE, days=30) -> str:
    _token, raw = services.token_create(
        person=person_for_user(user=user), name="test", scope=scope, days=days
    )
    return raw


class ApiClient:
    """The test client speaking to /api/v1/ with a bearer token (or none)."""

    def __init__(self, raw: str | None = None) -> None:
        self.client = Client(raise_request_exception=False)
        self.headers = {"Authorization": f"Bearer {raw}"} if raw else {}

    def get(self, path, data=None, **headers):
        return self.client.get(path, data, headers={**self.headers, **headers})

    def post(self, path, body=None, **headers):
        return self.client.post(
            path,
            json.dumps(body if body is not None else {}),
            content_type="application/json",
            headers={**self.headers, **headers},
        )


@pytest.fixture
def api_as():
    """``api_as(user)``: an ApiClient with a new read-and-write token of ``user`` (None: none)."""

    def make(user, scope=TokenScope.WRITE):
        return ApiClient(token_for(user, scope) if user is not None else None)

    return make
