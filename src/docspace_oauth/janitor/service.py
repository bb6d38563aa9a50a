"""Pruning in bounded batches, safe beside a running server.

Each batch is one short write transaction that deletes at most `batch_size` rows, the first
prunable ones after the previous batch's last key (a walk along the key's index: every row is
looked at once, however many batches). So a run holds no lock for long, a server's requests
get in between batches, and a run that is stopped has still committed what it did.

Audit rows are deleted under the append-only trigger's window (migration 0006): the batch's
transaction writes the cutoff, deletes, and removes the cutoff before it commits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from docspace_oauth.db.engine import begin
from docspace_oauth.janitor import lease
from docspace_oauth.janitor.rules import RULES, Cutoffs, Rule, candidates
from docspace_oauth.models import AuditPruneWindow, SignInSession, utcnow
from docspace_oauth.sessions.repository import end_expired
from docspace_oauth.settings import Settings

# Not a deletion: sessions that expired unended are ended first, so that the apps they
# served are told by back-channel before the session-key rule deletes them.
EXPIRED_SESSIONS = "sessions_expired"
STEPS = (EXPIRED_SESSIONS, *(rule.name for rule in RULES))
Progress = Callable[[str, int], None]  # (table, rows deleted by the batch just committed)


class LeaseHeld(RuntimeError):
    """Another instance is pruning; the message names it."""


@dataclass(slots=True)
class Outcome:
    deleted: dict[str, int] = field(default_factory=dict)
    batches: int = 0


async def count(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> dict[str, int]:
    """What a run would delete now, per table (`prune --dry-run`, and the progress totals)."""
    cutoffs = Cutoffs.at(utcnow(), settings)
    totals = {}
    async with sessions() as session:
        expired = select(func.count()).where(
            SignInSession.ended_at.is_(None), SignInSession.expires_at <= cutoffs.now
        )
        totals[EXPIRED_SESSIONS] = int((await session.execute(expired)).scalar_one())
        for rule in RULES:
            query = select(func.count()).select_from(rule.table).where(rule.prunable(cutoffs))
            totals[rule.name] = int((await session.execute(query)).scalar_one())
    return totals


async def prune_batch(
    sessions: async_sessionmaker[AsyncSession],
    rule: Rule,
    cutoffs: Cutoffs,
    *,
    after: object | None,
    limit: int,
) -> list[object]:
    """One transaction: delete the next batch of `rule`'s rows; returns their keys."""
    query = candidates(rule, cutoffs, after=after, limit=limit)
    async with sessions() as session:
        await begin(session, write=True)
        if rule.audit:
            await session.execute(insert(AuditPruneWindow).values(id=1, cutoff=cutoffs.audit))
        result = await session.execute(
            delete(rule.table).where(rule.key.in_(query)).returning(rule.key)
        )
        keys = list(result.scalars())
        if rule.audit:
            await session.execute(delete(AuditPruneWindow))
        await session.commit()
    return keys


@dataclass(frozen=True, slots=True)
class _Run:
    sessions: async_sessionmaker[AsyncSession]
    cutoffs: Cutoffs
    limit: int
    holder: str
    duty: float
    progress: Progress | None


async def prune(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    holder: str,
    batch_size: int | None = None,
    duty: float = 1.0,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Delete everything prunable, table by table, holding the lease throughout.

    `duty` is the share of the time spent deleting: after a batch that took t seconds, the
    run waits t * (1 - duty) / duty, leaving the CPU and the database to the server's
    requests. Pruning is CPU-bound (a few tens of microseconds a row, mostly index upkeep),
    and on a small machine the server feels every cycle it takes; 1.0 runs flat out.
    """
    if not await lease.acquire(sessions, holder, utcnow()):
        raise LeaseHeld(f"another prune is running ({await lease.holder_of(sessions)})")
    run = _Run(
        sessions,
        Cutoffs.at(now or utcnow(), settings),
        batch_size or settings.prune_batch_size,
        holder,
        duty,
        progress,
    )
    outcome = Outcome()
    try:
        outcome.deleted[EXPIRED_SESSIONS] = await _end_expired_sessions(run, outcome)
        for rule in RULES:
            outcome.deleted[rule.name] = await _prune_rule(run, rule, outcome)
    finally:
        await lease.release(sessions, holder)
    return outcome


async def _end_expired_sessions(run: _Run, outcome: Outcome) -> int:
    ended = 0
    while True:
        async with run.sessions() as session:
            await begin(session, write=True)
            batch = await end_expired(session, now=run.cutoffs.now, limit=run.limit)
            await session.commit()
        outcome.batches += 1
        ended += batch
        if run.progress is not None:
            run.progress(EXPIRED_SESSIONS, batch)
        if batch < run.limit:
            return ended


async def _prune_rule(run: _Run, rule: Rule, outcome: Outcome) -> int:
    deleted, after = 0, None
    while True:
        began = time.perf_counter()
        keys = await prune_batch(run.sessions, rule, run.cutoffs, after=after, limit=run.limit)
        outcome.batches += 1
        deleted += len(keys)
        if run.progress is not None:
            run.progress(rule.name, len(keys))
        if len(keys) < run.limit:
            return deleted
        after = max(keys)  # type: ignore[type-var]
        if not await lease.acquire(run.sessions, run.holder, utcnow()):
            raise LeaseHeld("the prune lease was lost (a batch took longer than the lease)")
        if run.duty < 1:
            await asyncio.sleep((time.perf_counter() - began) * (1 - run.duty) / run.duty)
