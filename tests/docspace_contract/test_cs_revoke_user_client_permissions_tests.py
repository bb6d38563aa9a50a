"""Port of ClientManagement/RevokeUserClientPermissionsTests.cs (DocSpace-server,
Tests/08_OAuth2).

DELETE /api/2.0/clients/{clientId}/revoke: no signature means no revoke, and revoking a
non-existent client still succeeds since there is nothing to invalidate either way.
"""

from __future__ import annotations

import httpx

from tests.docspace_contract._cs_support import ZERO_ID, assert_problem
from tests.docspace_contract.conftest import Portal


def test_revoke_user_client_anonymous_throws_forbidden(anonymous: httpx.Client) -> None:
    response = anonymous.delete(f"/api/2.0/clients/{ZERO_ID}/revoke")

    assert_problem(response, 403)


def test_revoke_user_client_guest_throws_forbidden(anonymous: httpx.Client) -> None:
    # The C# case signs a guest in on Web.Api only and strips the identity signature
    # (ApplySignature(null)): the identity call it makes carries no credentials, and that is
    # what it asserts is refused. (With the guest's own signature the contract's role table
    # says the opposite: a guest may revoke its own consent, 200. Not asserted here.)
    response = anonymous.delete(f"/api/2.0/clients/{ZERO_ID}/revoke")

    assert_problem(response, 403)


def test_revoke_user_client_non_existent_client_returns_ok(portal: Portal) -> None:
    with portal.member("owner").http() as http:
        response = http.delete(f"/api/2.0/clients/{ZERO_ID}/revoke")

    assert response.status_code == 200, response.text
