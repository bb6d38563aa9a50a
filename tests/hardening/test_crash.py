"""Crash safety: a storm of creates, updates and regenerations from concurrent tasks, the
server killed with SIGKILL in the middle of it (every process, when it has workers), started
again on the same database, and then every answered change is there and nothing is
half-written.

How in-flight requests are reasoned about: each task works on its own clients, one request
at a time, so every client has a sequence of answered (2xx) operations and at most one last
operation whose answer never came. A change is committed before its answer is sent, so an
answered operation must be visible; an unanswered one may or may not have committed, and if
it did, all of it did:

- a client whose creation was answered exists, with the fields the answer showed, changed by
  every answered update after it; if its last update went unanswered, the row shows either
  all of that update's fields or none of them;
- its stored secret hash is the last answered secret's (the creation's or a regeneration's),
  or, if its last operation was an unanswered regeneration, a secret nobody was told;
- a client whose creation went unanswered either does not exist or exists exactly as asked;
- there is no other client, and every row is complete and valid.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from docspace_oauth import validation
from docspace_oauth.clients.schemas import ClientResponse
from docspace_oauth.db.engine import create_engine, session_factory
from docspace_oauth.models import Client
from docspace_oauth.scopes.catalogue import BY_NAME
from docspace_oauth.security.hashing import keyed_hash
from docspace_oauth.security.server_keys import load_server_keys
from docspace_oauth.settings import Settings
from tests.conftest import POSTGRES_ADMIN_URL, _postgres_admin, signature, start_server
from tests.factory import BASES, client_body

TASKS = 6
ACKS_BEFORE_KILL = 150  # answered operations per storm before the kill, at the least
CRASH_TENANT = 1
UPDATED_FIELDS = ("name", "description", "website_url", "redirect_uris", "allow_pkce")


@pytest.fixture
def fresh_database_url(database_kind: str, tmp_path: Path):
    """A database of this test's own: the crash must not be shared with other tests."""
    if database_kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'crash.db'}"
        return
    name = f"dso_crash_{secrets.token_hex(6)}"
    asyncio.run(_postgres_admin(f'CREATE DATABASE "{name}"'))
    yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    asyncio.run(_postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class Tracked:
    """One client as its task saw it: what was answered, and the one request that was not."""

    request: dict[str, Any]
    created: dict[str, Any] | None = None
    updates: list[dict[str, Any]] = field(default_factory=list)  # answered, in order
    secrets: list[str] = field(default_factory=list)  # answered, in order
    unanswered: tuple[str, dict[str, Any] | None] | None = None


def _update_body(marker: str, n: int) -> dict[str, Any]:
    return {
        "name": f"Updated {marker}",
        "description": f"update {marker}",
        "website_url": f"https://u{marker}.example.com",
        "redirect_uris": [f"https://u{marker}.example.com/cb"],
        "allow_pkce": n % 2 == 0,
    }


async def _storm_task(
    http: httpx.AsyncClient, number: int, tracked: list[Tracked], answered: list[int]
) -> None:
    headers = {"x-signature": signature(str(uuid.uuid4()), CRASH_TENANT, expires_in=900)}
    for n in range(10_000):
        request = client_body(name=f"Crash {number}-{n} {uuid.uuid4().hex[:6]}")
        client = Tracked(request=request)
        tracked.append(client)
        try:
            response = await http.post(BASES[n % 2], json=request, headers=headers)
        except httpx.TransportError:
            client.unanswered = ("create", request)
            return
        assert response.status_code == 201, response.text
        client.created = response.json()
        client.secrets.append(client.created["client_secret"])
        answered[0] += 1
        for step in range(4):
            path = f"{BASES[step % 2]}/{client.created['client_id']}"
            if step % 2 == 0:
                body = _update_body(f"{number}-{n}-{step}", step)
                operation: tuple[str, dict[str, Any] | None] = ("update", body)
                call = http.put(path, json=body, headers=headers)
            else:
                operation = ("regenerate", None)
                call = http.patch(f"{path}/regenerate", headers=headers)
            try:
                response = await call
            except httpx.TransportError:
                client.unanswered = operation
                return
            assert response.status_code == 200, response.text
            if operation[0] == "update":
                client.updates.append(operation[1] or {})
            else:
                client.secrets.append(response.json()["client_secret"])
            answered[0] += 1


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def _kill_server(server) -> None:
    """SIGKILL the server and every process it started, supervisor first so that it cannot
    replace a worker in between."""
    workers = _descendants(server.process.pid)
    os.kill(server.process.pid, signal.SIGKILL)
    for pid in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.process.wait(timeout=10)


async def _storm_and_kill(server, tracked: list[Tracked]) -> int:
    answered = [0]
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        tasks = [asyncio.create_task(_storm_task(http, i, tracked, answered)) for i in range(TASKS)]
        for _ in range(600):
            await asyncio.sleep(0.02)
            if answered[0] >= ACKS_BEFORE_KILL or any(t.done() for t in tasks):
                break
        _kill_server(server)
        await asyncio.gather(*tasks)  # each ends at its first unanswered request
    return answered[0]


def _fields(body: dict[str, Any], row: Client) -> tuple[dict[str, Any], dict[str, Any]]:
    wire = ClientResponse.of(row).model_dump(mode="json")
    return {k: body[k] for k in UPDATED_FIELDS}, {k: wire[k] for k in UPDATED_FIELDS}


def _check_row_is_whole(row: Client) -> None:
    """Every column present and valid, as the API would have accepted it."""
    assert 3 <= len(row.name) <= 256
    assert len(row.description) <= 255
    assert row.scopes
    assert set(row.scopes) <= set(BY_NAME)
    assert 1 <= len(row.redirect_uris) <= 12
    assert 1 <= len(row.allowed_origins) <= 12
    for uri in row.redirect_uris:
        validation.redirect_uri(uri)
    for origin in row.allowed_origins:
        validation.origin(origin)
    for url in (row.website_url, row.terms_url, row.policy_url, row.logout_redirect_uri):
        validation.http_url(url)
    validation.logo(row.logo)
    assert len(row.secret_hash) == 64
    assert int(row.secret_hash, 16) >= 0
    assert row.grant_types
    assert row.created_by
    assert row.modified_by
    assert row.created_on <= row.modified_on
    ClientResponse.of(row)


async def _verify(database_url: str, server_url: str, tracked: list[Tracked]) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        sessions = session_factory(engine)
        async with sessions() as session:
            keys = await load_server_keys(session, Settings(database_url=database_url))
            rows = {r.client_id: r for r in await session.scalars(select(Client))}
            if engine.dialect.name == "sqlite":
                assert (await session.execute(text("PRAGMA integrity_check"))).scalar() == "ok"
    finally:
        await engine.dispose()

    accounted: set[str] = set()
    figures = {"answered_creates": 0, "unanswered": 0, "unanswered_applied": 0}
    for client in tracked:
        figures["unanswered"] += client.unanswered is not None
        if client.created is None:  # its creation was never answered
            candidates = [r for r in rows.values() if r.name == client.request["name"]]
            assert len(candidates) <= 1
            if candidates:
                row = candidates[0]
                figures["unanswered_applied"] += 1
                accounted.add(row.client_id)
                for key in (
                    "description",
                    "logo",
                    "scopes",
                    "redirect_uris",
                    "allowed_origins",
                    "website_url",
                    "terms_url",
                    "policy_url",
                ):
                    assert getattr(row, key) == client.request[key], key
            continue
        figures["answered_creates"] += 1
        client_id = client.created["client_id"]
        row = rows.get(client_id)
        assert row is not None, f"answered creation lost: {client_id}"
        accounted.add(client_id)
        expected = {k: client.created[k] for k in UPDATED_FIELDS}
        for update in client.updates:
            expected = {k: update[k] for k in UPDATED_FIELDS}
        _, stored = _fields(expected, row)
        for key in (
            "client_id",
            "tenant",
            "created_on",
            "created_by",
            "scopes",
            "allowed_origins",
            "logo",
            "terms_url",
            "policy_url",
        ):
            assert ClientResponse.of(row).model_dump(mode="json")[key] == client.created[key]
        kind, body = client.unanswered or (None, None)
        if kind == "update" and stored != expected:
            # The unanswered update committed: then all of it did.
            assert stored == {k: body[k] for k in UPDATED_FIELDS}, (stored, body)
            figures["unanswered_applied"] += 1
        else:
            assert stored == expected, (client_id, stored, expected)
        known = [keyed_hash(keys.hash_key, s) for s in client.secrets]
        if kind == "regenerate" and row.secret_hash != known[-1]:
            assert row.secret_hash not in known  # a newer secret nobody was told
            figures["unanswered_applied"] += 1
        else:
            assert row.secret_hash == known[-1], client_id
    assert set(rows) == accounted, "rows nobody asked for"
    for row in rows.values():
        _check_row_is_whole(row)
    # The restarted server reads every row back.
    admin = {"x-signature": signature(str(uuid.uuid4()), CRASH_TENANT, is_admin=True)}
    async with httpx.AsyncClient(base_url=server_url, headers=admin, timeout=30) as http:
        for client_id, row in rows.items():
            response = await http.get(f"{BASES[0]}/{client_id}")
            assert response.status_code == 200
            assert response.json()["name"] == row.name
    figures["rows"] = len(rows)
    return figures


@pytest.mark.parametrize(("workers", "crashes"), [(1, 1), (2, 1)], ids=["1-worker", "2-workers"])
async def test_sigkill_mid_storm_loses_nothing_answered(fresh_database_url, workers, crashes):
    tracked: list[Tracked] = []
    answered_total = 0
    server = start_server(fresh_database_url, workers=workers)
    try:
        for _ in range(crashes):
            answered_total += await _storm_and_kill(server, tracked)
            server = start_server(fresh_database_url, workers=workers)  # same database
        figures = await _verify(fresh_database_url, server.url, tracked)
        assert "Traceback" not in server.log(), server.log()
    finally:
        server.stop()
        for pid in _descendants(server.process.pid):
            os.kill(pid, signal.SIGKILL)
    print(
        f"\n{workers} worker(s), {crashes} crash(es): {answered_total} answered operations, "
        f"{figures}"
    )
    assert figures["answered_creates"] >= TASKS
    assert figures["unanswered"] >= 1
