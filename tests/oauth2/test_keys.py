"""Signing keys: encrypted at rest, created once however many instances start together,
rotated by `docspace-oauth keys rotate` without a restart, published until their tokens die."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import jwt as pyjwt
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from docspace_oauth.db.engine import create_engine, session_factory
from docspace_oauth.db.migrate import upgrade
from docspace_oauth.models import SigningKey
from docspace_oauth.oauth2 import keys
from docspace_oauth.security.server_keys import ServerKeys
from tests.conftest import (
    POSTGRES_ADMIN_URL,
    LiveServer,
    ServerProcess,
    _postgres_admin,
    run_cli_here,
)
from tests.oauth2.conftest import Kit


async def test_private_keys_are_encrypted_at_rest(
    db: async_sessionmaker[AsyncSession], server_keys: ServerKeys
) -> None:
    async with db() as session:
        rows = (await session.scalars(select(SigningKey))).all()
    assert rows
    for row in rows:
        assert row.private_jwk_encrypted.startswith("v1.")
        assert '"d"' not in row.private_jwk_encrypted
        assert "d" not in row.public_jwk
        private = keys.decrypt_private(
            server_keys.encryption_key, row.kid, row.private_jwk_encrypted
        )
        assert private["d"]
        with pytest.raises(keys.SigningKeyError):
            keys.decrypt_private(b"\0" * 32, row.kid, row.private_jwk_encrypted)
        with pytest.raises(keys.SigningKeyError):  # bound to its kid
            keys.decrypt_private(
                server_keys.encryption_key, "another-kid", row.private_jwk_encrypted
            )


@pytest.fixture
async def empty_database(database_kind: str, tmp_path: Path) -> AsyncIterator[str]:
    if database_kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"dso_keys_{secrets.token_hex(4)}"
    await _postgres_admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        await _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_first_key_is_created_once_by_racing_instances(empty_database: str) -> None:
    encryption_key = b"e" * 32
    engines = [create_engine(empty_database) for _ in range(6)]
    try:
        await upgrade(engines[0])

        async def start(engine_index: int) -> None:
            async with session_factory(engines[engine_index])() as session:
                await keys.ensure_signing_key(session, encryption_key, "ES256")

        await asyncio.gather(*(start(i) for i in range(len(engines))))
        async with session_factory(engines[0])() as session:
            assert len(await keys.all_keys(session)) == 1

        async def rotate(engine_index: int) -> int:
            async with session_factory(engines[engine_index])() as session:
                return (await keys.rotate(session, encryption_key, "ES256")).seq

        seqs = await asyncio.gather(*(rotate(i) for i in range(4)))
        assert sorted(seqs) == [2, 3, 4, 5]
        async with session_factory(engines[0])() as session:
            rows = await keys.all_keys(session)
        assert [row.retired_at is None for row in rows] == [True, False, False, False, False]
    finally:
        for engine in engines:
            await engine.dispose()


async def test_retired_keys_leave_the_jwks_after_one_token_lifetime(empty_database: str) -> None:
    engine = create_engine(empty_database)
    ttl = 3600
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        async with sessions() as session:
            await keys.ensure_signing_key(session, b"e" * 32, "ES256")
        async with sessions() as session:
            first = (await keys.all_keys(session))[0]
            second = await keys.rotate(session, b"e" * 32, "RS256")
        async with sessions() as session:
            retired = next(k for k in await keys.all_keys(session) if k.seq == first.seq)
            assert retired.retired_at is not None
            window = keys.publication_window(ttl)
            assert window == timedelta(seconds=ttl + 60)  # one token lifetime plus clock skew

            def published_at(moment: datetime) -> set[str]:
                return {k.kid for k in rows_at[moment]}

            moments = [
                retired.retired_at + window - timedelta(seconds=5),
                retired.retired_at + window + timedelta(seconds=5),
            ]
            rows_at = {
                m: await keys.published(session, access_token_ttl=ttl, now=m) for m in moments
            }
        assert published_at(moments[0]) == {first.kid, second.kid}
        assert published_at(moments[1]) == {second.kid}
        jwk = next(k.public_jwk for k in rows_at[moments[1]])
        assert jwk["kty"] == "RSA"
        assert jwk["alg"] == "RS256"
    finally:
        await engine.dispose()


def test_rotate_while_serving(kit: Kit, live_server: LiveServer, sibling: ServerProcess) -> None:
    app = kit.register()
    before = kit.tokens(app)
    old_kid = pyjwt.get_unverified_header(before["access_token"])["kid"]

    result = run_cli_here(live_server.env, "keys", "rotate")
    assert result.returncode == 0, result.stderr
    listed = run_cli_here(live_server.env, "keys", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    new_kid = rows[0]["kid"]
    assert rows[0]["status"] == "signing"
    assert new_kid != old_kid
    assert new_kid in result.stdout
    assert {"kid": old_kid, "status": "published"}.items() <= next(
        r for r in rows if r["kid"] == old_kid
    ).items()

    published = {k["kid"] for k in httpx.get(f"{kit.base}/oauth2/jwks").json()["keys"]}
    assert {old_kid, new_kid} <= published

    # The running server signs with the new key at once, without a restart...
    after = kit.refresh(app, before["refresh_token"]).json()
    assert pyjwt.get_unverified_header(after["access_token"])["kid"] == new_kid
    assert pyjwt.get_unverified_header(after["id_token"])["kid"] == new_kid
    # ... tokens of both keys verify against the JWKS (PyJWT) ...
    kit.verify(before["access_token"], audience=app.owner.tenant_url)
    kit.verify(after["access_token"], audience=app.owner.tenant_url)
    # ... and introspect as active, here and on an instance that had not seen the new key.
    assert kit.introspect(before["access_token"], by=app)["active"] is True
    response = httpx.post(
        f"{sibling.url}/oauth2/introspect",
        data={"token": after["access_token"]},
        auth=(app.client_id, app.secret),
    )
    assert response.json()["active"] is True
