"""Queries on consents. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.db.engine import dialect_insert
from docspace_oauth.models import Client, Consent


async def get(session: AsyncSession, client_id: str, user_id: str) -> Consent | None:
    return await session.get(Consent, (client_id, user_id), populate_existing=True)


async def revoke(
    session: AsyncSession, client_id: str, user_id: str, tenant_id: int, now: datetime
) -> int:
    """Hide the consent and move the pair's generation on: every token minted under the old
    generation is dead, whatever their number, in one row write. The tenant is part of the
    key: a portal names its own users, so the same user id in another tenant is someone else."""
    result = await session.execute(
        update(Consent)
        .where(
            Consent.client_id == client_id,
            Consent.user_id == user_id,
            Consent.tenant_id == tenant_id,
        )
        .values(revoked=True, scopes="", generation=Consent.generation + 1, modified_at=now),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def page_for_user(
    session: AsyncSession,
    *,
    tenant_id: int,
    user_id: str,
    limit: int,
    after: tuple[datetime, str | None] | None,
) -> Sequence[tuple[Consent, Client]]:
    query = (
        select(Consent, Client)
        .join(Client, Client.client_id == Consent.client_id)
        .where(Consent.tenant_id == tenant_id, Consent.user_id == user_id, ~Consent.revoked)
    )
    if after is not None:
        modified_at, client_id = after
        if client_id:
            # A row-value comparison: an index range scan on both databases, which the
            # spelled-out OR is not on SQLite (see clients.repository).
            query = query.where(
                tuple_(Consent.modified_at, Consent.client_id) < tuple_(modified_at, client_id)
            )
        else:
            query = query.where(Consent.modified_at < modified_at)
    query = query.order_by(Consent.modified_at.desc(), Consent.client_id.desc()).limit(limit)
    return [(consent, client) for consent, client in (await session.execute(query)).all()]


async def grant(
    session: AsyncSession,
    *,
    client_id: str,
    user_id: str,
    tenant_id: int,
    scopes: str,
    now: datetime,
) -> int:
    """Record (or renew) the user's consent with exactly `scopes`; returns the pair's
    generation, which a revocation moved on and a grant leaves as it is."""
    values = {
        "client_id": client_id,
        "user_id": user_id,
        "tenant_id": tenant_id,
        "scopes": scopes,
        "revoked": False,
        "generation": 0,
        "modified_at": now,
    }
    stmt = (await dialect_insert(session, Consent)).values(**values)
    upsert = stmt.on_conflict_do_update(
        index_elements=["client_id", "user_id"],
        set_={"tenant_id": tenant_id, "scopes": scopes, "revoked": False, "modified_at": now},
    ).returning(Consent.generation)
    return int((await session.execute(upsert)).scalar_one())
