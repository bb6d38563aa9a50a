"""Queries on clients. Flushes, never commits: the request owns the transaction."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from docspace_oauth.models import Client

_LIKE_SPECIAL = re.compile(r"[\\%_]")


async def get(session: AsyncSession, client_id: str) -> Client | None:
    return await session.get(Client, client_id, populate_existing=True)


async def add(session: AsyncSession, client: Client) -> None:
    session.add(client)
    await session.flush()


def _after(created_on: datetime, client_id: str) -> ColumnElement[bool]:
    # Spelled out rather than as a row-value comparison: both databases turn this into an
    # index range scan on (…, created_on, client_id).
    return or_(
        Client.created_on < created_on,
        and_(Client.created_on == created_on, Client.client_id < client_id),
    )


async def page(
    session: AsyncSession,
    *,
    tenant_id: int,
    created_by: str | None,
    limit: int,
    after: tuple[datetime, str | None] | None,
    name_contains: str | None = None,
) -> Sequence[Client]:
    """Newest first; `after` is the last (created_on, client_id) of the previous page.

    With no client_id in the cursor (DocSpace's clients send only the time) the page starts
    strictly before that instant, as DocSpace does. `name_contains` filters by a
    case-insensitive substring of the name (the console's search), within the same index range.
    """
    query = select(Client).where(Client.tenant_id == tenant_id)
    if created_by is not None:
        query = query.where(Client.created_by == created_by)
    if name_contains:
        pattern = "%" + _LIKE_SPECIAL.sub(r"\\\g<0>", name_contains) + "%"
        query = query.where(Client.name.ilike(pattern, escape="\\"))
    if after is not None:
        created_on, client_id = after
        query = query.where(
            _after(created_on, client_id) if client_id else Client.created_on < created_on
        )
    query = query.order_by(Client.created_on.desc(), Client.client_id.desc()).limit(limit)
    return (await session.scalars(query)).all()


async def update_fields(session: AsyncSession, client_id: str, values: Mapping[str, Any]) -> int:
    """Write only the given columns, so concurrent updates of different fields all land."""
    result = await session.execute(
        update(Client).where(Client.client_id == client_id).values(**values),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def rotate_secret(
    session: AsyncSession,
    client_id: str,
    *,
    new_hash: str,
    keep_previous_until: datetime | None,
    modified_on: datetime,
    modified_by: str,
) -> int:
    # One statement: the SET's right-hand side reads the row as it was, so concurrent
    # rotations each move "current -> previous" atomically and exactly one secret wins.
    values: dict[str, Any] = {
        "secret_hash": new_hash,
        "modified_on": modified_on,
        "modified_by": modified_by,
    }
    if keep_previous_until is not None:
        values["previous_secret_hash"] = Client.secret_hash
        values["previous_secret_expires_at"] = keep_previous_until
    else:
        values["previous_secret_hash"] = None
        values["previous_secret_expires_at"] = None
    return await update_fields(session, client_id, values)


async def delete_ids(session: AsyncSession, client_ids: Sequence[str]) -> int:
    if not client_ids:
        return 0
    result = await session.execute(delete(Client).where(Client.client_id.in_(client_ids)))
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_where(session: AsyncSession, *, tenant_id: int, created_by: str | None) -> int:
    query = delete(Client).where(Client.tenant_id == tenant_id)
    if created_by is not None:
        query = query.where(Client.created_by == created_by)
    result = await session.execute(query)
    return int(getattr(result, "rowcount", 0) or 0)


async def created_on_of(session: AsyncSession, client_id: str) -> datetime | None:
    return await session.scalar(select(Client.created_on).where(Client.client_id == client_id))
