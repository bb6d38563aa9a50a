"""Port of ClientQuerying/GetClientInfoTests.cs (DocSpace-server, Tests/08_OAuth2).

GET /api/2.0/clients/{clientId}/info: the public subset of a client's details, still gated
behind a signature (unlike the /public/info endpoint).
"""

from __future__ import annotations

import httpx

from tests.docspace_contract._cs_support import BY_ROLE, ZERO_ID, assert_problem, member_of
from tests.docspace_contract.conftest import Portal, create_oauth_client


@BY_ROLE
def test_get_client_info_member_returns_public_info(portal: Portal, employee_type: str) -> None:
    user = member_of(portal, portal.member("owner"), employee_type)
    name = f"Autotest GetClientInfo {employee_type}"
    with user.http() as http:
        client_id = create_oauth_client(http, name)

    with user.http() as http:
        response = http.get(f"/api/2.0/clients/{client_id}/info")

    assert response.status_code == 200, response.text
    info = response.json()
    assert info["client_id"] == client_id
    assert info["name"] == name
    assert info["website_url"] == "https://example.com"
    assert "accounts.self:read" in info["scopes"]


def test_get_client_info_owner_retrieves_another_users_client_returns_public_info(
    portal: Portal,
) -> None:
    with portal.member("user").http() as http:
        client_id = create_oauth_client(http, "Autotest GetClientInfo Other User")

    with portal.member("owner").http() as http:
        response = http.get(f"/api/2.0/clients/{client_id}/info")

    assert response.status_code == 200, response.text
    assert response.json()["client_id"] == client_id


def test_get_client_info_without_signature_throws_forbidden(
    portal: Portal, anonymous: httpx.Client
) -> None:
    with portal.member("owner").http() as http:
        client_id = create_oauth_client(http)

    response = anonymous.get(f"/api/2.0/clients/{client_id}/info")

    assert_problem(response, 403)


def test_get_client_info_guest_throws_forbidden(portal: Portal) -> None:
    guest = portal.member("guest")
    with portal.member("owner").http() as http:
        client_id = create_oauth_client(http)

    with guest.http() as http:
        response = http.get(f"/api/2.0/clients/{client_id}/info")

    assert_problem(response, 403)


def test_get_client_info_non_existent_client_id_throws_not_found(portal: Portal) -> None:
    with portal.member("owner").http() as http:
        response = http.get(f"/api/2.0/clients/{ZERO_ID}/info")

    assert_problem(response, 404)


def test_get_client_info_another_users_client_throws_not_found(portal: Portal) -> None:
    user1 = portal.member("user")
    user2 = portal.member("user")
    with user1.http() as http:
        client_id = create_oauth_client(http)

    with user2.http() as http:
        response = http.get(f"/api/2.0/clients/{client_id}/info")

    assert_problem(response, 404)
