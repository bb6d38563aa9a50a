"""Queries on clients. Flushes, never commits: the request owns the transaction."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, bindparam, delete, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.db.direct import DirectDB, Statement, as_list, as_utc
from docspace_oauth.models import Client, ClientRow
from docspace_oauth.models.base import UTCDateTime

_LIKE_SPECIAL = re.compile(r"[\\%_]")


async def get(session: AsyncSession, client_id: str) -> Client | None:
    return await session.get(Client, client_id, populate_existing=True)


# Reads of committed clients for the GET routes, through db.direct, as ClientRow.


def _json_list(value: Any) -> list[str]:
    return list(as_list(value))


def _converter(column: Any) -> Callable[[Any], Any] | None:
    """How a raw driver value of this column becomes ClientRow's: None when it already is."""
    if isinstance(column.type, JSON):
        return _json_list
    if isinstance(column.type, UTCDateTime):
        return as_utc
    if isinstance(column.type, Boolean):
        return bool  # SQLite answers 0 and 1
    return None


# Selected in ClientRow's field order, so that a row maps onto it by position.
_COLUMNS = tuple(Client.__table__.columns[name] for name in ClientRow._fields)
_CONVERTERS = tuple(_converter(column) for column in _COLUMNS)


def _detached(row: Sequence[Any]) -> ClientRow:
    return ClientRow(
        *[
            value if convert is None else convert(value)
            for convert, value in zip(_CONVERTERS, row, strict=True)
        ]
    )


_BY_ID = Statement(select(*_COLUMNS).where(Client.client_id == bindparam("client_id")))


async def get_committed(db: DirectDB, client_id: str) -> ClientRow | None:
    row = await db.fetchrow(_BY_ID, client_id=client_id)
    return None if row is None else _detached(row)


async def add(session: AsyncSession, client: Client) -> None:
    session.add(client)
    await session.flush()


def _page_query(*, owned: bool, search: bool, after: bool, after_id: bool) -> Statement:
    query = select(*_COLUMNS).where(Client.tenant_id == bindparam("tenant_id"))
    if owned:
        query = query.where(Client.created_by == bindparam("created_by"))
    if search:
        query = query.where(Client.name.ilike(bindparam("pattern"), escape="\\"))
    if after:
        created_on = bindparam("created_on", type_=Client.created_on.type)
        query = query.where(
            # A row-value comparison, which both databases turn into an index range scan on
            # (…, created_on, client_id). The equivalent `created_on < ? OR (created_on = ?
            # AND client_id < ?)` is not one on SQLite: it walked every newer entry of the
            # tenant first (44 ms half-way down a million clients, against 0.01 ms).
            tuple_(Client.created_on, Client.client_id) < tuple_(created_on, bindparam("after_id"))
            if after_id
            else Client.created_on < created_on
        )
    order = (Client.created_on.desc(), Client.client_id.desc())
    return Statement(query.order_by(*order).limit(bindparam("limit", type_=Integer)))


_PAGES = {
    (owned, search, after, after_id): _page_query(
        owned=owned, search=search, after=after, after_id=after_id
    )
    for owned in (False, True)
    for search in (False, True)
    for after in (False, True)
    for after_id in (False, True)
    if after or not after_id
}


async def page(
    db: DirectDB,
    *,
    tenant_id: int,
    created_by: str | None,
    limit: int,
    after: tuple[datetime, str | None] | None,
    name_contains: str | None = None,
) -> list[ClientRow]:
    """Newest first; `after` is the last (created_on, client_id) of the previous page.

    With no client_id in the cursor (DocSpace's clients send only the time) the page starts
    strictly before that instant, as DocSpace does. `name_contains` filters by a
    case-insensitive substring of the name (the console's search), within the same index range.
    """
    params: dict[str, Any] = {"tenant_id": tenant_id, "limit": limit}
    if created_by is not None:
        params["created_by"] = created_by
    if name_contains:
        params["pattern"] = "%" + _LIKE_SPECIAL.sub(r"\\\g<0>", name_contains) + "%"
    if after is not None:
        params["created_on"] = db.timestamp(after[0])
        if after[1]:
            params["after_id"] = after[1]
    statement = _PAGES[
        (created_by is not None, bool(name_contains), after is not None, bool(after and after[1]))
    ]
    return [_detached(row) for row in await db.fetchall(statement, **params)]


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


_CREATED_ON = Statement(select(Client.created_on).where(Client.client_id == bindparam("client_id")))


async def created_on_of(db: DirectDB, client_id: str) -> datetime | None:
    row = await db.fetchrow(_CREATED_ON, client_id=client_id)
    return None if row is None else as_utc(row[0])
