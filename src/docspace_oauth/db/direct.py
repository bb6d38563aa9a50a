"""Direct statements: the hottest lookups, run on the database driver itself.

The token, introspection and management endpoints each start with a lookup by primary key or
unique hash (the client, the caller's API key, a token's revocation state). Through an ORM
session each cost 0.1-0.3 ms of Python (session, cache key, greenlet, row objects) around a
statement that takes microseconds. Here they are Core statements compiled once, at start-up,
for the database in use, and run as plain SQL with positional parameters:

- SQLite: one connection per process, in autocommit mode, on the event loop's thread
  (inline_sqlite explains why that is safe). Each statement is its own read transaction in
  WAL mode, so it sees every commit made before it began, by any process.
- PostgreSQL: a small asyncpg pool of its own, with asyncpg's per-connection prepared
  statement cache, in autocommit.

Only reads of committed state go through here; every write stays in the request's session
and transaction. Rows come back as plain tuples: callers convert the few typed columns with
`as_utc` and `as_list`.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import make_url
from sqlalchemy.sql import Select

from docspace_oauth.db.inline_sqlite import _retrying

_SQLITE = SQLiteDialect_pysqlite(paramstyle="qmark")
_POSTGRESQL = PGDialect_asyncpg()  # type: ignore[no-untyped-call]


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    # Values the statement carries itself (SQLite's OFFSET 0 beside a LIMIT, say).
    defaults: dict[str, Any]


class Statement:
    """A Core SELECT with named bind parameters, compiled for both databases."""

    def __init__(self, query: Select[*tuple[Any, ...]]) -> None:
        self.sqlite = self._compile(query, _SQLITE)
        self.postgresql = self._compile(query, _POSTGRESQL)

    @staticmethod
    def _compile(query: Select[*tuple[Any, ...]], dialect: Any) -> _Compiled:
        compiled = query.compile(dialect=dialect)
        names = tuple(compiled.positiontup or ())
        defaults = {
            name: bind.value for name, bind in compiled.binds.items() if not bind.required
        }
        return _Compiled(str(compiled), names, defaults)


class DirectDB(Protocol):
    def timestamp(self, value: datetime) -> Any:
        """A UTC datetime as this database stores it, for a bind parameter."""

    async def fetchrow(self, statement: Statement, **params: Any) -> tuple[Any, ...] | None: ...

    async def fetchall(self, statement: Statement, **params: Any) -> list[tuple[Any, ...]]: ...

    async def close(self) -> None: ...


def _args(compiled: _Compiled, params: dict[str, Any]) -> list[Any]:
    return [params[name] if name in params else compiled.defaults[name] for name in compiled.names]


class SQLiteDirect:
    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=0
        )
        self._connection.execute("PRAGMA busy_timeout=0")

    def timestamp(self, value: datetime) -> Any:
        # SQLAlchemy's SQLite DateTime text, whose order is time order.
        return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    async def fetchall(self, statement: Statement, **params: Any) -> list[tuple[Any, ...]]:
        compiled = statement.sqlite
        cursor = await _retrying(self._connection.execute, compiled.sql, _args(compiled, params))
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows

    async def fetchrow(self, statement: Statement, **params: Any) -> tuple[Any, ...] | None:
        rows = await self.fetchall(statement, **params)
        return rows[0] if rows else None

    async def close(self) -> None:
        self._connection.close()


class PostgresDirect:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @classmethod
    async def open(cls, database_url: str) -> PostgresDirect:
        url = make_url(database_url).set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        # Each lookup holds a connection for one round trip: a few serve many requests.
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=5)
        return cls(pool)

    def timestamp(self, value: datetime) -> Any:
        return value.astimezone(UTC).replace(tzinfo=None)

    async def fetchall(self, statement: Statement, **params: Any) -> list[tuple[Any, ...]]:
        compiled = statement.postgresql
        async with self._pool.acquire() as connection:
            records = await connection.fetch(compiled.sql, *_args(compiled, params))
        return [tuple(record) for record in records]

    async def fetchrow(self, statement: Statement, **params: Any) -> tuple[Any, ...] | None:
        compiled = statement.postgresql
        async with self._pool.acquire() as connection:
            record = await connection.fetchrow(compiled.sql, *_args(compiled, params))
        return None if record is None else tuple(record)

    async def close(self) -> None:
        await self._pool.close()


async def open_direct(database_url: str) -> DirectDB:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return SQLiteDirect(url.database or ":memory:")
    return await PostgresDirect.open(database_url)


# Typed columns, as the two drivers return them.


def as_utc(value: datetime | str | None) -> datetime | None:
    """SQLite keeps naive UTC text, asyncpg returns naive datetimes: both become aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)


def as_list(value: str | list[str] | None) -> tuple[str, ...]:
    """A JSON list column: text on SQLite and from asyncpg's jsonb."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = json.loads(value)
    return tuple(value or ())
