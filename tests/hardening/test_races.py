"""Races over real HTTP, on SQLite and PostgreSQL: concurrent requests through one live
server, then the database is read directly to check what was stored against what was
answered.

No 5xx under any of it: SQLite's "database is locked" must queue, never surface.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from docspace_oauth.callers.principal import Caller, Scheme
from docspace_oauth.clients import service
from docspace_oauth.models import Client, Consent, Role
from docspace_oauth.scopes.catalogue import CATALOGUE
from docspace_oauth.security.hashing import keyed_hash
from tests.factory import BASES, PNG_1PX, client_body
from tests.hardening.conftest import add_user, async_http

RACERS = 50
RACE_TENANT = 7_000_010
STORM_TENANT = 7_000_011


@pytest.fixture(scope="session")
async def racers(live_server, db, server_keys) -> dict[str, str]:
    keys = {}
    for name, tenant, role in (
        ("admin", RACE_TENANT, Role.ADMIN),
        ("storm_admin", STORM_TENANT, Role.ADMIN),
        ("storm_user1", STORM_TENANT, Role.USER),
        ("storm_user2", STORM_TENANT, Role.USER),
    ):
        _, keys[name] = await add_user(db, server_keys, live_server.url, tenant=tenant, role=role)
    return keys


async def _row(db, client_id: str) -> Client | None:
    async with db() as session:
        return await session.get(Client, client_id)


def _statuses(responses) -> list[int]:
    return sorted({r.status_code for r in responses})


@pytest.mark.parametrize("grace_period", [None, 3600], ids=["no-grace", "grace"])
async def test_concurrent_regenerations_leave_exactly_one_secret(
    live_server, db, server_keys, racers, grace_period
):
    async with async_http(live_server, racers["admin"]) as http:
        created = await http.post(BASES[0], json=client_body())
        assert created.status_code == 201, created.text
        client_id = created.json()["client_id"]
        params = {"grace_period": grace_period} if grace_period else {}
        responses = await asyncio.gather(
            *(
                http.patch(f"{BASES[i % 2]}/{client_id}/regenerate", params=params)
                for i in range(RACERS)
            )
        )
    assert _statuses(responses) == [200], [r.text for r in responses if r.status_code != 200]
    secrets = [r.json()["client_secret"] for r in responses]
    assert len(set(secrets)) == RACERS

    row = await _row(db, client_id)
    assert row is not None
    hashes = {keyed_hash(server_keys.hash_key, s): s for s in secrets}
    # Exactly one answered secret is the stored one: the rotation that committed last.
    current = [s for h, s in hashes.items() if h == row.secret_hash]
    assert len(current) == 1
    assert row.secret_hash != keyed_hash(server_keys.hash_key, created.json()["client_secret"])
    if grace_period is None:
        assert row.previous_secret_hash is None
        assert row.previous_secret_expires_at is None
        assert all(r.json()["previous_secret_expires_at"] is None for r in responses)
    else:
        # ... and exactly one other answered secret is the one it replaced, still valid.
        previous = [s for h, s in hashes.items() if h == row.previous_secret_hash]
        assert len(previous) == 1
        assert previous != current
        assert row.previous_secret_expires_at is not None
        expected = datetime.now(UTC) + timedelta(seconds=grace_period)
        assert abs(row.previous_secret_expires_at - expected) < timedelta(seconds=60)


def _logo(i: int) -> str:
    return "data:image/png;base64," + base64.b64encode(PNG_1PX + bytes([i])).decode()


# One field per writer; the same field is written by several racers with different values.
FIELD_VALUES = {
    "name": lambda i: f"Racer name {i:03d}",
    "description": lambda i: f"Racer description {i}",
    "logo": _logo,
    "website_url": lambda i: f"https://site{i}.example.com",
    "terms_url": lambda i: f"https://site{i}.example.com/terms",
    "policy_url": lambda i: f"https://site{i}.example.com/privacy",
    "logout_redirect_uri": lambda i: f"https://site{i}.example.com/bye",
    "redirect_uris": lambda i: [f"https://app{i}.example.com/cb"],
    "allowed_origins": lambda i: [f"https://app{i}.example.com"],
    "scopes": lambda i: [CATALOGUE[i % len(CATALOGUE)].name],
    "allow_pkce": lambda i: True,
    "is_public": lambda i: True,
    "grant_types": lambda i: ["client_credentials"],
}
STORED_AS = {"logout_redirect_uri": "logout_redirect_uris", "enabled": "enabled"}


async def test_concurrent_updates_of_different_fields_lose_none(
    live_server, db, server_keys, racers
):
    fields = [*FIELD_VALUES, "enabled", "secret"]
    async with async_http(live_server, racers["admin"]) as http:
        created = await http.post(BASES[0], json=client_body(name="Before the race"))
        assert created.status_code == 201
        before = created.json()
        client_id = before["client_id"]

        async def write(i: int):
            field = fields[i % len(fields)]
            base = BASES[i % 2]
            if field == "enabled":
                return (
                    field,
                    False,
                    await http.patch(f"{base}/{client_id}/activation", json={"status": False}),
                )
            if field == "secret":
                return field, None, await http.patch(f"{base}/{client_id}/regenerate")
            value = FIELD_VALUES[field](i)
            return field, value, await http.put(f"{base}/{client_id}", json={field: value})

        results = await asyncio.gather(*(write(i) for i in range(RACERS)))
        after = (await http.get(f"{BASES[0]}/{client_id}")).json()

    assert _statuses([r for _, _, r in results]) == [200]
    written: dict[str, list] = {}
    for field, value, response in results:
        if field == "secret":
            written.setdefault(field, []).append(response.json()["client_secret"])
            continue
        written.setdefault(field, []).append(value)
        # Each response shows its own write: the row was reread inside its transaction.
        shown = response.json()[STORED_AS.get(field, field)]
        expected = [value] if field == "logout_redirect_uri" else value
        assert shown == expected, (field, shown)
    assert set(written) == set(fields)  # every field had at least one writer
    for field, values in written.items():
        if field == "secret":
            continue
        final = after[STORED_AS.get(field, field)]
        candidates = [[v] for v in values] if field == "logout_redirect_uri" else values
        assert final in candidates, (field, final, values)  # one of its writers won...
        assert final != before[STORED_AS.get(field, field)], field  # ...none was lost
    row = await _row(db, client_id)
    assert row is not None
    stored = [
        s for s in written["secret"] if keyed_hash(server_keys.hash_key, s) == row.secret_hash
    ]
    assert len(stored) == 1
    # Nothing else moved.
    for unchanged in ("client_id", "tenant", "created_on", "created_by"):
        assert after[unchanged] == before[unchanged]


async def _seed_consents(db, client_ids: list[str], user_ids: list[str], tenant: int) -> None:
    async with db() as session:
        for client_id in client_ids:
            for user_id in user_ids:
                session.add(
                    Consent(
                        client_id=client_id,
                        user_id=user_id,
                        tenant_id=tenant,
                        scopes="openid files:read",
                        revoked=False,
                        generation=0,
                        modified_at=datetime.now(UTC),
                    )
                )
        await session.commit()


async def _orphan_consents(db) -> int:
    async with db() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(Consent)
                .where(
                    ~select(Client.client_id).where(Client.client_id == Consent.client_id).exists()
                )
            )
            or 0
        )


async def test_creates_racing_tenant_deletion_leave_no_orphan(live_server, db, racers):
    admin, users = racers["storm_admin"], [racers["storm_user1"], racers["storm_user2"]]
    portal_users = [str(uuid.uuid4()) for _ in range(3)]
    async with async_http(live_server) as http:

        async def call(key: str, method: str, path: str, **kwargs):
            return await http.request(
                method, path, headers={"Authorization": f"Bearer {key}"}, **kwargs
            )

        existing = []
        for i in range(10):
            response = await call([admin, *users][i % 3], "POST", BASES[0], json=client_body())
            assert response.status_code == 201
            existing.append(response.json()["client_id"])
        await _seed_consents(db, existing, portal_users, STORM_TENANT)

        jobs = []
        for i in range(RACERS):
            key = [admin, *users][i % 3]
            jobs.append(("create", call(key, "POST", BASES[i % 2], json=client_body())))
            if i % 10 == 5:
                jobs.append(("tenant", call(admin, "DELETE", f"{BASES[i % 2]}/tenant")))
            if i % 10 == 8:
                jobs.append(("own", call(users[i % 2], "DELETE", BASES[i % 2])))
        for client_id in existing[:5]:
            # x-signature callers revoking their own consent while the client may go.
            jobs.append(
                (
                    "revoke",
                    http.delete(
                        f"{BASES[0]}/{client_id}/revoke",
                        headers={"x-signature": _portal_signature(portal_users[0])},
                    ),
                )
            )
        kinds = [kind for kind, _ in jobs]
        responses = await asyncio.gather(*(job for _, job in jobs))

        listed: list[str] = []
        params: dict = {"limit": 50}
        while True:
            page = (await call(admin, "GET", BASES[0], params=params)).json()
            listed += [c["client_id"] for c in page["data"]]
            if page["last_client_id"] is None:
                break
            params = {
                "limit": 50,
                "last_client_id": page["last_client_id"],
                "last_created_on": page["last_created_on"],
            }

    by_kind: dict[str, list] = {}
    for kind, response in zip(kinds, responses, strict=True):
        by_kind.setdefault(kind, []).append(response)
    assert _statuses(by_kind["create"]) == [201]
    assert _statuses(by_kind["tenant"]) == [200]
    assert _statuses(by_kind["own"]) == [200]
    assert set(_statuses(by_kind["revoke"])) <= {200, 404}  # 404: its client was deleted first

    created = [r.json()["client_id"] for r in by_kind["create"]]
    deleted = sum(r.json()["deleted"] for r in by_kind["tenant"] + by_kind["own"])
    async with db() as session:
        remaining = set(
            await session.scalars(select(Client.client_id).where(Client.tenant_id == STORM_TENANT))
        )
    # The counts add up: everything that existed was either deleted (and counted once) or is
    # still there, and the list shows exactly what is there.
    assert len(existing) + len(created) - deleted == len(remaining)
    assert remaining <= set(existing) | set(created)
    assert sorted(listed) == sorted(remaining)
    assert len(listed) == len(set(listed))
    assert await _orphan_consents(db) == 0


def _portal_signature(user_id: str) -> str:
    from tests.conftest import signature

    return signature(user_id, STORM_TENANT)


async def test_changes_racing_deletion_answer_200_or_404(live_server, db, server_keys, racers):
    async with async_http(live_server, racers["admin"]) as http:
        created = await http.post(BASES[0], json=client_body())
        client_id = created.json()["client_id"]
        await _seed_consents(db, [client_id], [str(uuid.uuid4())], RACE_TENANT)
        jobs = []
        for i in range(RACERS):
            base = BASES[i % 2]
            if i == RACERS // 2:
                jobs.append(http.delete(f"{base}/{client_id}"))
            elif i % 3 == 0:
                jobs.append(http.patch(f"{base}/{client_id}/regenerate"))
            elif i % 3 == 1:
                jobs.append(http.put(f"{base}/{client_id}", json={"description": f"v{i}"}))
            else:
                jobs.append(
                    http.patch(f"{base}/{client_id}/activation", json={"status": i % 2 == 0})
                )
        responses = await asyncio.gather(*jobs)
        assert (await http.get(f"{BASES[0]}/{client_id}")).status_code == 404
    assert set(_statuses(responses)) <= {200, 404}, [
        r.text for r in responses if r.status_code >= 500
    ]
    assert responses[RACERS // 2].status_code == 200
    assert await _row(db, client_id) is None
    assert await _orphan_consents(db) == 0


async def test_regeneration_of_a_client_deleted_meanwhile_is_404(
    live_server, db, server_keys, racers, monkeypatch
):
    """Regression: on PostgreSQL (READ COMMITTED) a deletion can commit between the check that
    the caller may manage the client and the rotation's UPDATE. The UPDATE then touches no
    row, and the server answered 200 with a secret that was never stored."""
    async with async_http(live_server, racers["admin"]) as http:
        created = (await http.post(BASES[0], json=client_body())).json()
    async with db() as session:
        stale = await session.get(Client, created["client_id"])
        assert stale is not None
        session.expunge(stale)
        await session.delete(await session.get(Client, created["client_id"]))
        await session.flush()
        caller = Caller(
            user_id=stale.created_by,
            tenant_id=stale.tenant_id,
            role=Role.ADMIN,
            name="admin",
            email="admin@hardening.example",
            scheme=Scheme.API_KEY,
        )

        async def stale_get(_session, _client_id):
            return stale  # what the check saw, before the deletion committed

        monkeypatch.setattr(service.repository, "get", stale_get)
        with pytest.raises(service.ClientNotFound):
            await service.regenerate_secret(session, server_keys.hash_key, caller, stale.client_id)
        await session.rollback()
