"""Fixtures for the hardening proofs (issue 6): callers in tenants of their own, and snapshots.

The proofs delete whole tenants' clients, rotate secrets and fuzz every route. They do it in
tenants no other test uses, so they can run in any order beside the rest of the suite on the
one live server.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from docspace_oauth.models import ApiKey, Client, Consent, Role
from docspace_oauth.security.hashing import keyed_hash
from docspace_oauth.security.server_keys import ServerKeys
from docspace_oauth.users.service import create_user
from tests.conftest import LiveServer
from tests.hardening.forms_kit import PASSWORD, World, pending_consent, sign_in

# Far from the tenants other tests use (1, 2 and 100..100_099).
MATRIX_TENANT = 7_000_001
OTHER_TENANT = 7_000_002
FUZZ_TENANT = 7_000_003
# The authorization server's proofs: the fuzzer's client, and the isolation table's two.
OAUTH_FUZZ_TENANT = 7_000_004
OAUTH_TENANT = 7_000_005
OAUTH_OTHER_TENANT = 7_000_006
# The form fuzzer's person (test_fuzz_forms.py): their apps, consents and sessions.
FORMS_TENANT = 7_000_007
# test_fuzz_registration.py: the admins whose policy and tokens are fuzzed, a tenant whose
# policy stays open (where the fuzzer registers), and the device grant's client.
REGISTRATION_FUZZ_TENANT = 7_000_008
OPEN_REGISTRATION_TENANT = 7_000_009
DEVICE_FUZZ_TENANT = 7_000_012  # 7_000_010 and 011: test_races.py


@dataclass
class Cast:
    """Local users (API keys) of a tenant, and one of another tenant."""

    tenant: int
    other_tenant: int
    keys: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, str] = field(default_factory=dict)


async def add_user(
    db: async_sessionmaker[AsyncSession],
    keys: ServerKeys,
    issuer: str,
    *,
    tenant: int,
    role: Role,
) -> tuple[str, str]:
    """A local user with an API key, written as `docspace-oauth users create` writes it."""
    async with db() as session:
        created = await create_user(
            session,
            keys.hash_key,
            email=f"{role.value}-{uuid.uuid4().hex[:10]}@hardening.example",
            role=role,
            tenant_id=tenant,
            issuer=issuer,
        )
        await session.commit()
        return created.user.id, created.api_key


@pytest.fixture(scope="session")
async def cast(
    live_server: LiveServer, db: async_sessionmaker[AsyncSession], server_keys: ServerKeys
) -> Cast:
    """owner, admin, user, user2, guest of MATRIX_TENANT; other_admin and other_user of
    OTHER_TENANT; and two keys that no longer work: one revoked, one expired."""
    cast = Cast(tenant=MATRIX_TENANT, other_tenant=OTHER_TENANT)
    people = {
        "owner": (MATRIX_TENANT, Role.OWNER),
        "admin": (MATRIX_TENANT, Role.ADMIN),
        "user": (MATRIX_TENANT, Role.USER),
        "user2": (MATRIX_TENANT, Role.USER),
        "guest": (MATRIX_TENANT, Role.GUEST),
        "other_admin": (OTHER_TENANT, Role.ADMIN),
        "other_user": (OTHER_TENANT, Role.USER),
        "revoked": (MATRIX_TENANT, Role.ADMIN),
        "expired": (MATRIX_TENANT, Role.ADMIN),
    }
    for name, (tenant, role) in people.items():
        user_id, key = await add_user(db, server_keys, live_server.url, tenant=tenant, role=role)
        cast.keys[name], cast.user_ids[name] = key, user_id
    async with db() as session:
        now = datetime.now(UTC)
        for name, column in (("revoked", ApiKey.revoked_at), ("expired", ApiKey.expires_at)):
            await session.execute(
                update(ApiKey)
                .where(ApiKey.key_hash == keyed_hash(server_keys.hash_key, cast.keys[name]))
                .values({column: now - timedelta(minutes=1)})
            )
        await session.commit()
    return cast


def async_http(live_server: LiveServer, key: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.AsyncClient(
        base_url=live_server.url,
        headers=headers,
        timeout=120,
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=200),
    )


def _frozen(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


def _rows(result: Any) -> list[tuple[Any, ...]]:
    """Hashable rows (JSON columns become tuples), in a stable order."""
    return sorted((tuple(_frozen(v) for v in row) for row in result), key=repr)


async def snapshot(
    db: async_sessionmaker[AsyncSession], tenants: tuple[int, ...]
) -> dict[str, list[tuple[Any, ...]]]:
    """Every column of every client and consent row of these tenants."""
    async with db() as session:
        clients = await session.execute(
            select(Client.__table__).where(Client.tenant_id.in_(tenants))
        )
        consents = await session.execute(
            select(Consent.__table__).where(Consent.tenant_id.in_(tenants))
        )
        return {"clients": _rows(clients), "consents": _rows(consents)}


@pytest.fixture(scope="session")
def world(live_server: LiveServer) -> Iterator[World]:
    """The form fuzzer's person (an admin of FORMS_TENANT with a password), signed in to the
    console through the sign-in form; and the tokens of a session that signed out."""
    email = f"forms-{uuid.uuid4().hex[:8]}@hardening.example"
    key = live_server.create_user(email, "admin", FORMS_TENANT, password=PASSWORD)
    console = sign_in(live_server.url, email, FORMS_TENANT)
    gone = sign_in(live_server.url, email, FORMS_TENANT)
    stale = dict(gone.page("/console/clients"))["csrf_token"]
    w = World(live_server, email, key, console, "", stale, "")
    w.app_id = w.new_app()
    w.stale_consent_token = dict(gone.page(pending_consent(gone, w.app_id)))["csrf_token"]
    assert gone.post("/console/sign-out", [("csrf_token", stale)]).status_code == 303
    gone.close()
    try:
        yield w
    finally:
        console.close()
