"""Port of ScopeManagement/ScopeManagementTests.cs (DocSpace-server, Tests/08_OAuth2).

GET /api/2.0/scopes: the OAuth2 scope catalogue. Any member with an x-signature sees it; a
request without the signature is refused with 403.
"""

from __future__ import annotations

import httpx

from tests.docspace_contract._cs_support import BY_ROLE, assert_problem, member_of
from tests.docspace_contract.conftest import Portal

EXPECTED_SCOPES = [
    ("openid", "openid", "openid"),
    ("files:read", "files", "read"),
    ("files:write", "files", "write"),
    ("rooms:read", "rooms", "read"),
    ("rooms:write", "rooms", "write"),
    ("accounts:read", "accounts", "read"),
    ("accounts:write", "accounts", "write"),
]


@BY_ROLE
def test_get_scopes_member_returns_scope_catalog(portal: Portal, employee_type: str) -> None:
    user = member_of(portal, portal.member("owner"), employee_type)

    with user.http() as http:
        response = http.get("/api/2.0/scopes")

    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, list), body
    scopes = [(s["name"], s["group"], s["type"]) for s in body]
    for expected in EXPECTED_SCOPES:
        assert expected in scopes, scopes


def test_get_scopes_without_signature_throws_forbidden(anonymous: httpx.Client) -> None:
    response = anonymous.get("/api/2.0/scopes")

    assert_problem(response, 403)


def test_get_scopes_guest_without_signature_throws_forbidden(anonymous: httpx.Client) -> None:
    # As the C# case: the guest is signed in on Web.Api only and the identity signature is
    # stripped (ApplySignature(null)), so the call carries no credentials. (With the guest's own
    # signature the contract's role table says 200: guests may read the catalogue.)
    response = anonymous.get("/api/2.0/scopes")

    assert_problem(response, 403)
