"""How the local commands open the database: named on stderr, never made by accident, and
failing in one line (its password masked) rather than in a traceback.

`serve` creates a database that is not there; every other command refuses unless given
`--create`, because a command run in the wrong folder would otherwise make a new, empty
SQLite file there and write to it, out of sight of the running server.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import asyncpg  # type: ignore[import-untyped]
import pydantic
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from docspace_oauth.app import close_runtime, open_runtime
from docspace_oauth.cli.options import current
from docspace_oauth.cli.output import ExitCode, fail, note
from docspace_oauth.db.engine import UnsupportedDatabase, async_url, create_engine
from docspace_oauth.errors import DocSpaceOAuthError
from docspace_oauth.runtime import Runtime
from docspace_oauth.settings import Settings, UnsafeProductionSettings

T = TypeVar("T")
_STATUS_EXIT = {400: ExitCode.VALIDATION, 404: ExitCode.NOT_FOUND, 409: ExitCode.CONFLICT}
_DATABASE_ERRORS = (OSError, SQLAlchemyError, asyncpg.PostgresError, sqlite3.Error)


def masked(database_url: str) -> str:
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a database URL)"


def local_settings() -> Settings:
    """The settings, with the global --database over DOCSPACE_OAUTH_DATABASE_URL."""
    database = current().database
    try:
        return Settings(database_url=database) if database else Settings()
    except UnsafeProductionSettings as error:
        fail(str(error), ExitCode.USAGE)
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        fail(f"setting {'.'.join(map(str, first['loc']))}: {first['msg']}", ExitCode.USAGE)


def _reason(error: BaseException) -> str:
    # SQLAlchemy wraps the driver's error with the statement and a link: keep the driver's.
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    text = str(cause).strip().splitlines()
    return text[0] if text else type(cause).__name__


def _sqlite_path(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


async def _has_schema(database_url: str) -> bool:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return bool(await conn.run_sync(lambda c: inspect(c).has_table("alembic_version")))
    finally:
        await engine.dispose()


async def _work(
    settings: Settings, work: Callable[[Runtime], Awaitable[T]], *, may_create: bool
) -> T:
    path = _sqlite_path(settings.database_url)
    missing = (
        (not path.exists()) if path is not None else not await _has_schema(settings.database_url)
    )
    if missing and not may_create:
        where = str(path.resolve()) if path is not None else masked(settings.database_url)
        fail(
            f"no docspace-oauth database at {where}. Run this where the server's database is, "
            "name it with --database or DOCSPACE_OAUTH_DATABASE_URL, or pass --create.",
            ExitCode.DATABASE,
        )
    runtime = await open_runtime(settings)
    try:
        return await work(runtime)
    finally:
        await close_runtime(runtime)


def run_local(
    work: Callable[[Runtime], Awaitable[T]],
    *,
    settings: Settings | None = None,
    may_create: bool = False,
) -> T:
    """Open the database (migrating it), run `work` on it, and close it."""
    settings = settings or local_settings()
    shown = masked(settings.database_url)
    note(f"Database: {shown}")
    try:
        async_url(settings.database_url)
    except (ArgumentError, UnsupportedDatabase) as error:
        fail(f"cannot use database {shown}: {error}", ExitCode.DATABASE)
    try:
        return asyncio.run(_work(settings, work, may_create=may_create or current().create))
    except DocSpaceOAuthError as error:
        fail(error.detail or str(error), _STATUS_EXIT.get(error.status, ExitCode.UNEXPECTED))
    except _DATABASE_ERRORS as error:
        fail(f"cannot use database {shown}: {_reason(error)}", ExitCode.DATABASE)
