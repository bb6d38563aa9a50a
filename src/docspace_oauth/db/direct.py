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

Reads here see committed state only. The token endpoint's two write paths (spending a code,
rotating a refresh token) run here too, as short write transactions (`transaction()`):

- SQLite: a second connection per process, used by one transaction at a time (an asyncio
  lock), begun with BEGIN IMMEDIATE (waited for as inline_sqlite waits) and committed
  before the lock is let go.
- PostgreSQL: a pooled connection in a transaction of its own.

Everything else writes through the request's session. Rows come back as plain tuples:
callers convert the few typed columns with `as_utc` and `as_list`, and pass datetimes
through `timestamp()`.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import make_url
from sqlalchemy.sql import Executable

from docspace_oauth.db.engine import sqlite_pragmas
from docspace_oauth.db.inline_sqlite import _retrying
from docspace_oauth.models.base import UTCDateTime

_SQLITE = SQLiteDialect_pysqlite(paramstyle="qmark")
_POSTGRESQL = PGDialect_asyncpg()  # type: ignore[no-untyped-call]


def _time_binder(dialect: Any) -> Callable[[datetime], Any]:
    """What the models' UTCDateTime binds on this dialect, so that a datetime written or
    compared here is exactly what the ORM writes: SQLite's fixed-width text (whose order is
    time order), or a naive UTC value for asyncpg."""
    processor = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert processor is not None  # UTCDateTime always converts (to naive UTC at least)
    return processor


_SQLITE_TIME = _time_binder(_SQLITE)
_POSTGRESQL_TIME = _time_binder(_POSTGRESQL)


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    # Values the statement carries itself (SQLite's OFFSET 0 beside a LIMIT, say).
    defaults: dict[str, Any]


class Statement:
    """A Core statement with named bind parameters, compiled for both databases."""

    def __init__(self, query: Executable) -> None:
        self.sqlite = self._compile(query, _SQLITE)
        self.postgresql = self._compile(query, _POSTGRESQL)

    @staticmethod
    def _compile(query: Executable, dialect: Any) -> _Compiled:
        compiled = query.compile(dialect=dialect)  # type: ignore[attr-defined]
        names = tuple(compiled.positiontup or ())
        defaults = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
        return _Compiled(str(compiled), names, defaults)


class DirectTransaction(Protocol):
    async def fetchrow(self, statement: Statement, **params: Any) -> tuple[Any, ...] | None: ...

    async def execute(self, statement: Statement, **params: Any) -> None: ...


class DirectDB(Protocol):
    def timestamp(self, value: datetime) -> Any:
        """A UTC datetime as this database stores it, for a bind parameter."""

    async def fetchrow(self, statement: Statement, **params: Any) -> tuple[Any, ...] | None: ...

    async def fetchall(self, statement: Statement, **params: Any) -> list[tuple[Any, ...]]: ...

    def transaction(self) -> AbstractAsyncContextManager[DirectTransaction]:
        """A write transaction: committed when the block ends, rolled back if it raises."""

    async def close(self) -> None: ...


def _args(compiled: _Compiled, params: dict[str, Any]) -> list[Any]:
    return [params[name] if name in params else compiled.defaults[name] for name in compiled.names]


def _sqlite_connection(path: str) -> sqlite3.Connection:
    # Autocommit at the driver (isolation_level=None): transactions are begun explicitly.
    connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=0)
    connection.execute("PRAGMA busy_timeout=0")  # waited for in _retrying, off the loop
    sqlite_pragmas(connection)
    return connection


class _SQLiteTransaction:
    """Statements inside BEGIN IMMEDIATE: the write lock is held, so nothing waits."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    async def fetchrow(self, statement: Statement, **params: Any) -> tuple[Any, ...] | None:
        compiled = statement.sqlite
        # fetchall: an UPDATE ... RETURNING must run to its end before COMMIT.
        rows = self._connection.execute(compiled.sql, _args(compiled, params)).fetchall()
        return rows[0] if rows else None

    async def execute(self, statement: Statement, **params: Any) -> None:
        compiled = statement.sqlite
        self._connection.execute(compiled.sql, _args(compiled, params))


class SQLiteDirect:
    def __init__(self, path: str) -> None:
        self._connection = _sqlite_connection(path)
        self._writer = _sqlite_connection(path)
        self._writing = asyncio.Lock()

    def timestamp(self, value: datetime) -> Any:
        return _SQLITE_TIME(value)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[DirectTransaction]:
        async with self._writing:
            await _retrying(self._writer.execute, "BEGIN IMMEDIATE")
            try:
                yield _SQLiteTransaction(self._writer)
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise
            try:
                await _retrying(self._writer.execute, "COMMIT")
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise

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
        self._writer.close()


class _PostgresTransaction:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    async def fetchrow(self, statement: Statement, **params: Any) -> tuple[Any, ...] | None:
        compiled = statement.postgresql
        record = await self._connection.fetchrow(compiled.sql, *_args(compiled, params))
        return None if record is None else tuple(record)

    async def execute(self, statement: Statement, **params: Any) -> None:
        compiled = statement.postgresql
        await self._connection.execute(compiled.sql, *_args(compiled, params))


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
        return _POSTGRESQL_TIME(value)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[DirectTransaction]:
        async with self._pool.acquire() as connection, connection.transaction():
            yield _PostgresTransaction(connection)

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
        if not url.database or url.database == ":memory:":
            # Every connection would be a database of its own.
            raise ValueError("an in-memory SQLite database cannot be shared: give a file path")
        return SQLiteDirect(url.database)
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
        return _parsed_list(value)
    return tuple(value)


@lru_cache(maxsize=4096)
def _parsed_list(text: str) -> tuple[str, ...]:
    # Scopes, grant types and URI lists repeat across clients: a page of 30 parses 120 of
    # them, mostly the same few texts. The result is immutable, so sharing it is safe.
    return tuple(json.loads(text) or ())
