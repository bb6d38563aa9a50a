"""Port of DocSpace-api-tests
`src/tests/oauth2.0/scopeManagement/scopeManagement.permissions.spec.ts`.

Each test is one `test(...)` of the TS suite, its title verbatim in the docstring.
"""

from __future__ import annotations

import httpx

from tests.conftest import LiveServer
from tests.docspace_contract._ts_support import unsigned


def test_get_scopes_anonymous_cannot_get_oauth2_scopes(anonymous: httpx.Client) -> None:
    """GET /api/2.0/scopes - Anonymous cannot get OAuth2 scopes"""
    response = anonymous.get("/api/2.0/scopes")
    assert response.status_code == 403, response.text


def test_get_scopes_guest_cannot_get_oauth2_scopes(live_server: LiveServer) -> None:
    """GET /api/2.0/scopes - Guest cannot get OAuth2 scopes"""
    # The TS guest calls `forRole("guest").scopeManagement.getScopes()` with no x-signature,
    # so the identity API sees no credential (DocSpace's C# port calls this case
    # GetScopes_GuestWithoutSignature). A guest that does sign may read the catalogue
    # (contract role table: 200).
    with unsigned(live_server) as guest:
        response = guest.get("/api/2.0/scopes")
    assert response.status_code == 403, response.text
