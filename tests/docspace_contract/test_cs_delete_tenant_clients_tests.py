"""Port of ClientManagement/DeleteTenantClientsTests.cs (DocSpace-server, Tests/08_OAuth2).

DELETE /api/2.0/clients/tenant: an owner or DocSpaceAdmin can wipe every OAuth2 client
registered under the tenant, whether or not there is anything to delete.
"""

from __future__ import annotations

import pytest

from tests.docspace_contract._cs_support import member_of, valid_create_client_request
from tests.docspace_contract.conftest import Portal


@pytest.mark.parametrize(
    "employee_type", ["Owner", "DocSpaceAdmin"], ids=["Owner", "DocSpaceAdmin"]
)
def test_delete_tenant_clients_by_role_returns_ok(portal: Portal, employee_type: str) -> None:
    user = member_of(portal, portal.member("owner"), employee_type)

    with user.http() as http:
        for name in ("Test Client 1", "Test Client 2"):
            created = http.post("/api/2.0/clients", json=valid_create_client_request(name))
            assert created.status_code == 201, created.text

        response = http.delete("/api/2.0/clients/tenant")

    assert response.status_code == 200, response.text


def test_delete_tenant_clients_clients_are_gone_after_deletion(portal: Portal) -> None:
    owner = portal.member("owner")
    with owner.http() as http:
        for name in ("Test Client 1", "Test Client 2"):
            created = http.post("/api/2.0/clients", json=valid_create_client_request(name))
            assert created.status_code == 201, created.text
        deleted = http.delete("/api/2.0/clients/tenant")
        assert deleted.status_code == 200, deleted.text

    with owner.http() as http:
        response = http.get("/api/2.0/clients?limit=50")

    assert response.status_code == 200, response.text
    assert len(response.json()["data"]) == 0


def test_delete_tenant_clients_no_clients_exist_returns_ok(portal: Portal) -> None:
    with portal.member("owner").http() as http:
        response = http.delete("/api/2.0/clients/tenant")

    assert response.status_code == 200, response.text
