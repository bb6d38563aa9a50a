"""Creating clients: who may, what comes back, and what is (not) stored."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from docspace_oauth.models import Client
from docspace_oauth.security.hashing import keyed_hash
from tests.factory import BASES, assert_authentication_required, client_body, create_client

CLIENT_RESPONSE_FIELDS = {
    "name",
    "description",
    "tenant",
    "scopes",
    "enabled",
    "client_id",
    "client_secret",
    "website_url",
    "terms_url",
    "policy_url",
    "logo",
    "authentication_methods",
    "redirect_uris",
    "allowed_origins",
    "logout_redirect_uris",
    "created_on",
    "created_by",
    "modified_on",
    "modified_by",
    "is_public",
}


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("role", ["owner", "admin", "user"])
def test_members_create_clients_and_see_the_secret_once(live_server, role, base):
    with live_server.client(live_server.keys[role]) as http:
        body = client_body(allow_pkce=True)
        response = http.post(base, json=body)
        assert response.status_code == 201, response.text
        created = response.json()
        assert CLIENT_RESPONSE_FIELDS <= created.keys()
        assert re.fullmatch(
            r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
            created["client_id"],
        )
        assert re.fullmatch(r"[A-Za-z0-9]{36,}", created["client_secret"])
        assert created["name"] == body["name"]
        assert created["tenant"] == 1
        assert created["enabled"] is True
        assert created["authentication_methods"] == ["client_secret_post", "none"]
        assert created["logout_redirect_uris"] == [body["logout_redirect_uri"]]
        assert created["created_on"] == created["modified_on"]
        assert created["created_by"] == created["modified_by"]

        fetched = http.get(f"{base}/{created['client_id']}")
        assert fetched.status_code == 200
        assert fetched.json()["client_secret"] is None
        assert created["client_secret"] not in fetched.text
        listed = http.get(base, params={"limit": 50})
        assert created["client_secret"] not in listed.text


def test_guest_cannot_create_and_nothing_is_stored(live_server):
    with live_server.client(live_server.keys["guest"]) as http:
        body = client_body()
        response = http.post("/api/2.0/clients", json=body)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")
    with live_server.client(live_server.keys["admin"]) as admin:
        names = [
            c["name"] for c in admin.get("/api/2.0/clients", params={"limit": 50}).json()["data"]
        ]
        assert body["name"] not in names


def test_anonymous_gets_403_problem(live_server):
    with live_server.client() as http:
        response = http.post("/api/2.0/clients", json=client_body())
        assert_authentication_required(response)
        assert response.json()["instance"] == "/api/2.0/clients"


def test_secrets_differ_between_clients(live_server):
    with live_server.client(live_server.keys["user"]) as http:
        secrets = {create_client(http)["client_secret"] for _ in range(5)}
        assert len(secrets) == 5


async def test_secret_is_stored_only_as_a_keyed_hash(live_server, db, server_keys):
    with live_server.client(live_server.keys["user"]) as http:
        created = create_client(http)
    secret = created["client_secret"]
    async with db() as session:
        row = await session.scalar(select(Client).where(Client.client_id == created["client_id"]))
        assert row is not None
        assert row.secret_hash == keyed_hash(server_keys.hash_key, secret)
        # The secret appears in no column of any table.
        dialect = session.bind.dialect.name
        if dialect == "sqlite":
            tables = [
                r[0]
                for r in await session.execute(
                    text("SELECT name FROM sqlite_master WHERE type='table'")
                )
            ]
        else:
            tables = [
                r[0]
                for r in await session.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname='public'")
                )
            ]
        for table in tables:
            rows = (await session.execute(text(f'SELECT * FROM "{table}"'))).all()
            assert all(secret not in str(tuple(r)) for r in rows), table
