"""Port of ClientManagement/RegenerateSecretTests.cs (DocSpace-server, Tests/08_OAuth2).

PATCH /api/2.0/clients/{clientId}/regenerate: every role can regenerate the secret of its own
OAuth2 client, and the new secret differs from the one issued at creation.
"""

from __future__ import annotations

from tests.docspace_contract._cs_support import BY_ROLE, create_client_as, member_of
from tests.docspace_contract.conftest import Portal


@BY_ROLE
def test_regenerate_secret_own_client_by_role_returns_new_secret(
    portal: Portal, employee_type: str
) -> None:
    user = member_of(portal, portal.member("owner"), employee_type)
    created = create_client_as(user)

    with user.http() as http:
        response = http.patch(f"/api/2.0/clients/{created['client_id']}/regenerate")

    assert response.status_code == 200, response.text
    secret = response.json()["client_secret"]
    assert secret
    assert secret != created["client_secret"]
