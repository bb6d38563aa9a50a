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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from docspace_oauth.db.engine import begin
from docspace_oauth.janitor import lease
from docspace_oauth.janitor.rules import RULES, Cutoffs, Rule, candidates
from docspace_oauth.models import AuditPruneWindow, utcnow
from docspace_oauth.settings import Settings

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


async def prune(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    holder: str,
    batch_size: int | None = None,
    pause: float = 0.0,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Delete everything prunable, table by table, holding the lease throughout.

    `pause` seconds between batches leave the database to the server's requests for a while
    (serve's periodic run uses it; a scheduled `prune` at night need not).
    """
    if not await lease.acquire(sessions, holder, utcnow()):
        raise LeaseHeld(f"another prune is running ({await lease.holder_of(sessions)})")
    cutoffs = Cutoffs.at(now or utcnow(), settings)
    limit = batch_size or settings.prune_batch_size
    outcome = Outcome()
    try:
        for rule in RULES:
            outcome.deleted[rule.name] = await _prune_rule(
                sessions, rule, cutoffs, limit, holder, pause, progress, outcome
            )
    finally:
        await lease.release(sessions, holder)
    return outcome


async def _prune_rule(
    sessions: async_sessionmaker[AsyncSession],
    rule: Rule,
    cutoffs: Cutoffs,
    limit: int,
    holder: str,
    pause: float,
    progress: Progress | None,
    outcome: Outcome,
) -> int:
    deleted, after = 0, None
    while True:
        keys = await prune_batch(sessions, rule, cutoffs, after=after, limit=limit)
        outcome.batches += 1
        deleted += len(keys)
        if progress is not None:
            progress(rule.name, len(keys))
        if len(keys) < limit:
            return deleted
        after = max(keys)  # type: ignore[type-var]
        if not await lease.acquire(sessions, holder, utcnow()):
            raise LeaseHeld("the prune lease was lost (a batch took longer than the lease)")
        if pause:
            await asyncio.sleep(pause)
