"""Port of ClientManagement/ChangeActivationTests.cs (DocSpace-server, Tests/08_OAuth2).

PATCH /api/2.0/clients/{clientId}/activation: every role can (de)activate its own client.
"""

from __future__ import annotations

from tests.docspace_contract._cs_support import BY_ROLE, create_client_as, member_of
from tests.docspace_contract.conftest import Portal


@BY_ROLE
def test_change_activation_own_client_by_role_deactivates(
    portal: Portal, employee_type: str
) -> None:
    user = member_of(portal, portal.member("owner"), employee_type)
    created = create_client_as(user)

    with user.http() as http:
        response = http.patch(
            f"/api/2.0/clients/{created['client_id']}/activation", json={"status": False}
        )

    assert response.status_code == 200, response.text


def test_change_activation_own_client_reactivates(portal: Portal) -> None:
    owner = portal.member("owner")
    created = create_client_as(owner)

    with owner.http() as http:
        path = f"/api/2.0/clients/{created['client_id']}/activation"
        first = http.patch(path, json={"status": False})
        assert first.status_code == 200, first.text

        response = http.patch(path, json={"status": True})

    assert response.status_code == 200, response.text
