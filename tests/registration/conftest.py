"""Helpers for registering clients as RFC 7591 clients do: plain JSON over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.oauth2.conftest import REDIRECT, Actor, Kit, portal_user
from tests.oauth2.conftest import kit as kit  # the fixture, for this directory too


@dataclass
class Tenant:
    """A fresh tenant with its admin, so that each test sets its own policy."""

    admin: Actor
    kit: Kit

    @property
    def id(self) -> int:
        return self.admin.tenant_id

    @property
    def register_url(self) -> str:
        return f"{self.kit.base}/oauth2/tenants/{self.id}/register"

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.kit.manage(self.admin, method, f"/api/2.0/registration{path}", **kwargs)

    def set_policy(self, mode: str, **limits: int) -> dict[str, Any]:
        response = self.api("PUT", "/policy", json={"mode": mode, **limits})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def initial_token(self, uses: int = 1) -> str:
        response = self.api("POST", "/tokens", json={"uses": uses})
        assert response.status_code == 201, response.text
        return str(response.json()["token"])

    def register(self, metadata: dict[str, Any], token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.post(self.register_url, json=metadata, headers=headers, timeout=30)


@pytest.fixture
def tenant(kit: Kit) -> Tenant:
    return Tenant(portal_user(), kit)


def web_metadata(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_name": "Registered app",
        "redirect_uris": [REDIRECT],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
        "scope": "openid files:read",
        "client_uri": "https://app.example.com",
        "policy_uri": "https://app.example.com/privacy",
        "tos_uri": "https://app.example.com/terms",
        "post_logout_redirect_uris": ["https://app.example.com/logout"],
    }
    body.update(overrides)
    return body


def native_metadata(**overrides: Any) -> dict[str, Any]:
    return web_metadata(
        client_name="Desktop agent",
        application_type="native",
        token_endpoint_auth_method="none",
        redirect_uris=["http://127.0.0.1/callback"],
        **overrides,
    )
