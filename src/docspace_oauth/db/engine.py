"""Engines for the two supported databases, with the async drivers chosen from a plain URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession
from sqlalchemy.pool import ConnectionPoolEntry

from docspace_oauth.db import inline_sqlite


class UnsupportedDatabase(ValueError):
    pass


def async_url(database_url: str) -> URL:
    """Map `sqlite:///` and `postgresql://` (any driver suffix) to our inline SQLite driver
    (see inline_sqlite) and asyncpg."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(drivername=f"sqlite+{inline_sqlite.SQLiteDialect_inline.driver}")
    if backend in {"postgresql", "postgres"}:
        return url.set(drivername="postgresql+asyncpg")
    raise UnsupportedDatabase(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def sqlite_pragmas(dbapi_connection: Any) -> None:
    """Every SQLite connection we open, pooled or direct (db.direct), is set up alike."""
    # WAL lets readers run beside the one writer. A writer that meets the lock waits for it
    # in the driver, off the event loop (inline_sqlite), so SQLite's own busy_timeout stays 0.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    sqlite_pragmas(dbapi_connection)


WRITE_TRANSACTION = {"docspace_write": True}


def _sqlite_begin(conn: Any) -> None:
    # A deferred transaction that reads and then writes fails at once with SQLITE_BUSY when
    # another writer got in between; transactions that will write take the lock up front
    # (BEGIN IMMEDIATE, which waits out busy_timeout), readers stay concurrent under WAL.
    if conn.get_execution_options().get("docspace_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def create_engine(database_url: str, *, pool_size: int = 10) -> AsyncEngine:
    url = async_url(database_url)
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, pool_size=pool_size, max_overflow=20)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)

        # Let SQLAlchemy, not the driver, decide when a transaction begins (see above).
        @event.listens_for(engine.sync_engine, "connect")
        def _no_driver_transactions(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
            dbapi_connection.isolation_level = None

        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    # No pre-ping: it costs a round trip on every checkout (a third of a token request's).
    # A connection the server dropped fails one request and is replaced; recycling keeps
    # connections younger than any sane idle timeout in between.
    return create_async_engine(url, pool_size=pool_size, max_overflow=20, pool_recycle=1800)


_AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


async def begin(session: AsyncSession, *, write: bool) -> None:
    """Start the request's work on the right kind of transaction.

    Writes take SQLite's lock up front (see _sqlite_begin). Reads on PostgreSQL run in
    autocommit, which saves the BEGIN and COMMIT round trips; each read is one statement, so
    there is nothing for a transaction to hold together.
    """
    if write:
        await session.connection(execution_options=WRITE_TRANSACTION)
    elif session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.connection(execution_options=_AUTOCOMMIT)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def dialect_insert(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    """INSERT with ON CONFLICT support for the session's database (both spell it alike)."""
    name = (await session.connection()).dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
