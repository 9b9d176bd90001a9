"""Calling the API as the shared cast, each with a personal token."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client as HttpClient

from wholejourney.accounts.models import User
from wholejourney.api.models import ApiToken
from wholejourney.api.tests.factories import token_for

BASE = "/api/v1"


class Api:
    """A Django test client that sends a bearer token and JSON."""

    def __init__(self, secret: str | None) -> None:
        self.http = HttpClient()
        self.secret = secret

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"} if self.secret else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.http.get(BASE + path, params, headers=self._headers())

    def send(self, method: str, path: str, body: Any = None, *, if_match: str | None = None) -> Any:
        call = getattr(self.http, method.lower())
        headers = self._headers() | ({"If-Match": if_match} if if_match is not None else {})
        return call(BASE + path, json.dumps(body or {}), content_type="application/json", headers=headers)

    def post(self, path: str, body: Any = None) -> Any:
        return self.send("POST", path, body)


@pytest.fixture
def api_as() -> Callable[..., Api]:
    """`api_as(user)` reads; `api_as(user, write=True)` reads and writes."""

    def make(user: User, *, write: bool = False) -> Api:
        _token, secret = token_for(user, ApiToken.Scope.WRITE if write else ApiToken.Scope.READ)
        return Api(secret)

    return make
