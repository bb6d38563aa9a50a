"""Port of ClientManagement/UpdateClientTests.cs (DocSpace-server, Tests/08_OAuth2).

PUT /api/2.0/clients/{clientId}: every role can update its own OAuth2 client.
"""

from __future__ import annotations

from tests.docspace_contract._cs_support import (
    BY_ROLE,
    create_client_as,
    member_of,
    update_client_raw,
    valid_update_client_body,
)
from tests.docspace_contract.conftest import Portal


@BY_ROLE
def test_update_client_own_client_by_role_returns_ok(portal: Portal, employee_type: str) -> None:
    user = member_of(portal, portal.member("owner"), employee_type)
    created = create_client_as(user)
    body = valid_update_client_body(name="Updated OAuth Client", description="Updated description")

    with user.http() as http:
        response = update_client_raw(http, created["client_id"], body)

    assert response.status_code == 200, response.text
