"""Keyset paging: newest first, exact cursor, no client skipped or repeated."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from docspace_oauth.models import Client
from tests.factory import create_client


def _walk(http, path, limit, **extra):
    seen, params, pages = [], {"limit": limit, **extra}, 0
    while True:
        response = http.get(path, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["limit"] == limit
        assert len(page["data"]) <= limit
        seen.extend(page["data"])
        pages += 1
        if page["last_client_id"] is None:
            assert page["last_created_on"] is None
            return seen, pages
        assert page["last_client_id"] == page["data"][-1]["client_id"]
        params = {
            "limit": limit,
            "last_client_id": page["last_client_id"],
            "last_created_on": page["last_created_on"],
        }


async def test_cursor_is_exact_when_many_clients_share_a_timestamp(live_server, db):
    tenant = 200_000 + uuid.uuid4().int % 100_000
    admin = live_server.create_user(f"pager-{tenant}@example.com", "admin", tenant)
    instant = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    async with db() as session:
        for i in range(23):
            created_on = instant if i < 17 else instant - timedelta(microseconds=i)
            session.add(
                Client(
                    client_id=str(uuid.uuid4()),
                    tenant_id=tenant,
                    name=f"Same instant {i}",
                    redirect_uris=["https://a.example.com/cb"],
                    allowed_origins=["https://a.example.com"],
                    scopes=["openid"],
                    grant_types=["authorization_code"],
                    secret_hash="0" * 64,
                    created_on=created_on,
                    created_by="seed",
                    modified_on=created_on,
                    modified_by="seed",
                )
            )
        await session.commit()
    with live_server.client(admin) as http:
        for path in ("/api/2.0/clients", "/api/2.0/clients/info"):
            for limit in (1, 2, 5, 30):
                seen, pages = _walk(http, path, limit)
                ids = [c["client_id"] for c in seen]
                assert len(ids) == 23 == len(set(ids)), (path, limit)
                assert pages == -(-23 // limit)
                keys = [(c["created_on"], c["client_id"]) for c in seen]
                assert keys == sorted(keys, reverse=True)


def test_default_limit_is_30_and_newest_comes_first(live_server):
    key = live_server.create_user(f"many-{uuid.uuid4().hex[:6]}@example.com", "user")
    with live_server.client(key) as http:
        made = [create_client(http)["client_id"] for _ in range(32)]
        first = http.get("/api/2.0/clients").json()
        assert first["limit"] == 30
        assert [c["client_id"] for c in first["data"]] == made[::-1][:30]
        rest, _ = _walk(http, "/api/2.0/clients", 30)
        assert [c["client_id"] for c in rest] == made[::-1]


def test_docspace_style_cursor_with_time_only(live_server):
    key = live_server.create_user(f"timeonly-{uuid.uuid4().hex[:6]}@example.com", "user")
    with live_server.client(key) as http:
        made = [create_client(http) for _ in range(3)]
        response = http.get(
            "/api/2.0/clients", params={"limit": 5, "last_created_on": made[1]["created_on"]}
        )
        assert [c["client_id"] for c in response.json()["data"]] == [made[0]["client_id"]]
        by_id = http.get(
            "/api/2.0/clients", params={"limit": 5, "last_client_id": made[2]["client_id"]}
        )
        assert [c["client_id"] for c in by_id.json()["data"]] == [
            made[1]["client_id"],
            made[0]["client_id"],
        ]


@pytest.mark.parametrize("limit", [1, 50])
def test_limit_bounds_are_accepted(live_server, limit):
    with live_server.client(live_server.keys["admin"]) as http:
        assert http.get("/api/2.0/clients", params={"limit": limit}).json()["limit"] == limit
