"""The database, as the application uses it: a read handle and write transactions.

- `Reader`: committed state, one statement at a time, no transaction to begin or end (each
  read sees every commit made before it began, by any process).
- `Writer`: a write transaction; it reads what it has written. Begun with the write lock
  taken up front on SQLite (BEGIN IMMEDIATE), so that read-then-write work queues rather
  than fails with SQLITE_BUSY.

Repositories take whichever their query needs; `db.work.Work` decides when a transaction
begins and ends. Statements are `db.statements.Query` and `Command`; values and rows come
typed.

SQLite: two connections per process on the event loop's thread, one for reads (autocommit)
and one for writes, used by one transaction at a time (an asyncio lock). SQLite never waits
for a lock on the loop's thread (busy_timeout=0): a statement that meets another process's
lock is retried after an `asyncio.sleep` (inline_sqlite._retrying), so the loop keeps
serving. The rule that follows: a transaction does no slow work (no password hashing, no
HTTP) between its first statement and its commit.

PostgreSQL: an asyncpg pool; reads take a pooled connection for one statement, a
transaction holds one until it ends. asyncpg prepares and caches each statement per
connection.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from docspace_oauth.db.engine import sqlite_pragmas
from docspace_oauth.db.inline_sqlite import _retrying
from docspace_oauth.db.statements import Command, Query, RowT


class Conflict(Exception):
    """A unique key is taken: another writer got there first."""


class Reader(Protocol):
    dialect: str

    async def one(self, query: Query[RowT], **params: Any) -> RowT | None: ...

    async def all(self, query: Query[RowT], **params: Any) -> list[RowT]: ...


class Writer(Reader, Protocol):
    async def run(self, command: Command, **params: Any) -> int:
        """Run a statement for its effect; the number of rows it touched."""


class Database(Protocol):
    dialect: str
    reader: Reader

    def transaction(self) -> AbstractAsyncContextManager[Writer]:
        """A write transaction: committed when the block ends, rolled back if it raises."""

    async def close(self) -> None: ...


# SQLite.


def _sqlite_connection(path: str) -> sqlite3.Connection:
    # Autocommit at the driver (isolation_level=None): transactions are begun explicitly.
    connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=0)
    connection.execute("PRAGMA busy_timeout=0")  # waited for in _retrying, off the loop
    sqlite_pragmas(connection)
    return connection


class _SQLiteHandle:
    dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    async def _execute(self, sql: str, args: list[Any]) -> sqlite3.Cursor:
        try:
            cursor: sqlite3.Cursor = await _retrying(self._connection.execute, sql, args)
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" in str(exc) or "PRIMARY KEY" in str(exc):
                raise Conflict(str(exc)) from exc
            raise
        return cursor

    async def all(self, query: Query[RowT], **params: Any) -> list[RowT]:
        compiled = query.by_dialect["sqlite"]
        cursor = await self._execute(compiled.sql, compiled.args(params))
        # fetchall: an UPDATE ... RETURNING must run to its end before COMMIT.
        return [query.build("sqlite", raw) for raw in cursor.fetchall()]

    async def one(self, query: Query[RowT], **params: Any) -> RowT | None:
        rows = await self.all(query, **params)
        return rows[0] if rows else None

    async def run(self, command: Command, **params: Any) -> int:
        compiled = command.by_dialect["sqlite"]
        cursor = await self._execute(compiled.sql, compiled.args(params))
        return cursor.rowcount


class SQLiteDatabase:
    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self._read = _sqlite_connection(path)
        self._write = _sqlite_connection(path)
        self._writing = asyncio.Lock()
        self.reader: Reader = _SQLiteHandle(self._read)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Writer]:
        async with self._writing:
            await _retrying(self._write.execute, "BEGIN IMMEDIATE")
            try:
                yield _SQLiteHandle(self._write)
            except BaseException:
                self._write.execute("ROLLBACK")
                raise
            try:
                await _retrying(self._write.execute, "COMMIT")
            except BaseException:
                self._write.execute("ROLLBACK")
                raise

    async def close(self) -> None:
        self._read.close()
        self._write.close()


# PostgreSQL.


async def _json_codecs(connection: Any) -> None:
    """JSON as SQLAlchemy's asyncpg dialect sets it up, so that the columns' own bind and
    result processors (which serialise to text, and expect the driver to parse) compose."""
    await connection.set_type_codec(
        "json",
        encoder=str.encode,
        decoder=lambda b: json.loads(b.decode()),
        schema="pg_catalog",
        format="binary",
    )
    await connection.set_type_codec(
        "jsonb",
        encoder=lambda text: b"\x01" + text.encode(),
        decoder=lambda b: json.loads(b[1:].decode()),
        schema="pg_catalog",
        format="binary",
    )


def _rowcount(status: str) -> int:
    # asyncpg answers the command tag: "UPDATE 3", "DELETE 0", "INSERT 0 1".
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isascii() and tail.isdigit() else 0


class _PostgresHandle:
    dialect = "postgresql"

    def __init__(self, acquire: Any) -> None:
        # A transaction's connection, or the pool (each call takes a connection of its own).
        self._acquire = acquire

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        if isinstance(self._acquire, asyncpg.Pool):
            async with self._acquire.acquire() as connection:
                yield connection
        else:
            yield self._acquire

    async def all(self, query: Query[RowT], **params: Any) -> list[RowT]:
        compiled = query.by_dialect["postgresql"]
        async with self._connection() as connection:
            try:
                records = await connection.fetch(compiled.sql, *compiled.args(params))
            except asyncpg.UniqueViolationError as exc:
                raise Conflict(str(exc)) from exc
        return [query.build("postgresql", tuple(record)) for record in records]

    async def one(self, query: Query[RowT], **params: Any) -> RowT | None:
        rows = await self.all(query, **params)
        return rows[0] if rows else None

    async def run(self, command: Command, **params: Any) -> int:
        compiled = command.by_dialect["postgresql"]
        async with self._connection() as connection:
            try:
                status = await connection.execute(compiled.sql, *compiled.args(params))
            except asyncpg.UniqueViolationError as exc:
                raise Conflict(str(exc)) from exc
        return _rowcount(str(status))


class PostgresDatabase:
    dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.reader: Reader = _PostgresHandle(pool)

    @classmethod
    async def open(cls, database_url: str, *, size: int) -> PostgresDatabase:
        url = make_url(database_url).set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=size, init=_json_codecs)
        return cls(pool)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Writer]:
        async with self._pool.acquire() as connection, connection.transaction():
            yield _PostgresHandle(connection)

    async def close(self) -> None:
        await self._pool.close()


async def open_database(database_url: str, *, pool_size: int = 10) -> Database:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            # Every connection would be a database of its own.
            raise ValueError("an in-memory SQLite database cannot be shared: give a file path")
        return SQLiteDatabase(url.database)
    return await PostgresDatabase.open(database_url, size=pool_size)
