"""Port of ClientManagement/DeleteClientPermissionsTests.cs (DocSpace-server, Tests/08_OAuth2).

DELETE /api/2.0/clients/{clientId}: no signature means no delete, another user's client is
invisible (404, not 403), and a non-existent id is a plain 404.
"""

from __future__ import annotations

import httpx

from tests.docspace_contract._cs_support import ZERO_ID, assert_problem, create_client_as
from tests.docspace_contract.conftest import Portal


def test_delete_client_anonymous_throws_forbidden(anonymous: httpx.Client) -> None:
    response = anonymous.delete("/api/2.0/clients/non-existent-id")

    assert_problem(response, 403)


def test_delete_client_guest_throws_forbidden(portal: Portal, anonymous: httpx.Client) -> None:
    # The C# case signs the guest in on Web.Api only and strips the identity signature
    # (ApplySignature(null)), so the identity call it makes carries no credentials.
    response = anonymous.delete("/api/2.0/clients/non-existent-id")
    assert_problem(response, 403)

    # The same call with the guest's own signature: refused too (the contract's role table).
    with portal.member("guest").http() as http:
        response = http.delete("/api/2.0/clients/non-existent-id")
    assert_problem(response, 403)


def test_delete_client_another_users_client_throws_not_found(portal: Portal) -> None:
    owner_client = create_client_as(portal.member("owner"))

    with portal.member("user").http() as http:
        response = http.delete(f"/api/2.0/clients/{owner_client['client_id']}")

    assert_problem(response, 404)


def test_delete_client_non_existent_client_throws_not_found(portal: Portal) -> None:
    with portal.member("owner").http() as http:
        response = http.delete(f"/api/2.0/clients/{ZERO_ID}")

    assert_problem(response, 404)
