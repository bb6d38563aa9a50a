"""Port of ClientManagement/DeleteUserClientsPermissionsTests.cs (DocSpace-server,
Tests/08_OAuth2).

DELETE /api/2.0/clients: no signature means no bulk delete, and the bulk delete is scoped to
the caller's own clients only.
"""

from __future__ import annotations

import httpx

from tests.docspace_contract._cs_support import assert_problem, create_client_as
from tests.docspace_contract.conftest import Portal


def test_delete_user_clients_anonymous_throws_forbidden(anonymous: httpx.Client) -> None:
    response = anonymous.delete("/api/2.0/clients")

    assert_problem(response, 403)


def test_delete_user_clients_guest_throws_forbidden(
    portal: Portal, anonymous: httpx.Client
) -> None:
    # The C# case signs the guest in on Web.Api only and strips the identity signature
    # (ApplySignature(null)), so the identity call it makes carries no credentials.
    response = anonymous.delete("/api/2.0/clients")
    assert_problem(response, 403)

    # The same call with the guest's own signature: refused too (the contract's role table).
    with portal.member("guest").http() as http:
        response = http.delete("/api/2.0/clients")
    assert_problem(response, 403)


def test_delete_user_clients_does_not_delete_other_users_clients(portal: Portal) -> None:
    owner = portal.member("owner")
    owner_client = create_client_as(owner)

    with portal.member("user").http() as http:
        deleted = http.delete("/api/2.0/clients")
        assert deleted.status_code == 200, deleted.text

    with owner.http() as http:
        response = http.get(f"/api/2.0/clients/{owner_client['client_id']}")

    assert response.status_code == 200, response.text
    assert response.json()["client_id"] == owner_client["client_id"]
