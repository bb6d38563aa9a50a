"""`serve` prunes by itself, every DOCSPACE_OAUTH_PRUNE_INTERVAL_SECONDS, and only one of its
workers does at a time."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import start_server
from tests.janitor.conftest import rows_of_every_kind, seed, utcnow


async def _dead_rows(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    async with sessions() as session:
        tokens = (await session.execute(text("SELECT count(*) FROM refresh_tokens"))).scalar()
        pending = (
            await session.execute(text("SELECT count(*) FROM authorization_requests"))
        ).scalar()
    return int(tokens or 0), int(pending or 0)


async def test_serve_prunes_periodically_on_one_worker(
    empty_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    rows, seeded = rows_of_every_kind(utcnow(), copies=20)
    await seed(sessions, rows)
    kept_tokens = len(seeded.kept["refresh_tokens"])
    kept_pending = len(seeded.kept["authorization_requests"])
    assert await _dead_rows(sessions) == (kept_tokens + 20, kept_pending + 20)

    server = await asyncio.to_thread(
        start_server,
        empty_url,
        workers=2,
        log_level="info",
        DOCSPACE_OAUTH_PRUNE_INTERVAL_SECONDS="1",
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if await _dead_rows(sessions) == (kept_tokens, kept_pending):
                break
            await asyncio.sleep(0.2)
        assert await _dead_rows(sessions) == (kept_tokens, kept_pending), server.log()
        await asyncio.sleep(2.5)  # a few more intervals, on both workers
    finally:
        server.stop()
    log = server.log()
    assert "periodic prune failed" not in log, log
    # The dead rows went once: one worker's run found them, the others found nothing left.
    assert log.count("pruned ") == 1, log
