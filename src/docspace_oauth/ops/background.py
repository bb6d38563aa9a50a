"""Work a server process does beside its requests for as long as it runs (the janitor, the
back-channel logout sender): one way to start such a loop with the app and stop it with it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from typing import Any


@contextlib.asynccontextmanager
async def running(loop: Coroutine[Any, Any, None] | None) -> AsyncIterator[None]:
    """Run `loop` as a task until the block ends, then cancel it and wait for it to stop;
    None (the feature is switched off) runs nothing."""
    task = asyncio.create_task(loop) if loop is not None else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
