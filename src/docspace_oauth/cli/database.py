"""Commands that touch the database open it through here, so migrations always run first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from docspace_oauth.app import close_runtime, open_runtime
from docspace_oauth.runtime import Runtime
from docspace_oauth.settings import get_settings


@asynccontextmanager
async def opened_runtime() -> AsyncIterator[Runtime]:
    runtime = await open_runtime(get_settings())
    try:
        yield runtime
    finally:
        await close_runtime(runtime)
