"""Port of ClientManagement/RevokeUserClientTests.cs (DocSpace-server, Tests/08_OAuth2).

DELETE /api/2.0/clients/{clientId}/revoke: revoking a client with no prior consent still
succeeds; there is simply nothing to invalidate.
"""

from __future__ import annotations

from tests.docspace_contract._cs_support import create_client_as
from tests.docspace_contract.conftest import Portal


def test_revoke_user_client_without_prior_consent_returns_ok(portal: Portal) -> None:
    owner = portal.member("owner")
    created = create_client_as(owner)

    with owner.http() as http:
        response = http.delete(f"/api/2.0/clients/{created['client_id']}/revoke")

    assert response.status_code == 200, response.text
