"""Migrations apply themselves: every command that touches the database calls `upgrade`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from docspace_oauth.db.engine import WRITE_TRANSACTION

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# Any constant works; it only has to be the same in every instance that may start at once.
_PG_MIGRATION_LOCK = 0x0D0C5BACE


def alembic_config(database_url: str = "") -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Several instances starting together must not run the same DDL twice.
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
    config = alembic_config()
    # At head already (every start but the first): nothing to run, and nothing to log. Each
    # command and each worker calls this, and Alembic's environment would otherwise announce
    # itself every time.
    if _applied(connection) == set(ScriptDirectory.from_config(config).get_heads()):
        return
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _applied(connection: Connection) -> set[str]:
    """The revisions recorded in the database, read without Alembic's migration context (whose
    set-up logs on every call)."""
    if not inspect(connection).has_table("alembic_version"):
        return set()
    return {
        str(row[0]) for row in connection.execute(text("SELECT version_num FROM alembic_version"))
    }


async def upgrade(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        conn = await conn.execution_options(**WRITE_TRANSACTION)
        async with conn.begin():
            await conn.run_sync(_upgrade)
