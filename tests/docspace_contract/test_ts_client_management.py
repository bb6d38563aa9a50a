"""Port of DocSpace-api-tests `src/tests/oauth2.0/clientManagement/clientManagement.spec.ts`.

Each test is one `test(...)` of the TS suite (its title verbatim in the docstring), run as
the same role against a fresh portal. Roles: see `_ts_support`.
"""

from __future__ import annotations

from typing import Any

from tests.docspace_contract._ts_support import ROLE, call, create, management_full_request
from tests.docspace_contract.conftest import Portal


def _create_full(portal: Portal, role: str) -> None:
    member = portal.member(ROLE[role])
    response = call(
        member,
        "POST",
        "/api/2.0/clients",
        json=management_full_request(
            name="Test OAuth Client", description="Test OAuth client description"
        ),
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    assert data["client_id"]
    assert data["client_secret"]
    assert data["name"] == "Test OAuth Client"
    assert data["description"] == "Test OAuth client description"
    assert data["website_url"] == "https://example.com"
    assert data["terms_url"] == "https://example.com/terms"
    assert data["policy_url"] == "https://example.com/policy"
    assert data["enabled"] is True
    assert data["is_public"] is True
    assert isinstance(data["tenant"], int) and not isinstance(data["tenant"], bool)
    assert "https://example.com/callback" in data["redirect_uris"]
    assert "https://example.com" in data["allowed_origins"]
    assert "https://example.com/logout" in data["logout_redirect_uris"]
    assert set(data["scopes"]) >= {
        "openid",
        "files:read",
        "files:write",
        "rooms:read",
        "rooms:write",
        "accounts:read",
        "accounts:write",
        "accounts.self:read",
        "accounts.self:write",
    }
    assert isinstance(data["authentication_methods"], list)
    assert data["created_on"]
    assert data["created_by"]


# describe("POST /api/2.0/clients")


def test_post_clients_owner_creates_oauth2_client(portal: Portal) -> None:
    """POST /api/2.0/clients - Owner creates OAuth2 client"""
    _create_full(portal, "owner")


def test_post_clients_docspaceadmin_creates_oauth2_client(portal: Portal) -> None:
    """POST /api/2.0/clients - DocSpaceAdmin creates OAuth2 client"""
    _create_full(portal, "docSpaceAdmin")


def test_post_clients_roomadmin_creates_oauth2_client(portal: Portal) -> None:
    """POST /api/2.0/clients - RoomAdmin creates OAuth2 client"""
    _create_full(portal, "roomAdmin")


def test_post_clients_user_creates_oauth2_client(portal: Portal) -> None:
    """POST /api/2.0/clients - User creates OAuth2 client"""
    _create_full(portal, "user")


# describe("DELETE /api/2.0/clients/{clientId}")


def _delete_own(portal: Portal, role: str) -> None:
    member = portal.member(ROLE[role])
    client_id = create(member, management_full_request(name="Test Client"))["client_id"]
    response = call(member, "DELETE", f"/api/2.0/clients/{client_id}")
    assert response.status_code == 200, response.text


def test_delete_client_owner_can_delete_their_own_oauth2_client(portal: Portal) -> None:
    """DELETE /api/2.0/clients/{clientId} - Owner can delete their own OAuth2 client"""
    _delete_own(portal, "owner")


def test_delete_client_docspaceadmin_can_delete_their_own_oauth2_client(portal: Portal) -> None:
    """DELETE /api/2.0/clients/{clientId} - DocSpaceAdmin can delete their own OAuth2 client"""
    _delete_own(portal, "docSpaceAdmin")


def test_delete_client_roomadmin_can_delete_their_own_oauth2_client(portal: Portal) -> None:
    """DELETE /api/2.0/clients/{clientId} - RoomAdmin can delete their own OAuth2 client"""
    _delete_own(portal, "roomAdmin")


def test_delete_client_user_can_delete_their_own_oauth2_client(portal: Portal) -> None:
    """DELETE /api/2.0/clients/{clientId} - User can delete their own OAuth2 client"""
    _delete_own(portal, "user")


# describe("PUT /api/2.0/clients/{clientId}")


def _update_own(portal: Portal, role: str, **changes: Any) -> None:
    member = portal.member(ROLE[role])
    client_id = create(member, management_full_request(name="Test Client"))["client_id"]
    response = call(
        member,
        "PUT",
        f"/api/2.0/clients/{client_id}",
        json=management_full_request(name="Updated OAuth Client", **changes),
    )
    assert response.status_code == 200, response.text


def test_put_client_owner_updates_oauth2_client(portal: Portal) -> None:
    """PUT /api/2.0/clients/{clientId} - Owner updates OAuth2 client"""
    _update_own(portal, "owner", description="Updated description")


def test_put_client_docspaceadmin_updates_oauth2_client(portal: Portal) -> None:
    """PUT /api/2.0/clients/{clientId} - DocSpaceAdmin updates OAuth2 client"""
    _update_own(portal, "docSpaceAdmin")


def test_put_client_roomadmin_updates_oauth2_client(portal: Portal) -> None:
    """PUT /api/2.0/clients/{clientId} - RoomAdmin updates OAuth2 client"""
    _update_own(portal, "roomAdmin")


def test_put_client_user_updates_their_own_oauth2_client(portal: Portal) -> None:
    """PUT /api/2.0/clients/{clientId} - User updates their own OAuth2 client"""
    _update_own(portal, "user")


# describe("PATCH /api/2.0/clients/{clientId}/activation")


def _deactivate_own(portal: Portal, role: str) -> None:
    member = portal.member(ROLE[role])
    client_id = create(member, management_full_request(name="Test Client"))["client_id"]
    response = call(
        member, "PATCH", f"/api/2.0/clients/{client_id}/activation", json={"status": False}
    )
    assert response.status_code == 200, response.text


def test_patch_activation_owner_deactivates_oauth2_client(portal: Portal) -> None:
    """PATCH /api/2.0/clients/{clientId}/activation - Owner deactivates OAuth2 client"""
    _deactivate_own(portal, "owner")


def test_patch_activation_owner_reactivates_oauth2_client(portal: Portal) -> None:
    """PATCH /api/2.0/clients/{clientId}/activation - Owner reactivates OAuth2 client"""
    owner = portal.member("owner")
    client_id = create(owner, management_full_request(name="Test Client"))["client_id"]
    call(owner, "PATCH", f"/api/2.0/clients/{client_id}/activation", json={"status": False})
    response = call(
        owner, "PATCH", f"/api/2.0/clients/{client_id}/activation", json={"status": True}
    )
    assert response.status_code == 200, response.text


def test_patch_activation_docspaceadmin_changes_client_activation(portal: Portal) -> None:
    """PATCH /api/2.0/clients/{clientId}/activation - DocSpaceAdmin changes client activation"""
    _deactivate_own(portal, "docSpaceAdmin")


def test_patch_activation_roomadmin_changes_client_activation(portal: Portal) -> None:
    """PATCH /api/2.0/clients/{clientId}/activation - RoomAdmin changes client activation"""
    _deactivate_own(portal, "roomAdmin")


def test_patch_activation_user_changes_activation_of_their_own_client(portal: Portal) -> None:
    """PATCH /api/2.0/clients/{clientId}/activation - User changes activation of their own
    client"""
    _deactivate_own(portal, "user")


# describe("DELETE /api/2.0/clients/tenant")


def test_delete_tenant_clients_owner_deletes_all_tenant_oauth2_clients(portal: Portal) -> None:
    """DELETE /api/2.0/clients/tenant - Owner deletes all tenant OAuth2 clients"""
    owner = portal.member("owner")
    create(owner, management_full_request(name="Test Client 1"))
    create(owner, management_full_request(name="Test Client 2"))
    response = call(owner, "DELETE", "/api/2.0/clients/tenant")
    assert response.status_code == 200, response.text


def test_delete_tenant_clients_docspaceadmin_deletes_all_tenant_oauth2_clients(
    portal: Portal,
) -> None:
    """DELETE /api/2.0/clients/tenant - DocSpaceAdmin deletes all tenant OAuth2 clients"""
    admin = portal.member("admin")
    create(admin, management_full_request(name="Test Client"))
    response = call(admin, "DELETE", "/api/2.0/clients/tenant")
    assert response.status_code == 200, response.text


def test_delete_tenant_clients_clients_are_gone_after_deletion(portal: Portal) -> None:
    """DELETE /api/2.0/clients/tenant - clients are gone after deletion"""
    owner = portal.member("owner")
    create(owner, management_full_request(name="Test Client 1"))
    create(owner, management_full_request(name="Test Client 2"))
    call(owner, "DELETE", "/api/2.0/clients/tenant")
    response = call(owner, "GET", "/api/2.0/clients", params={"limit": 50})
    assert response.status_code == 200, response.text
    assert response.json()["data"] == []


def test_delete_tenant_clients_returns_200_when_no_clients_exist(portal: Portal) -> None:
    """DELETE /api/2.0/clients/tenant - returns 200 when no clients exist"""
    response = call(portal.member("owner"), "DELETE", "/api/2.0/clients/tenant")
    assert response.status_code == 200, response.text


# describe("PATCH /api/2.0/clients/{clientId}/regenerate")


def _regenerate_own(portal: Portal, role: str) -> tuple[str, str]:
    member = portal.member(ROLE[role])
    created = create(member, management_full_request(name="Test Client"))
    response = call(member, "PATCH", f"/api/2.0/clients/{created['client_id']}/regenerate")
    assert response.status_code == 200, response.text
    secret = response.json()["client_secret"]
    assert secret
    return created["client_secret"], secret


def test_patch_regenerate_owner_regenerates_client_secret(portal: Portal) -> None:
    """PATCH /api/2.0/clients/{clientId}/regenerate - Owner regenerates client secret"""
    original, regenerated = _regenerate_own(portal, "owner")
    assert regenerated != original


def test_patch_regenerate_docspaceadmin_regenerates_client_secret(portal: Portal) -> None:
    """PATCH /api/2.0/clients/{clientId}/regenerate - DocSpaceAdmin regenerates client secret"""
    _regenerate_own(portal, "docSpaceAdmin")


def test_patch_regenerate_roomadmin_regenerates_client_secret(portal: Portal) -> None:
    """PATCH /api/2.0/clients/{clientId}/regenerate - RoomAdmin regenerates client secret"""
    _regenerate_own(portal, "roomAdmin")


def test_patch_regenerate_user_regenerates_secret_of_their_own_client(portal: Portal) -> None:
    """PATCH /api/2.0/clients/{clientId}/regenerate - User regenerates secret of their own
    client"""
    _regenerate_own(portal, "user")


# describe("DELETE /api/2.0/clients")


def _delete_all_own(portal: Portal, role: str) -> None:
    member = portal.member(ROLE[role])
    create(member, management_full_request(name="Test Client"))
    response = call(member, "DELETE", "/api/2.0/clients")
    assert response.status_code == 200, response.text


def test_delete_clients_owner_deletes_all_their_oauth2_clients(portal: Portal) -> None:
    """DELETE /api/2.0/clients - Owner deletes all their OAuth2 clients"""
    _delete_all_own(portal, "owner")


def test_delete_clients_docspaceadmin_deletes_all_their_oauth2_clients(portal: Portal) -> None:
    """DELETE /api/2.0/clients - DocSpaceAdmin deletes all their OAuth2 clients"""
    _delete_all_own(portal, "docSpaceAdmin")


def test_delete_clients_roomadmin_deletes_all_their_oauth2_clients(portal: Portal) -> None:
    """DELETE /api/2.0/clients - RoomAdmin deletes all their OAuth2 clients"""
    _delete_all_own(portal, "roomAdmin")


def test_delete_clients_user_deletes_all_their_oauth2_clients(portal: Portal) -> None:
    """DELETE /api/2.0/clients - User deletes all their OAuth2 clients"""
    _delete_all_own(portal, "user")


def test_delete_clients_clients_are_gone_after_deletion(portal: Portal) -> None:
    """DELETE /api/2.0/clients - clients are gone after deletion"""
    owner = portal.member("owner")
    create(owner, management_full_request(name="Test Client 1"))
    create(owner, management_full_request(name="Test Client 2"))
    call(owner, "DELETE", "/api/2.0/clients")
    response = call(owner, "GET", "/api/2.0/clients", params={"limit": 50})
    assert response.status_code == 200, response.text
    assert response.json()["data"] == []


def test_delete_clients_returns_200_when_no_clients_exist(portal: Portal) -> None:
    """DELETE /api/2.0/clients - returns 200 when no clients exist"""
    response = call(portal.member("owner"), "DELETE", "/api/2.0/clients")
    assert response.status_code == 200, response.text


# describe("DELETE /api/2.0/clients/{clientId}/revoke")


def test_delete_revoke_revoke_without_prior_consent_returns_200(portal: Portal) -> None:
    """DELETE /api/2.0/clients/{clientId}/revoke - Revoke without prior consent returns 200"""
    owner = portal.member("owner")
    client_id = create(owner, management_full_request(name="Test Client"))["client_id"]
    response = call(owner, "DELETE", f"/api/2.0/clients/{client_id}/revoke")
    assert response.status_code == 200, response.text
