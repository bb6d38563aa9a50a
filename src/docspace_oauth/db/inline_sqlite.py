"""An asyncio SQLite driver for SQLAlchemy that runs each statement on the event loop's own
thread, instead of handing it to a helper thread as aiosqlite does.

Why: a SQLite statement on an indexed key takes a few microseconds, while aiosqlite's hand-off
(queue, thread wake-up, `call_soon_threadsafe` back to the loop) costs tens of microseconds
and makes the helper threads and the loop fight over the GIL under load. The hand-off was
the largest single cost of a token or introspection request on SQLite (docs/performance.md).

What makes running inline safe:

- Every pooled connection still belongs to one session at a time, exactly as with aiosqlite,
  so sessions keep their own transactions.
- SQLite must never wait for a lock on the loop's thread: a connection that holds the write
  lock across an `await` could then never release it, because the loop that would run its
  COMMIT is the one that is blocked. So the connections have `busy_timeout=0`, and a
  statement that meets a lock (SQLITE_BUSY) is retried after an `asyncio.sleep`, with a
  growing pause, until the same 30 s deadline SQLite's own busy handler had. The loop keeps
  serving other requests, the lock holder among them, while one waits.

The module imitates the part of aiosqlite's interface that SQLAlchemy's aiosqlite dialect
uses, and the dialect below plugs it in as `sqlite+inline://`.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Generator, Iterable
from typing import Any

from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_module
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util.concurrency import await_

__version__ = "1.0"

# aiosqlite re-exports sqlite3's exceptions; SQLAlchemy copies them from the module.
DatabaseError = sqlite3.DatabaseError
Error = sqlite3.Error
IntegrityError = sqlite3.IntegrityError
NotSupportedError = sqlite3.NotSupportedError
OperationalError = sqlite3.OperationalError
ProgrammingError = sqlite3.ProgrammingError
sqlite_version = sqlite3.sqlite_version
sqlite_version_info = sqlite3.sqlite_version_info

LOCK_WAIT_SECONDS = 30.0
# Write transactions on the hot path hold the lock for tens of microseconds: poll often.
_FIRST_PAUSE = 0.0001
_LONGEST_PAUSE = 0.001


def _busy(error: sqlite3.OperationalError) -> bool:
    # The primary code only: SQLITE_BUSY_SNAPSHOT (a stale read snapshot that wants to write)
    # cannot succeed by waiting, and SQLite reports it at once for that reason.
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY


async def _retrying(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except sqlite3.OperationalError as error:
        if not _busy(error):
            raise
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    pause = _FIRST_PAUSE
    while True:
        await asyncio.sleep(pause)
        try:
            return call(*args)
        except sqlite3.OperationalError as error:
            if not _busy(error) or time.monotonic() >= deadline:
                raise
        pause = min(pause * 2, _LONGEST_PAUSE)


class Cursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        await _retrying(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Cursor:
        # A generator could not be replayed after a lock; materialise it once.
        await _retrying(self._cursor.executemany, sql, list(parameters))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class Connection:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn: sqlite3.Connection | None = connection

    @property
    def _connection(self) -> sqlite3.Connection | None:
        # SQLAlchemy's adapter checks this before commit and rollback, as with aiosqlite.
        return self._conn

    def _open(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("no active connection")
        return self._conn

    @property
    def isolation_level(self) -> str | None:
        return self._open().isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._open().isolation_level = value  # type: ignore[assignment]

    def cursor(self) -> Cursor:
        return Cursor(self._open().cursor())

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        await _retrying(self._open().commit)

    async def rollback(self) -> None:
        self._open().rollback()

    async def create_function(self, *args: Any, **kw: Any) -> None:
        self._open().create_function(*args, **kw)

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class _Connecting:
    """What `connect()` returns: awaited once by SQLAlchemy's adapter."""

    def __init__(self, database: str, kwargs: dict[str, Any]) -> None:
        self._database = database
        self._kwargs = kwargs

    def __await__(self) -> Generator[Any, None, Connection]:
        return self._connect().__await__()

    async def _connect(self) -> Connection:
        kwargs = {**self._kwargs, "check_same_thread": False, "timeout": 0}
        connection = sqlite3.connect(self._database, **kwargs)
        connection.execute("PRAGMA busy_timeout=0")  # locks are waited for in _retrying
        return Connection(connection)


def connect(database: str, **kwargs: Any) -> _Connecting:
    return _Connecting(database, kwargs)


class _AdaptedConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    @property
    def isolation_level(self) -> str | None:
        return self._connection.isolation_level  # type: ignore[no-any-return]

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        # aiosqlite needs this routed through its thread; here the loop's thread is the one.
        self._connection.isolation_level = value


class _DBAPI(AsyncAdapt_aiosqlite_dbapi):
    def __init__(self) -> None:
        import sys

        AsyncAdapt_dbapi_module.__init__(self, sys.modules[__name__], dbapi_module=sqlite3)
        self.aiosqlite = sys.modules[__name__]
        self.sqlite = sqlite3
        self.paramstyle = "qmark"
        self.has_stop = True
        self._init_dbapi_attributes()

    def connect(self, *arg: Any, **kw: Any) -> _AdaptedConnection:
        kw.pop("async_creator_fn", None)
        return _AdaptedConnection(self, await_(connect(*arg, **kw)))  # type: ignore[arg-type]


class SQLiteDialect_inline(SQLiteDialect_aiosqlite):
    driver = "inline"
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> _DBAPI:
        return _DBAPI()


registry.register("sqlite.inline", __name__, "SQLiteDialect_inline")
