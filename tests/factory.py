"""Request bodies and small helpers shared by the HTTP tests."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import httpx

# The smallest valid PNG: 1x1 transparent pixel.
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
LOGO = "data:image/png;base64," + base64.b64encode(PNG_1PX).decode()
BASES = ("/api/2.0/clients", "/api/2.0/oauth2/clients")


def client_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"App {uuid.uuid4().hex[:8]}",
        "description": "An app under test",
        "logo": LOGO,
        "scopes": ["files:read", "openid"],
        "allow_pkce": False,
        "is_public": False,
        "website_url": "https://app.example.com",
        "terms_url": "https://app.example.com/terms",
        "policy_url": "https://app.example.com/privacy",
        "logout_redirect_uri": "https://app.example.com/logout",
        "redirect_uris": ["https://app.example.com/callback"],
        "allowed_origins": ["https://app.example.com"],
    }
    body.update(overrides)
    return body


def create_client(http: httpx.Client, base: str = BASES[0], **overrides: Any) -> dict[str, Any]:
    response = http.post(base, json=client_body(**overrides))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def field_codes(response: httpx.Response) -> dict[str, str]:
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e["field"]: e["code"] for e in problem.get("errors", [])}


# Missing or wrong credentials on /api/2.0 are 403, as DocSpace answers; this problem type
# tells them from a role the route does not admit (the OAuth endpoints keep RFC 6750's 401).
AUTHENTICATION_REQUIRED = "urn:docspace-oauth:problem:authentication-required"
GUEST_REFUSED = "Guests may not manage OAuth clients."


def assert_authentication_required(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 403
    assert problem["type"] == AUTHENTICATION_REQUIRED, problem


def assert_guest_refused(response: httpx.Response) -> None:
    """A guest turned away by its role (not for its credentials), as DocSpace refuses it."""
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] != AUTHENTICATION_REQUIRED, problem
    assert problem["detail"] == GUEST_REFUSED, problem
