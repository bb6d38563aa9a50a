"""Port of DocSpace-api-tests
`src/tests/oauth2.0/clientQuerying/clientQuerying.permissions.spec.ts`.

Each test is one `test(...)` of the TS suite, its title verbatim in the docstring. Unlike the
clientManagement permission cases, the "Guest ..." cases here attach the guest's own
x-signature, and so do these ports (`portal.member("guest")`), except the public-info one,
which the TS calls without a signature.
"""

from __future__ import annotations

import httpx

from tests.conftest import LiveServer
from tests.docspace_contract._ts_support import (
    ZERO_ID,
    call,
    create_oauth_client,
    page_ids,
    unsigned,
)
from tests.docspace_contract.conftest import Portal

# describe("GET /api/2.0/clients/{clientId} - permissions")


def test_get_client_anonymous_returns_403(portal: Portal, anonymous: httpx.Client) -> None:
    """GET /api/2.0/clients/{clientId} - Anonymous returns 403"""
    client_id = create_oauth_client(portal.member("owner"))
    response = anonymous.get(f"/api/2.0/clients/{client_id}")
    assert response.status_code == 403, response.text


def test_get_client_guest_returns_403(portal: Portal) -> None:
    """GET /api/2.0/clients/{clientId} - Guest returns 403"""
    client_id = create_oauth_client(portal.member("owner"))
    response = call(portal.member("guest"), "GET", f"/api/2.0/clients/{client_id}")
    assert response.status_code == 403, response.text


def test_get_client_non_existent_client_id_returns_404(portal: Portal) -> None:
    """GET /api/2.0/clients/{clientId} - Non-existent clientId returns 404"""
    response = call(portal.member("owner"), "GET", f"/api/2.0/clients/{ZERO_ID}")
    assert response.status_code == 404, response.text


def test_get_client_user_cannot_retrieve_another_users_client_returns_404(
    portal: Portal,
) -> None:
    """GET /api/2.0/clients/{clientId} - User cannot retrieve another user's client returns
    404"""
    client_id = create_oauth_client(portal.member("user"))
    response = call(portal.member("user"), "GET", f"/api/2.0/clients/{client_id}")
    assert response.status_code == 404, response.text


# describe("GET /api/2.0/clients/{clientId}/info - permissions")


def test_get_client_info_anonymous_returns_403(portal: Portal, anonymous: httpx.Client) -> None:
    """GET /api/2.0/clients/{clientId}/info - Anonymous returns 403"""
    client_id = create_oauth_client(portal.member("owner"))
    response = anonymous.get(f"/api/2.0/clients/{client_id}/info")
    assert response.status_code == 403, response.text


def test_get_client_info_guest_returns_403(portal: Portal) -> None:
    """GET /api/2.0/clients/{clientId}/info - Guest returns 403"""
    client_id = create_oauth_client(portal.member("owner"))
    response = call(portal.member("guest"), "GET", f"/api/2.0/clients/{client_id}/info")
    assert response.status_code == 403, response.text


def test_get_client_info_non_existent_client_id_returns_404(portal: Portal) -> None:
    """GET /api/2.0/clients/{clientId}/info - Non-existent clientId returns 404"""
    response = call(portal.member("owner"), "GET", f"/api/2.0/clients/{ZERO_ID}/info")
    assert response.status_code == 404, response.text


def test_get_client_info_user_cannot_retrieve_info_for_another_users_client_returns_404(
    portal: Portal,
) -> None:
    """GET /api/2.0/clients/{clientId}/info - User cannot retrieve info for another user's
    client returns 404"""
    client_id = create_oauth_client(portal.member("user"))
    response = call(portal.member("user"), "GET", f"/api/2.0/clients/{client_id}/info")
    assert response.status_code == 404, response.text


# describe("GET /api/2.0/clients - permissions")


def test_get_clients_anonymous_returns_403(anonymous: httpx.Client) -> None:
    """GET /api/2.0/clients - Anonymous returns 403"""
    response = anonymous.get("/api/2.0/clients", params={"limit": 50})
    assert response.status_code == 403, response.text


def test_get_clients_guest_returns_403(portal: Portal) -> None:
    """GET /api/2.0/clients - Guest returns 403"""
    response = call(portal.member("guest"), "GET", "/api/2.0/clients", params={"limit": 50})
    assert response.status_code == 403, response.text


def test_get_clients_roomadmin_sees_only_their_own_clients(portal: Portal) -> None:
    """GET /api/2.0/clients - RoomAdmin sees only their own clients"""
    owner_client = create_oauth_client(portal.member("owner"))
    response = call(portal.member("user"), "GET", "/api/2.0/clients", params={"limit": 50})
    assert owner_client not in page_ids(response)


# describe("GET /api/2.0/clients/info - permissions")


def test_get_clients_info_anonymous_returns_403(anonymous: httpx.Client) -> None:
    """GET /api/2.0/clients/info - Anonymous returns 403"""
    response = anonymous.get("/api/2.0/clients/info", params={"limit": 50})
    assert response.status_code == 403, response.text


def test_get_clients_info_guest_returns_403(portal: Portal) -> None:
    """GET /api/2.0/clients/info - Guest returns 403"""
    response = call(portal.member("guest"), "GET", "/api/2.0/clients/info", params={"limit": 50})
    assert response.status_code == 403, response.text


def test_get_clients_info_roomadmin_sees_only_their_own_clients_info(portal: Portal) -> None:
    """GET /api/2.0/clients/info - RoomAdmin sees only their own clients info"""
    owner_client = create_oauth_client(portal.member("owner"))
    response = call(portal.member("user"), "GET", "/api/2.0/clients/info", params={"limit": 50})
    assert owner_client not in page_ids(response)


# describe("GET /api/2.0/clients/consents - permissions")


def test_get_consents_anonymous_returns_403(anonymous: httpx.Client) -> None:
    """GET /api/2.0/clients/consents - Anonymous returns 403"""
    response = anonymous.get("/api/2.0/clients/consents", params={"limit": 50})
    assert response.status_code == 403, response.text


# describe("GET /api/2.0/clients/{clientId}/public/info - permissions")


def test_get_public_info_anonymous_can_access_public_info(
    portal: Portal, anonymous: httpx.Client
) -> None:
    """GET /api/2.0/clients/{clientId}/public/info - Anonymous can access public info"""
    client_id = create_oauth_client(portal.member("owner"))
    response = anonymous.get(f"/api/2.0/clients/{client_id}/public/info")
    assert response.status_code == 200, response.text


def test_get_public_info_guest_can_access_public_info(
    portal: Portal, live_server: LiveServer
) -> None:
    """GET /api/2.0/clients/{clientId}/public/info - Guest can access public info"""
    client_id = create_oauth_client(portal.member("owner"))
    with unsigned(live_server) as guest:  # the TS guest attaches no x-signature here
        response = guest.get(f"/api/2.0/clients/{client_id}/public/info")
    assert response.status_code == 200, response.text


def test_get_public_info_bug_81728_non_existent_client_id_returns_404(
    anonymous: httpx.Client,
) -> None:
    """BUG 81728: GET /api/2.0/clients/{clientId}/public/info - Non-existent clientId returns
    404"""
    response = anonymous.get(f"/api/2.0/clients/{ZERO_ID}/public/info")
    assert response.status_code == 404, response.text
