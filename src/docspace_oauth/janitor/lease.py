"""One pruner at a time, across instances and workers, on either database: a lease row.

A lease rather than PostgreSQL's advisory lock, because SQLite has none and `serve --workers N`
runs N processes on one SQLite file; one mechanism serves both. The holder renews it after
every batch; one that dies lets it lapse, and another instance takes over after LEASE.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from docspace_oauth.db.engine import begin, dialect_insert
from docspace_oauth.models import JanitorLease

LEASE = timedelta(minutes=5)
PRUNE = "prune"


def new_holder() -> str:
    """Names the process in the row, so that an operator can see who holds it."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def acquire(
    sessions: async_sessionmaker[AsyncSession], holder: str, now: datetime, name: str = PRUNE
) -> bool:
    """Take (or renew) the lease; False if another live holder has it."""
    async with sessions() as session:
        await begin(session, write=True)
        stmt = (await dialect_insert(session, JanitorLease)).values(
            name=name, holder=holder, expires_at=now + LEASE
        )
        upsert = stmt.on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": holder, "expires_at": now + LEASE},
            where=or_(JanitorLease.expires_at < now, JanitorLease.holder == holder),
        ).returning(JanitorLease.holder)
        taken = (await session.execute(upsert)).scalar_one_or_none()
        await session.commit()
    return taken == holder


async def holder_of(sessions: async_sessionmaker[AsyncSession], name: str = PRUNE) -> str | None:
    async with sessions() as session:
        lease = await session.get(JanitorLease, name)
        return lease.holder if lease is not None else None


async def release(
    sessions: async_sessionmaker[AsyncSession], holder: str, name: str = PRUNE
) -> None:
    async with sessions() as session:
        await begin(session, write=True)
        await session.execute(
            delete(JanitorLease).where(JanitorLease.name == name, JanitorLease.holder == holder)
        )
        await session.commit()
