"""Keyset pages are index range scans wherever the cursor points, on both databases.

Not a timing test: the database's own plan for the statements the server runs. A cursor
written as `created_on < t OR (created_on = t AND client_id < id)` looks equivalent but is
no range on SQLite, which then walks every newer entry of the tenant (44 ms half-way down a
million clients); this is the check that would have caught it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from docspace_oauth.clients.repository import _PAGES

_FULL_CURSOR = (True, False, True, True)  # a user's own clients, after (time, id)
_ADMIN_FULL_CURSOR = (False, False, True, True)


async def _plan(session: AsyncSession, dialect: str, key: tuple[bool, ...]) -> str:
    statement = _PAGES[key]
    compiled = statement.sqlite if dialect == "sqlite" else statement.postgresql
    values = {
        "tenant_id": 1,
        "created_by": "someone",
        "created_on": datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None),
        "after_id": "00000000-0000-0000-0000-000000000000",
        "limit": 31,
        **compiled.defaults,
    }
    if dialect == "sqlite":
        values["created_on"] = "2026-01-01 00:00:00.000000"
        sql = "EXPLAIN QUERY PLAN " + compiled.sql.replace("?", "{}")
        literal = sql.format(*(_sqlite_literal(values[name]) for name in compiled.names))
        rows = (await session.execute(text(literal))).all()
        return "\n".join(str(row[-1]) for row in rows)
    # PostgreSQL: ask whether the index can carry the cursor at all, whatever the table's size.
    await session.execute(text("SET LOCAL enable_seqscan = off"))
    sql = compiled.sql
    for position, name in reversed(list(enumerate(compiled.names, start=1))):
        sql = sql.replace(f"${position}", _pg_literal(values[name]))
    rows = (await session.execute(text("EXPLAIN " + sql))).all()
    return "\n".join(str(row[0]) for row in rows)


def _sqlite_literal(value: object) -> str:
    return str(value) if isinstance(value, int) else f"'{value}'"


def _pg_literal(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    return f"'{value}'"


async def test_a_page_after_a_full_cursor_is_an_index_range(
    db: async_sessionmaker[AsyncSession], live_server
) -> None:
    dialect = "sqlite" if live_server.database_url.startswith("sqlite") else "postgresql"
    for key in (_ADMIN_FULL_CURSOR, _FULL_CURSOR):
        async with db() as session:
            plan = await _plan(session, dialect, key)
        # Either page index will do (an empty table leaves the planner free to choose).
        assert "ix_clients_tenant_page" in plan or "ix_clients_owner_page" in plan, plan
        if dialect == "sqlite":
            assert "(created_on,client_id)<" in plan.replace(" ", ""), plan
        else:
            # The whole row comparison is the index condition (client_id may show a cast).
            condition = plan.split("Index Cond:", 1)[-1]
            assert "ROW(created_on, " in condition and ") < ROW(" in condition, plan
