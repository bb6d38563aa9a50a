"""Port of ClientQuerying/GetPublicClientInfoTests.cs (DocSpace-server, Tests/08_OAuth2).

GET /api/2.0/clients/{clientId}/public/info: intentionally open, no x-signature required; it
backs the consent screen. Anonymous, guest and signed-in callers all get the same answer.
"""

from __future__ import annotations

import httpx

from tests.docspace_contract._cs_support import ZERO_ID, assert_problem
from tests.docspace_contract.conftest import Portal, create_oauth_client


def test_get_public_client_info_returns_public_info_without_secret(portal: Portal) -> None:
    # The C# case calls with the owner's signature still applied to the client.
    with portal.member("owner").http() as http:
        client_id = create_oauth_client(http, "Autotest GetPublicClientInfo Fields")
        response = http.get(f"/api/2.0/clients/{client_id}/public/info")

    assert response.status_code == 200, response.text
    info = response.json()
    assert info["client_id"] == client_id
    assert info["name"] == "Autotest GetPublicClientInfo Fields"
    assert info["website_url"] == "https://example.com"
    assert "accounts.self:read" in info["scopes"]
    # ClientInfoResponse has no client_secret property at all.
    assert "client_secret" not in info


def test_get_public_client_info_anonymous_returns_public_info(
    portal: Portal, anonymous: httpx.Client
) -> None:
    with portal.member("owner").http() as http:
        client_id = create_oauth_client(http, "Autotest GetPublicClientInfo Anonymous")

    response = anonymous.get(f"/api/2.0/clients/{client_id}/public/info")

    assert response.status_code == 200, response.text
    assert response.json()["client_id"] == client_id


def test_get_public_client_info_guest_returns_public_info(portal: Portal) -> None:
    with portal.member("owner").http() as http:
        client_id = create_oauth_client(http, "Autotest GetPublicClientInfo Guest")

    with portal.member("guest").http() as http:
        response = http.get(f"/api/2.0/clients/{client_id}/public/info")

    assert response.status_code == 200, response.text
    assert response.json()["client_id"] == client_id


def test_get_public_client_info_another_users_client_returns_public_info(portal: Portal) -> None:
    with portal.member("owner").http() as http:
        client_id = create_oauth_client(http, "Autotest GetPublicClientInfo Other User")

    with portal.member("user").http() as http:
        response = http.get(f"/api/2.0/clients/{client_id}/public/info")

    assert response.status_code == 200, response.text
    assert response.json()["client_id"] == client_id


# BUG 81728 in DocSpace (it answers 200 for an unknown id); the C# case asserts the 404.
def test_get_public_client_info_non_existent_client_id_throws_not_found(
    anonymous: httpx.Client,
) -> None:
    response = anonymous.get(f"/api/2.0/clients/{ZERO_ID}/public/info")

    assert_problem(response, 404)
