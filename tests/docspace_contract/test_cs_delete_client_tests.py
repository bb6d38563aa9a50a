"""Port of ClientManagement/DeleteClientTests.cs (DocSpace-server, Tests/08_OAuth2).

DELETE /api/2.0/clients/{clientId}: every role can delete its own OAuth2 client.
"""

from __future__ import annotations

from tests.docspace_contract._cs_support import BY_ROLE, create_client_as, member_of
from tests.docspace_contract.conftest import Portal


@BY_ROLE
def test_delete_client_own_client_by_role_returns_ok(portal: Portal, employee_type: str) -> None:
    user = member_of(portal, portal.member("owner"), employee_type)
    created = create_client_as(user)

    with user.http() as http:
        response = http.delete(f"/api/2.0/clients/{created['client_id']}")

    assert response.status_code == 200, response.text
