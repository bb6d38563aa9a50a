"""Fixtures for the SDK's live tests: callers of the lead's ``live_server``."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import pytest

from docspace_oauth.sdk import Client, CreateClientRequest
from tests.factory import LOGO


class LiveServer(Protocol):
    url: str
    owner_key: str

    def create_user(self, email: str, role: str, tenant: int = 1) -> str: ...


NewKey = Callable[..., str]
MakeRequest = Callable[..., CreateClientRequest]


@pytest.fixture
def owner(live_server: LiveServer) -> Iterator[Client]:
    """A sync client authenticated as tenant 1's owner."""
    with Client(live_server.url, api_key=live_server.owner_key) as api:
        yield api


@pytest.fixture
def new_key(live_server: LiveServer) -> NewKey:
    """Makes a fresh user (its own email, so its view starts empty) and returns its API key."""

    def make(role: str = "user", tenant: int = 1) -> str:
        email = f"sdk-{role}-{secrets.token_hex(6)}@example.com"
        return live_server.create_user(email, role, tenant)

    return make


@pytest.fixture
def make_request() -> MakeRequest:
    """A valid create request with a unique name; keyword arguments override fields."""

    def make(**overrides: Any) -> CreateClientRequest:
        fields: dict[str, Any] = {
            "name": f"SDK test app {secrets.token_hex(4)}",
            "description": "made by the SDK's tests",
            "scopes": ["files:read", "openid"],
            "redirect_uris": ["https://app.example.com/callback"],
            "allowed_origins": ["https://app.example.com"],
            "website_url": "https://app.example.com",
            "terms_url": "https://app.example.com/terms",
            "policy_url": "https://app.example.com/privacy",
            "logout_redirect_uri": "https://app.example.com/logout",
            "logo": LOGO,
        }
        fields.update(overrides)
        return CreateClientRequest(**fields)

    return make
