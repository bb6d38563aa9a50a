"""The audit trail: what is recorded, who may read it, and that it cannot be rewritten."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError

from docspace_oauth.models import AuditEvent
from tests.factory import assert_authentication_required, create_client


def _tenant_admin(live_server):
    tenant = 300_000 + uuid.uuid4().int % 100_000
    admin = live_server.create_user(f"auditor-{tenant}@example.com", "admin", tenant)
    user = live_server.create_user(f"audited-{tenant}@example.com", "user", tenant)
    return tenant, admin, user


def _events(http, **params):
    response = http.get("/api/2.0/audit", params={"limit": 50, **params})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_management_operations_are_recorded_without_secrets(live_server):
    tenant, admin, user = _tenant_admin(live_server)
    with live_server.client(user) as http:
        created = create_client(http)
        client_id = created["client_id"]
        http.put(f"/api/2.0/clients/{client_id}", json={"description": "changed"})
        http.patch(f"/api/2.0/clients/{client_id}/activation", json={"status": False})
        regenerated = http.patch(
            f"/api/2.0/clients/{client_id}/regenerate", params={"grace_period": 60}
        ).json()
        http.delete(f"/api/2.0/clients/{client_id}/revoke")
        http.delete(f"/api/2.0/clients/{client_id}")
    with live_server.client(admin) as http:
        events = _events(http, client_id=client_id)
        raw = http.get("/api/2.0/audit", params={"limit": 50}).text
    actions = [e["action"] for e in events][::-1]
    assert actions == [
        "client.create",
        "client.update",
        "client.activation",
        "client.regenerate_secret",
        "consent.revoke",
        "client.delete",
    ]
    assert all(e["outcome"] == "success" and e["tenant_id"] == tenant for e in events)
    assert all(e["actor_user_id"] == created["created_by"] for e in events)
    assert all(e["actor_ip"] == "127.0.0.1" for e in events)
    assert events[-1]["details"] == {"name": created["name"]}
    assert created["client_secret"] not in raw
    assert regenerated["client_secret"] not in raw


def test_refused_operations_are_recorded_as_denied(live_server):
    tenant, admin, user = _tenant_admin(live_server)
    with live_server.client(admin) as http:
        client_id = create_client(http)["client_id"]
    other = live_server.create_user(f"prober-{tenant}@example.com", "user", tenant)
    with live_server.client(other) as http:
        assert http.delete(f"/api/2.0/clients/{client_id}").status_code == 404
        assert http.delete("/api/2.0/clients/tenant").status_code == 403
    with live_server.client(admin) as http:
        denied = _events(http, action="client.delete")
        assert [(e["client_id"], e["outcome"], e["details"]) for e in denied] == [
            (client_id, "denied", {"status": 404})
        ]
        assert _events(http, action="clients.delete_tenant")[0]["outcome"] == "denied"


def test_only_admins_read_their_own_tenant(live_server):
    tenant, admin, user = _tenant_admin(live_server)
    with live_server.client(user) as http:
        create_client(http)
        assert http.get("/api/2.0/audit").status_code == 403
    with live_server.client(live_server.keys["other_admin"]) as http:
        assert all(e["tenant_id"] == 2 for e in _events(http))
    with live_server.client() as http:
        assert_authentication_required(http.get("/api/2.0/audit"))


def test_audit_pages_and_filters(live_server):
    tenant, admin, user = _tenant_admin(live_server)
    with live_server.client(admin) as http:
        ids = [create_client(http)["client_id"] for _ in range(5)]
        seen, params = [], {"limit": 2, "action": "client.create"}
        while True:
            page = http.get("/api/2.0/audit", params=params).json()
            seen.extend(e["client_id"] for e in page["data"])
            if page["last_id"] is None:
                break
            params["last_id"] = page["last_id"]
        assert seen == ids[::-1]
        assert http.get("/api/2.0/audit", params={"action": "nonsense"}).status_code == 400


def test_a_cursor_past_the_id_range_is_a_bad_request(live_server):
    # Found by the fuzzer: on PostgreSQL a cursor over BIGINT's range reached the query and
    # failed there with a 500.
    _, admin, _ = _tenant_admin(live_server)
    with live_server.client(admin) as http:
        response = http.get("/api/2.0/audit", params={"last_id": 2**63})
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert http.get("/api/2.0/audit", params={"last_id": 2**63 - 1}).status_code == 200


async def test_the_database_refuses_to_rewrite_history(live_server, db):
    with live_server.client(live_server.keys["admin"]) as http:
        create_client(http)
    for statement in (update(AuditEvent).values(outcome="forged"), delete(AuditEvent)):
        async with db() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(statement)
            await session.rollback()


def test_cli_audit_lists_events_as_json(live_server):
    import json

    from tests.conftest import run_cli_here

    tenant, admin, user = _tenant_admin(live_server)
    with live_server.client(admin) as http:
        client_id = create_client(http)["client_id"]
        http.patch(f"/api/2.0/clients/{client_id}/activation", json={"status": False})
    env = {
        **live_server.env,
        "DOCSPACE_OAUTH_URL": live_server.url,
        "DOCSPACE_OAUTH_API_KEY": admin,
        "COLUMNS": "200",
    }
    result = run_cli_here(env, "audit", "--client-id", client_id, "--json")
    assert result.returncode == 0, result.stderr
    assert [e["action"] for e in json.loads(result.stdout)] == [
        "client.activation",
        "client.create",
    ]
    table = run_cli_here(env, "audit", "--action", "client.create")
    assert table.returncode == 0 and "client.create" in table.stdout
    denied = run_cli_here({**env, "DOCSPACE_OAUTH_API_KEY": user}, "audit")
    assert denied.returncode == 4
