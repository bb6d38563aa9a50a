"""Port of ClientManagement/CreateClientTests.cs (DocSpace-server, Tests/08_OAuth2).

POST /api/2.0/clients: every role can register its own OAuth2 client.
"""

from __future__ import annotations

from tests.docspace_contract._cs_support import BY_ROLE, member_of
from tests.docspace_contract.conftest import OAUTH_LOGO, Portal

ALL_SCOPES = [
    "accounts.self:read",
    "accounts.self:write",
    "accounts:read",
    "accounts:write",
    "rooms:read",
    "rooms:write",
    "files:read",
    "files:write",
    "openid",
]


@BY_ROLE
def test_create_client_by_role_returns_created_client(portal: Portal, employee_type: str) -> None:
    user = member_of(portal, portal.member("owner"), employee_type)
    request = {
        "name": "Test OAuth Client",
        "description": "Test OAuth client description",
        "logo": OAUTH_LOGO,
        "website_url": "https://example.com",
        "terms_url": "https://example.com/terms",
        "policy_url": "https://example.com/policy",
        "redirect_uris": ["https://example.com/callback"],
        "allowed_origins": ["https://example.com"],
        "logout_redirect_uri": "https://example.com/logout",
        "is_public": True,
        "allow_pkce": True,
        "scopes": ALL_SCOPES,
    }

    with user.http() as http:
        response = http.post("/api/2.0/clients", json=request)

    assert response.status_code == 201, response.text
    client = response.json()
    assert client["client_id"]
    assert client["client_secret"]
    assert client["name"] == "Test OAuth Client"
    assert client["description"] == "Test OAuth client description"
    assert client["website_url"] == "https://example.com"
    assert client["terms_url"] == "https://example.com/terms"
    assert client["policy_url"] == "https://example.com/policy"
    assert client["enabled"] is True
    assert client["is_public"] is True
    assert "https://example.com/callback" in client["redirect_uris"]
    assert "https://example.com" in client["allowed_origins"]
    assert "https://example.com/logout" in client["logout_redirect_uris"]
    for scope in [
        "openid",
        "files:read",
        "files:write",
        "rooms:read",
        "rooms:write",
        "accounts:read",
        "accounts:write",
        "accounts.self:read",
        "accounts.self:write",
    ]:
        assert scope in client["scopes"], client["scopes"]
    assert client["authentication_methods"] is not None
    assert client["created_on"]
    assert client["created_by"]
