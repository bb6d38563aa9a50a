from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.db.engine import dialect_insert
from docspace_oauth.models.audit import AuditEvent
from docspace_oauth.models.janitor import AuthFailureWindow


async def append(session: AsyncSession, event: AuditEvent) -> None:
    session.add(event)
    await session.flush()


async def page(
    session: AsyncSession,
    *,
    tenant_id: int,
    limit: int,
    before_id: int | None,
    client_id: str | None,
    action: str | None,
) -> Sequence[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.tenant_id == tenant_id)
    if client_id is not None:
        query = query.where(AuditEvent.client_id == client_id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return (await session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit))).all()


async def count_unknown_client_failure(
    session: AsyncSession, ip: str, client_id: str, at: datetime, window_start: datetime
) -> None:
    """One more failure in (ip, hour): an upsert, so the table grows by addresses, not tries."""
    stmt = (await dialect_insert(session, AuthFailureWindow)).values(
        ip=ip, window_start=window_start, failures=1, last_at=at, last_client_id=client_id
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["ip", "window_start"],
            set_={
                "failures": AuthFailureWindow.failures + 1,
                "last_at": at,
                "last_client_id": client_id,
            },
        )
    )
