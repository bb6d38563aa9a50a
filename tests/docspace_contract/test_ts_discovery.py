"""Port of DocSpace-api-tests `src/tests/oauth2.0/discovery/discovery.spec.ts`.

The TS file holds no `test(...)`, only this comment: "OPTIONS
/.well-known/oauth-authorization-server (handleOptions) is not tested: this is a CORS
preflight handler, not business logic". So OPTIONS stays untested here too; what the file is
named after, the discovery documents themselves (the contract's `discovery` route), is checked
at each of its three paths, with every endpoint derived from the issuer.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer

PATHS = (
    "/.well-known/openid-configuration",
    "/oauth2/.well-known/openid-configuration",
    "/.well-known/oauth-authorization-server",
)


def _document(anonymous: httpx.Client, path: str) -> dict[str, Any]:
    response = anonymous.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    document: dict[str, Any] = response.json()
    return document


def _check(document: dict[str, Any], issuer: str) -> None:
    assert document["issuer"] == issuer
    for name, path in {
        "authorization_endpoint": "/oauth2/authorize",
        "token_endpoint": "/oauth2/token",
        "jwks_uri": "/oauth2/jwks",
        "userinfo_endpoint": "/oauth2/userinfo",
        "introspection_endpoint": "/oauth2/introspect",
        "revocation_endpoint": "/oauth2/revoke",
    }.items():
        assert document[name] == f"{issuer}{path}", name
    assert "code" in document["response_types_supported"]
    assert "S256" in document["code_challenge_methods_supported"]
    assert "client_secret_post" in document["token_endpoint_auth_methods_supported"]
    assert {"openid", "files:read", "accounts.self:read"} <= set(document["scopes_supported"])


@pytest.mark.parametrize("path", PATHS)
def test_discovery_document(path: str, anonymous: httpx.Client, live_server: LiveServer) -> None:
    """GET <path>: the document the TS file's name refers to (no TS case; see the module)."""
    _check(_document(anonymous, path), live_server.url)


def test_discovery_paths_serve_one_document(anonymous: httpx.Client) -> None:
    """DocSpace's /oauth2/.well-known path and the RFC 8414 path serve the same document as
    /.well-known/openid-configuration (no TS case; see the module)."""
    first, *others = (_document(anonymous, path) for path in PATHS)
    assert all(other == first for other in others)
