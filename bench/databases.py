"""The bench's own databases: a fresh one per run, beside (never inside) the admin URL's."""

from __future__ import annotations

import asyncio
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from bench.options import Options


async def _pg_admin(url: str, sql: str) -> None:
    import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

    conn = await asyncpg.connect(url.replace("postgresql://", "postgres://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def database_name(url: str) -> str | None:
    """The PostgreSQL database's name (its backends' titles carry it); None for SQLite."""
    return None if url.startswith("sqlite") else url.rsplit("/", 1)[1]


@contextmanager
def fresh_database(opts: Options, prefix: str) -> Iterator[str]:
    """An empty database for this run, dropped afterwards."""
    if opts.database == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as tmp:
            yield f"sqlite:///{tmp}/docspace-oauth.db"
        return
    name = f"{prefix}_{secrets.token_hex(5)}"
    asyncio.run(_pg_admin(opts.postgres_url, f'CREATE DATABASE "{name}"'))
    try:
        yield f"{opts.postgres_url.rsplit('/', 1)[0]}/{name}"
    finally:
        asyncio.run(_pg_admin(opts.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
