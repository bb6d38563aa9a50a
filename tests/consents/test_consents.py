"""Listing and revoking one's own consents. The authorization flow that grants them is tested
in tests/oauth2; here consents are seeded directly so these rules are checked on their own."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from docspace_oauth.models import Consent
from tests.conftest import signature
from tests.factory import assert_guest_refused, create_client


async def _grant(db, client_id, user_id, tenant, scopes, when):
    async with db() as session:
        session.add(
            Consent(
                client_id=client_id,
                user_id=user_id,
                tenant_id=tenant,
                scopes=scopes,
                revoked=False,
                generation=0,
                modified_at=when,
            )
        )
        await session.commit()


async def _consent(db, client_id, user_id):
    async with db() as session:
        return await session.scalar(
            select(Consent).where(Consent.client_id == client_id, Consent.user_id == user_id)
        )


async def test_consent_list_shows_the_clients_public_view(live_server, db):
    with live_server.client(live_server.keys["admin"]) as admin:
        client = create_client(admin)
    # An x-signature user, whose id we choose, so the consent can be seeded for it.
    portal_user = str(uuid.uuid4())
    await _grant(db, client["client_id"], portal_user, 1, "files:read openid", datetime.now(UTC))
    with live_server.client() as http:
        headers = {"x-signature": signature(portal_user, 1)}
        listed = http.get("/api/2.0/clients/consents", headers=headers).json()
        assert [c["registered_client_id"] for c in listed["data"]] == [client["client_id"]]
        item = listed["data"][0]
        assert item["scopes"] == "files:read openid"
        assert item["client"]["name"] == client["name"]
        assert "client_secret" not in item["client"]
        # A plain user may not read an admin's client, but may revoke its own consent to it.
        assert (
            http.get(f"/api/2.0/clients/{client['client_id']}", headers=headers).status_code == 404
        )
        revoked = http.delete(f"/api/2.0/clients/{client['client_id']}/revoke", headers=headers)
        assert revoked.status_code == 200
        assert http.get("/api/2.0/clients/consents", headers=headers).json()["data"] == []


async def test_guest_revokes_own_consent_to_an_admins_client(live_server, db):
    with live_server.client(live_server.keys["admin"]) as admin:
        client = create_client(admin)
    # An x-signature guest, whose id we choose, so the consent can be seeded for it.
    portal_guest = str(uuid.uuid4())
    token = signature(portal_guest, 1, is_guest=True)
    now = datetime.now(UTC)
    await _grant(db, client["client_id"], portal_guest, 1, "files:read openid", now)
    with live_server.client() as http:
        headers = {"x-signature": token}
        # A guest may neither list its consents nor read the client (DocSpace refuses guests
        # every route but these two), but may revoke its own consent to it.
        assert_guest_refused(http.get("/api/2.0/clients/consents", headers=headers))
        assert_guest_refused(http.get(f"/api/2.0/clients/{client['client_id']}", headers=headers))
        revoked = http.delete(f"/api/2.0/clients/{client['client_id']}/revoke", headers=headers)
        assert revoked.status_code == 200
        assert revoked.json() == {"client_id": client["client_id"]}
    row = await _consent(db, client["client_id"], portal_guest)
    assert row is not None and row.revoked and row.generation == 1 and row.scopes == ""
    # The client itself is untouched.
    with live_server.client(live_server.keys["admin"]) as admin:
        assert admin.get(f"/api/2.0/clients/{client['client_id']}").json()["enabled"] is True


async def test_revoke_touches_only_the_callers_consent(live_server, db):
    with live_server.client(live_server.keys["admin"]) as admin:
        client = create_client(admin)
    alice, bob = str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime.now(UTC)
    await _grant(db, client["client_id"], alice, 1, "openid", now)
    await _grant(db, client["client_id"], bob, 1, "openid", now)
    with live_server.client() as http:
        assert (
            http.delete(
                f"/api/2.0/oauth2/clients/{client['client_id']}/revoke",
                headers={"x-signature": signature(alice, 1)},
            ).status_code
            == 200
        )
        bobs = http.get("/api/2.0/clients/consents", headers={"x-signature": signature(bob, 1)})
        assert len(bobs.json()["data"]) == 1


async def test_revoke_of_unknown_foreign_or_malformed_client_is_200_and_changes_nothing(
    live_server, db
):
    # As DocSpace does, revoking does not look the client up, so the answer says nothing about
    # whether it exists; and it only ever touches the caller's own consent in its own tenant.
    with live_server.client(live_server.keys["other_admin"]) as other:
        foreign = create_client(other)
    portal_user = str(uuid.uuid4())
    now = datetime.now(UTC)
    # The same user id in tenant 2 is someone else, whose consent must survive.
    await _grant(db, foreign["client_id"], portal_user, 2, "openid", now)
    unknown = str(uuid.uuid4())
    with live_server.client() as http:
        headers = {"x-signature": signature(portal_user, 1)}
        for client_id in (unknown, foreign["client_id"], "bogus"):
            response = http.delete(f"/api/2.0/clients/{client_id}/revoke", headers=headers)
            assert response.status_code == 200, (client_id, response.text)
            assert response.json() == {"client_id": client_id}
    row = await _consent(db, foreign["client_id"], portal_user)
    assert row is not None and not row.revoked and row.generation == 0 and row.scopes == "openid"
    assert await _consent(db, unknown, portal_user) is None
    with live_server.client(live_server.keys["other_admin"]) as other:
        assert other.get(f"/api/2.0/clients/{foreign['client_id']}").json()["enabled"] is True


async def test_consent_pages_are_exact_on_shared_modification_times(live_server, db):
    with live_server.client(live_server.keys["admin"]) as admin:
        clients = [create_client(admin)["client_id"] for _ in range(7)]
    user = str(uuid.uuid4())
    instant = datetime(2026, 5, 6, 7, 8, 9, 10, tzinfo=UTC)
    for i, client_id in enumerate(clients):
        await _grant(
            db, client_id, user, 1, "openid", instant if i < 5 else instant + timedelta(seconds=i)
        )
    headers = {"x-signature": signature(user, 1)}
    seen, params = [], {"limit": 2}
    with live_server.client() as http:
        while True:
            page = http.get("/api/2.0/clients/consents", params=params, headers=headers).json()
            seen.extend(c["registered_client_id"] for c in page["data"])
            if page["last_modified_on"] is None:
                break
            params = {
                "limit": 2,
                "last_modified_on": page["last_modified_on"],
                "last_client_id": page["last_client_id"],
            }
    assert sorted(seen) == sorted(clients)
    assert len(seen) == len(set(seen))
    assert seen[:2] == [clients[6], clients[5]]
