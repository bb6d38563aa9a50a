"""Queries of dynamic registration. Flushes, never commits: the request owns the
transaction. An initial access token's use is claimed with one conditional UPDATE, so that
of concurrent registrations with a single-use token exactly one wins, on both databases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.db.direct import DirectDB, Statement
from docspace_oauth.db.engine import dialect_insert
from docspace_oauth.models import (
    Client,
    ClientDocument,
    ClientRegistration,
    RegistrationPolicy,
    RegistrationToken,
)

_NO_SYNC = {"synchronize_session": False}
# clients.registration of the clients nobody made by hand: through RFC 7591, or from a client
# ID metadata document. The open policy's per-tenant cap counts both.
NOT_BY_HAND = ("dynamic", "metadata")


async def policy(session: AsyncSession, tenant_id: int) -> RegistrationPolicy | None:
    return await session.get(RegistrationPolicy, tenant_id, populate_existing=True)


async def put_policy(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = (await dialect_insert(session, RegistrationPolicy)).values(**values)
    changes = {k: v for k, v in values.items() if k != "tenant_id"}
    await session.execute(stmt.on_conflict_do_update(index_elements=["tenant_id"], set_=changes))


async def add(session: AsyncSession, row: RegistrationToken | ClientRegistration) -> None:
    session.add(row)
    await session.flush()


async def claim_token(
    session: AsyncSession, token_hash: str, now: datetime
) -> tuple[int, str] | None:
    """Spend one use of a live initial access token: its (tenant, issuer), or None."""
    result = await session.execute(
        update(RegistrationToken)
        .where(
            RegistrationToken.token_hash == token_hash,
            RegistrationToken.uses_left > 0,
            RegistrationToken.expires_at > now,
        )
        .values(uses_left=RegistrationToken.uses_left - 1)
        .returning(RegistrationToken.tenant_id, RegistrationToken.created_by),
        execution_options=_NO_SYNC,
    )
    row = result.first()
    return None if row is None else (int(row[0]), str(row[1]))


async def tokens(session: AsyncSession, tenant_id: int) -> list[RegistrationToken]:
    result = await session.scalars(
        select(RegistrationToken)
        .where(RegistrationToken.tenant_id == tenant_id)
        .order_by(RegistrationToken.created_on.desc(), RegistrationToken.id)
    )
    return list(result)


async def delete_token(session: AsyncSession, tenant_id: int, token_id: str) -> int:
    result = await session.execute(
        delete(RegistrationToken).where(
            RegistrationToken.tenant_id == tenant_id, RegistrationToken.id == token_id
        ),
        execution_options=_NO_SYNC,
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def registration(session: AsyncSession, client_id: str) -> ClientRegistration | None:
    """A self-registered client's registration, if the client still exists."""
    result = await session.scalars(
        select(ClientRegistration)
        .join(Client, Client.client_id == ClientRegistration.client_id)
        .where(ClientRegistration.client_id == client_id)
    )
    return result.first()


async def registered_from(session: AsyncSession, tenant_id: int, ip: str, since: datetime) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(ClientRegistration)
        .where(
            ClientRegistration.tenant_id == tenant_id,
            ClientRegistration.ip == ip,
            ClientRegistration.created_at >= since,
        )
    )
    return int(count or 0)


async def self_registered(session: AsyncSession, tenant_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Client)
        .where(Client.tenant_id == tenant_id, Client.registration.in_(NOT_BY_HAND))
    )
    return int(count or 0)


async def document(session: AsyncSession, client_id: str) -> ClientDocument | None:
    """A document-backed client's cache entry, if the client still exists."""
    result = await session.scalars(
        select(ClientDocument)
        .join(Client, Client.client_id == ClientDocument.client_id)
        .where(ClientDocument.client_id == client_id)
    )
    return result.first()


async def put_document(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = (await dialect_insert(session, ClientDocument)).values(**values)
    changes = {k: v for k, v in values.items() if k != "client_id"}
    await session.execute(stmt.on_conflict_do_update(index_elements=["client_id"], set_=changes))


_DOCUMENT_URL = Statement(
    select(ClientDocument.url).where(ClientDocument.client_id == bindparam("client_id"))
)


async def document_url(db: DirectDB, client_id: str) -> str | None:
    """The URL a metadata document's client is known by, for the admin's view of it."""
    row = await db.fetchrow(_DOCUMENT_URL, client_id=client_id)
    return None if row is None else str(row[0])
