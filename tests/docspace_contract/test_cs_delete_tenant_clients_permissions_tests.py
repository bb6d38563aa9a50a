"""Port of ClientManagement/DeleteTenantClientsPermissionsTests.cs (DocSpace-server,
Tests/08_OAuth2).

DELETE /api/2.0/clients/tenant: only an owner or DocSpaceAdmin may wipe the whole tenant's
OAuth2 clients; every lesser role, including a signed-in RoomAdmin, is refused.
"""

from __future__ import annotations

import httpx

from tests.docspace_contract._cs_support import assert_problem
from tests.docspace_contract.conftest import Portal


def test_delete_tenant_clients_anonymous_throws_forbidden(anonymous: httpx.Client) -> None:
    response = anonymous.delete("/api/2.0/clients/tenant")

    assert_problem(response, 403)


def test_delete_tenant_clients_guest_throws_forbidden(
    portal: Portal, anonymous: httpx.Client
) -> None:
    # The C# case signs the guest in on Web.Api only and strips the identity signature
    # (ApplySignature(null)), so the identity call it makes carries no credentials.
    response = anonymous.delete("/api/2.0/clients/tenant")
    assert_problem(response, 403)

    # The same call with the guest's own signature: refused too (the contract's role table).
    with portal.member("guest").http() as http:
        response = http.delete("/api/2.0/clients/tenant")
    assert_problem(response, 403)


def test_delete_tenant_clients_room_admin_throws_forbidden(portal: Portal) -> None:
    # InviteContact(EmployeeType.RoomAdmin): a plain user of the identity service.
    with portal.member("user").http() as http:
        response = http.delete("/api/2.0/clients/tenant")

    assert_problem(response, 403)


def test_delete_tenant_clients_user_throws_forbidden(portal: Portal) -> None:
    with portal.member("user").http() as http:
        response = http.delete("/api/2.0/clients/tenant")

    assert_problem(response, 403)
