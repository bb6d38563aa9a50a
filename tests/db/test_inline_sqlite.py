"""The inline SQLite driver: statements run on the event loop's thread, so a writer that
meets the lock must wait for it without stopping the loop (else the lock holder, whose
COMMIT needs the loop, could never release it)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from docspace_oauth.db.engine import WRITE_TRANSACTION, create_engine


async def test_a_writer_waits_for_the_lock_while_the_loop_keeps_running(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE entries (who TEXT)"))

    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.001)

    order: list[str] = []

    async def second_writer() -> None:
        async with engine.connect() as connection:
            connection = await connection.execution_options(**WRITE_TRANSACTION)
            async with connection.begin():  # BEGIN IMMEDIATE: waits for the first writer
                order.append("second began")
                await connection.execute(text("INSERT INTO entries VALUES ('second')"))

    ticking = asyncio.create_task(ticker())
    try:
        async with engine.connect() as first:
            first = await first.execution_options(**WRITE_TRANSACTION)
            async with first.begin():
                await first.execute(text("INSERT INTO entries VALUES ('first')"))
                waiting = asyncio.create_task(second_writer())
                ticks_before = ticks
                await asyncio.sleep(0.1)  # the lock is held across this await
                assert not waiting.done()
                assert ticks - ticks_before >= 20, "the loop stopped while a writer waited"
                order.append("first commits")
        await asyncio.wait_for(waiting, timeout=5)
    finally:
        stop.set()
        await ticking

    assert order == ["first commits", "second began"]
    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT who FROM entries ORDER BY rowid"))).all()
    assert [row[0] for row in rows] == ["first", "second"]
    await engine.dispose()
