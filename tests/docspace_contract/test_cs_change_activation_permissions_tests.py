"""Port of ClientManagement/ChangeActivationPermissionsTests.cs (DocSpace-server, Tests/08_OAuth2).

PATCH /api/2.0/clients/{clientId}/activation: no signature means no activation change, another
user's client is invisible (404), and a non-existent id is a plain 404.
"""

from __future__ import annotations

import httpx

from tests.docspace_contract._cs_support import ZERO_ID, assert_problem, create_client_as
from tests.docspace_contract.conftest import Portal

DEACTIVATE = {"status": False}  # new ChangeClientActivationRequest(status: false)


def test_change_activation_anonymous_throws_forbidden(anonymous: httpx.Client) -> None:
    response = anonymous.patch(f"/api/2.0/clients/{ZERO_ID}/activation", json=DEACTIVATE)

    assert_problem(response, 403)


def test_change_activation_guest_throws_forbidden(portal: Portal, anonymous: httpx.Client) -> None:
    # The C# case signs the guest in on Web.Api only and strips the identity signature
    # (ApplySignature(null)), so the identity call it makes carries no credentials.
    response = anonymous.patch(f"/api/2.0/clients/{ZERO_ID}/activation", json=DEACTIVATE)
    assert_problem(response, 403)

    # The same call with the guest's own signature: refused too (the contract's role table).
    with portal.member("guest").http() as http:
        response = http.patch(f"/api/2.0/clients/{ZERO_ID}/activation", json=DEACTIVATE)
    assert_problem(response, 403)


def test_change_activation_another_users_client_throws_not_found(portal: Portal) -> None:
    owner_client = create_client_as(portal.member("owner"))

    with portal.member("user").http() as http:
        response = http.patch(
            f"/api/2.0/clients/{owner_client['client_id']}/activation", json=DEACTIVATE
        )

    assert_problem(response, 404)


def test_change_activation_non_existent_client_throws_not_found(portal: Portal) -> None:
    with portal.member("owner").http() as http:
        response = http.patch(f"/api/2.0/clients/{ZERO_ID}/activation", json=DEACTIVATE)

    assert_problem(response, 404)
