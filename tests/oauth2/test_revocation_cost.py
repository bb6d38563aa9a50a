"""Revocation costs O(1) in the number of tokens (issue 3, point 6).

Each client operation of the seed is run in-process, through the same service functions the
API calls, against a client holding 100 live tokens and against one holding 10,000. Every
SQL statement is recorded: the two runs must issue exactly the same statements, and none of
them may touch a token table. (That the tokens are dead afterwards is what the live tests in
test_seed_effects.py show.)
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from docspace_oauth.callers.principal import Caller, Scheme
from docspace_oauth.clients import service as clients
from docspace_oauth.consents import service as consents
from docspace_oauth.db.engine import create_engine, session_factory
from docspace_oauth.models import Client, Consent, RefreshToken, Role, TokenFamily
from tests.conftest import LiveServer
from tests.factory import LOGO

TOKEN_TABLES = re.compile(
    r"\b(token_families|refresh_tokens|authorization_codes|revoked_access_tokens|"
    r"authorization_requests|signing_keys)\b",
    re.IGNORECASE,
)
Operation = Callable[[AsyncSession, Caller, str], Awaitable[Any]]


@pytest.fixture
async def engine(live_server: LiveServer) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(live_server.database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def _seed(sessions: async_sessionmaker[AsyncSession], owner: Caller, tokens: int) -> str:
    """A client of `owner`, who consented to it and holds `tokens` live grants (a family and
    an unused refresh token each; every access token they issued is checked against them)."""
    now = datetime.now(UTC)
    client_id = str(uuid.uuid4())
    families = [str(uuid.uuid4()) for _ in range(tokens)]
    async with sessions() as session:
        session.add(
            Client(
                client_id=client_id,
                tenant_id=owner.tenant_id,
                name="Bulk",
                description="",
                # Every field DocSpace requires, as the API would store them.
                logo=LOGO,
                website_url="https://app.example.com",
                terms_url="https://app.example.com/terms",
                policy_url="https://app.example.com/privacy",
                logout_redirect_uri="https://app.example.com/logout",
                redirect_uris=["https://app.example.com/cb"],
                allowed_origins=["https://app.example.com"],
                scopes=["files:read"],
                grant_types=["authorization_code", "refresh_token"],
                allow_pkce=False,
                is_public=False,
                enabled=True,
                secret_hash="0" * 64,
                created_on=now,
                created_by=owner.user_id,
                modified_on=now,
                modified_by=owner.user_id,
            )
        )
        session.add(
            Consent(
                client_id=client_id,
                user_id=owner.user_id,
                tenant_id=owner.tenant_id,
                scopes="files:read",
                revoked=False,
                generation=0,
                modified_at=now,
            )
        )
        await session.flush()
        await session.execute(
            insert(TokenFamily),
            [
                {
                    "id": f,
                    "client_id": client_id,
                    "tenant_id": owner.tenant_id,
                    "user_id": owner.user_id,
                    "scopes": "files:read",
                    "generation": 0,
                    "nonce": None,
                    "user_name": "",
                    "user_email": "",
                    "audience": "https://x",
                    "created_at": now,
                    "revoked_at": None,
                }
                for f in families
            ],
        )
        await session.execute(
            insert(RefreshToken),
            [
                {
                    "token_hash": uuid.uuid4().hex * 2,
                    "family_id": f,
                    "client_id": client_id,
                    "created_at": now,
                    "expires_at": now + timedelta(days=1),
                    "used_at": None,
                }
                for f in families
            ],
        )
        await session.commit()
    return client_id


async def _statements(
    engine: AsyncEngine, operation: Operation, caller: Caller, client_id: str
) -> list[str]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with session_factory(engine)() as session:
            await operation(session, caller, client_id)
            await session.commit()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    return seen


async def _revoke(session: AsyncSession, caller: Caller, client_id: str) -> Any:
    return await consents.revoke_own(session, caller, client_id)


async def _disable(session: AsyncSession, caller: Caller, client_id: str) -> Any:
    return await clients.change_activation(session, caller, client_id, False)


async def _regenerate(session: AsyncSession, caller: Caller, client_id: str) -> Any:
    return await clients.regenerate_secret(session, b"k" * 32, caller, client_id)


async def _delete(session: AsyncSession, caller: Caller, client_id: str) -> Any:
    return await clients.delete(session, caller, client_id)


async def _delete_own(session: AsyncSession, caller: Caller, client_id: str) -> Any:
    return await clients.delete_own(session, caller)


async def _delete_tenant(session: AsyncSession, caller: Caller, client_id: str) -> Any:
    return await clients.delete_tenant(session, caller)


OPERATIONS: dict[str, Operation] = {
    "revoke_user_client": _revoke,
    "change_activation": _disable,
    "regenerate_secret": _regenerate,
    "delete_client": _delete,
    "delete_user_clients": _delete_own,
    "delete_tenant_clients": _delete_tenant,
}


@pytest.mark.parametrize("name", list(OPERATIONS))
async def test_operation_costs_the_same_for_100_and_10000_tokens(
    engine: AsyncEngine, name: str
) -> None:
    sessions = session_factory(engine)
    runs: dict[int, list[str]] = {}
    for size in (100, 10_000):
        # Its own tenant each time, so "delete every client of the tenant/owner" has exactly
        # this one client to delete, whatever else the live server holds.
        owner = Caller(
            user_id=str(uuid.uuid4()),
            tenant_id=int(uuid.uuid4().int % 1_000_000_000) + 5_000,
            role=Role.ADMIN,
            name="",
            email="",
            scheme=Scheme.SIGNATURE,
        )
        client_id = await _seed(sessions, owner, size)
        runs[size] = await _statements(engine, OPERATIONS[name], owner, client_id)
        async with sessions() as session:
            # Not one token row was written or removed: they are all still there.
            families = await session.scalar(
                select(func.count())
                .select_from(TokenFamily)
                .where(TokenFamily.client_id == client_id, TokenFamily.revoked_at.is_(None))
            )
            refresh = await session.scalar(
                select(func.count())
                .select_from(RefreshToken)
                .where(RefreshToken.client_id == client_id, RefreshToken.used_at.is_(None))
            )
        assert families == refresh == size

    assert runs[100], "the operation issued no SQL at all"
    assert runs[100] == runs[10_000]
    touching = [s for s in runs[10_000] if TOKEN_TABLES.search(s)]
    assert touching == []
