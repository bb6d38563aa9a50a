"""`docspace-oauth prune` deletes exactly what can no longer matter, in bounded batches, on
both databases; the audit trail stays append-only for everyone else."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from docspace_oauth.janitor import lease, service
from docspace_oauth.janitor.rules import RULES
from docspace_oauth.models import (
    AuditEvent,
    AuditPruneWindow,
    BackchannelLogout,
    Client,
    JanitorLease,
    SessionClient,
    SignInSession,
)
from docspace_oauth.settings import Settings
from tests.conftest import run_cli, server_env
from tests.janitor.conftest import Seeded, rows_of_every_kind, seed, signing_keys, utcnow

TABLE_LINE = re.compile(r"^(\w+)\t(\d+)$")


async def _keys(sessions: async_sessionmaker[AsyncSession]) -> dict[str, set[Any]]:
    """What each table holds now, by the key the seed named it with."""
    held: dict[str, set[Any]] = {}
    async with sessions() as session:
        for rule in RULES:
            if rule.name in ("audit_events", "auth_failure_windows"):
                continue
            held[rule.name] = set((await session.execute(select(rule.key))).scalars())
    return held


async def _count(sessions: async_sessionmaker[AsyncSession], table: str) -> int:
    async with sessions() as session:
        return int((await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


def _summary(stdout: str) -> dict[str, int]:
    return {m[1]: int(m[2]) for line in stdout.splitlines() if (m := TABLE_LINE.match(line))}


def _expected(seeded: Seeded) -> dict[str, int]:
    return {name: len(seeded.gone.get(name, ())) for name in service.STEPS}


async def _seed_everything(sessions: async_sessionmaker[AsyncSession]) -> Seeded:
    now = utcnow()
    rows, seeded = rows_of_every_kind(now)
    keys, key_seeded = signing_keys(now)
    await seed(sessions, [*rows, *keys])
    seeded.gone.update(key_seeded.gone)
    seeded.kept.update(key_seeded.kept)
    return seeded


async def test_prune_deletes_what_is_dead_and_keeps_what_may_still_matter(
    empty_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    seeded = await _seed_everything(sessions)
    env = server_env(empty_url)

    dry = await asyncio.to_thread(run_cli, env, "prune", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert _summary(dry.stdout) == _expected(seeded)
    assert "nothing was deleted" in dry.stderr
    before = await _keys(sessions)
    for table, keys in seeded.gone.items():
        if table in before:
            assert keys <= before[table], table  # the dry run deleted nothing

    done = await asyncio.to_thread(run_cli, env, "prune")
    assert done.returncode == 0, done.stderr
    assert _summary(done.stdout) == _expected(seeded)
    assert f"Database: {empty_url}" in done.stderr
    # The progress bar, per table, with its total.
    assert re.search(r"refresh_tokens\s.*1/1", done.stderr), done.stderr
    after = await _keys(sessions)
    for table, held in after.items():
        assert not (seeded.gone.get(table, set()) & held), f"{table} kept a dead row"
        assert seeded.kept.get(table, set()) <= held, f"{table} lost a live row"
    async with sessions() as session:
        signed_in = set((await session.execute(select(SignInSession.id))).scalars())
    assert signed_in == seeded.kept["sessions"]  # the dead keys' sessions went with them
    # The audit trail and the failure windows: the 401-day-old row went, the 399-day-old stayed.
    assert await _count(sessions, "audit_events") == 1
    assert await _count(sessions, "auth_failure_windows") == 1

    again = await asyncio.to_thread(run_cli, env, "prune")
    assert set(_summary(again.stdout).values()) == {0}


async def test_batches_are_bounded_and_the_walk_reaches_every_row(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = utcnow()
    rows, seeded = rows_of_every_kind(now, copies=25)
    await seed(sessions, rows)
    sizes: list[tuple[str, int]] = []
    outcome = await service.prune(
        sessions,
        Settings(),
        holder="test",
        batch_size=7,
        progress=lambda table, n: sizes.append((table, n)),
    )
    assert outcome.deleted == _expected(seeded)
    assert max(n for _, n in sizes) == 7  # never more than a batch per transaction
    # 25 dead refresh tokens in batches of 7: 7, 7, 7, 4.
    assert [n for table, n in sizes if table == "refresh_tokens"] == [7, 7, 7, 4]
    assert outcome.batches == len(sizes)


async def test_the_audit_trail_stays_append_only_outside_a_prune(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = utcnow()
    rows, _ = rows_of_every_kind(now)
    await seed(sessions, rows)

    async def refused(*statements: Any) -> None:
        async with sessions() as session:
            for statement in statements[:-1]:
                await session.execute(statement)
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(statements[-1])
            await session.rollback()

    await refused(delete(AuditEvent))
    await refused(update(AuditEvent).values(outcome="denied"))
    # Even an ancient row is only deletable under a window, and a window in the future
    # (which would let a bug delete today's events) does not open it.
    future = insert(AuditPruneWindow).values(id=1, cutoff=now + timedelta(days=1))
    await refused(future, delete(AuditEvent))
    # Under a window, an UPDATE is still refused, and only rows older than the cutoff go.
    window = insert(AuditPruneWindow).values(id=1, cutoff=now - timedelta(days=400))
    await refused(window, update(AuditEvent).values(outcome="denied"))
    await refused(window, delete(AuditEvent))  # the 399-day-old row is inside retention
    assert await _count(sessions, "audit_events") == 2


async def test_a_second_pruner_waits_for_the_lease(
    empty_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _seed_everything(sessions)
    assert await lease.acquire(sessions, "other-instance:1", utcnow())
    held = await asyncio.to_thread(run_cli, server_env(empty_url), "prune")
    assert held.returncode == 8, held.stderr  # ExitCode.CONFLICT
    assert "another prune is running (other-instance:1)" in held.stderr
    assert await _count(sessions, "refresh_tokens") == 3  # nothing was touched

    # A holder that died lets its lease lapse, and the next pruner takes over.
    async with sessions() as session:
        await session.execute(
            update(JanitorLease).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    done = await asyncio.to_thread(run_cli, server_env(empty_url), "prune")
    assert done.returncode == 0, done.stderr
    assert await _count(sessions, "refresh_tokens") == 2
    async with sessions() as session:
        assert (await session.execute(select(func.count()).select_from(JanitorLease))).scalar() == 0


async def test_a_session_that_runs_out_is_ended_and_its_apps_told(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Back-Channel Logout: expiry ends a session too. The janitor ends it (reason expired)
    and queues a logout token for each app it served that has a back-channel URI, before the
    session-key rule deletes it."""
    now = utcnow()
    rows, _ = rows_of_every_kind(now)
    expired = next(
        r
        for r in rows
        if isinstance(r, SignInSession) and r.ended_at is None and r.expires_at < now
    )
    app = Client(
        client_id=str(uuid.uuid4()),
        tenant_id=1,
        name="An app",
        backchannel_logout_uri="https://app.example.com/bc",
        redirect_uris=["https://app.example.com/cb"],
        allowed_origins=[],
        scopes=["openid"],
        grant_types=["authorization_code"],
        secret_hash="0" * 64,
        created_on=now,
        created_by="u1",
        modified_on=now,
        modified_by="u1",
    )
    served = SessionClient(
        session_id=expired.id, client_id=app.client_id, first_at=now, last_at=now
    )
    await seed(sessions, [*rows, app])
    await seed(sessions, [served])
    outcome = await service.prune(sessions, Settings(), holder="test")
    assert outcome.deleted["sessions_expired"] == 1
    async with sessions() as session:
        queued = (await session.execute(select(BackchannelLogout))).scalars().all()
    assert [(q.client_id, q.session_id, q.subject) for q in queued] == [
        (app.client_id, expired.id, "u1")
    ]
