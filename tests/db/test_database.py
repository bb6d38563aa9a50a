"""The data layer itself, on both databases: typed statements, the read handle and write
transactions, and the unit of work's rules (lazy begin, commit, rollback, errors that must
persist, records deferred past a rollback)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import pytest
from sqlalchemy import bindparam, delete, insert, select, update

from docspace_oauth.db.database import Conflict, Database, open_database
from docspace_oauth.db.engine import create_engine
from docspace_oauth.db.migrate import upgrade
from docspace_oauth.db.statements import Command, Query
from docspace_oauth.db.work import Work
from docspace_oauth.errors import DocSpaceOAuthError
from docspace_oauth.models import Client


class Stored(NamedTuple):
    client_id: str
    scopes: list[str]
    enabled: bool
    created_on: datetime
    previous_secret_expires_at: datetime | None


_COLUMNS = {column.key: bindparam(column.key) for column in Client.__table__.columns}
ADD = Command(insert(Client).values(_COLUMNS))
GET = Query(
    select(
        Client.client_id,
        Client.scopes,
        Client.enabled,
        Client.created_on,
        Client.previous_secret_expires_at,
    ).where(Client.client_id == bindparam("client_id")),
    Stored,
)
RENAME = Command(
    update(Client).where(Client.client_id == bindparam("client_id")).values(name=bindparam("name"))
)
REMOVE = Command(delete(Client).where(Client.client_id == bindparam("client_id")))


def _values(**overrides: object) -> dict[str, object]:
    now = datetime(2026, 12, 2, 5, 6, 7, 891011, tzinfo=UTC)
    values: dict[str, object] = {
        "client_id": str(uuid.uuid4()),
        "tenant_id": 1,
        "name": "Stored app",
        "description": "",
        "logo": "data:image/png;base64,AA==",
        "website_url": "https://app.example.com",
        "terms_url": "https://app.example.com/terms",
        "policy_url": "https://app.example.com/privacy",
        "logout_redirect_uri": "https://app.example.com/bye",
        "backchannel_logout_uri": "",
        "backchannel_logout_session_required": False,
        "redirect_uris": ["https://app.example.com/cb"],
        "allowed_origins": ["https://app.example.com"],
        "scopes": ["files:read", "openid"],
        "grant_types": ["authorization_code"],
        "allow_pkce": False,
        "is_public": False,
        "enabled": True,
        "secret_hash": "0" * 64,
        "previous_secret_hash": None,
        "previous_secret_expires_at": None,
        "created_on": now,
        "created_by": "someone",
        "modified_on": now,
        "modified_by": "someone",
        "registration": "",
        "application_type": "web",
    }
    values.update(overrides)
    return values


@pytest.fixture(scope="session")
async def database(database_url: str) -> AsyncIterator[Database]:
    engine = create_engine(database_url)
    await upgrade(engine)
    await engine.dispose()
    opened = await open_database(database_url, pool_size=4)
    try:
        yield opened
    finally:
        await opened.close()


async def test_values_come_back_typed_by_the_columns(database: Database) -> None:
    values = _values(previous_secret_expires_at=datetime(2027, 1, 1, tzinfo=UTC))
    async with database.transaction() as tx:
        assert await tx.run(ADD, **values) == 1
    stored = await database.reader.one(GET, client_id=values["client_id"])
    assert stored == Stored(
        client_id=str(values["client_id"]),
        scopes=["files:read", "openid"],
        enabled=True,
        created_on=datetime(2026, 12, 2, 5, 6, 7, 891011, tzinfo=UTC),
        previous_secret_expires_at=datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert stored is not None and stored.created_on.tzinfo is not None
    assert await database.reader.one(GET, client_id=str(uuid.uuid4())) is None


def test_a_row_type_must_name_exactly_the_statements_columns() -> None:
    class Missing(NamedTuple):
        client_id: str

    with pytest.raises(TypeError, match="Missing"):
        Query(select(Client.client_id, Client.name), Missing)


async def test_a_taken_key_is_a_conflict(database: Database) -> None:
    values = _values()
    async with database.transaction() as tx:
        await tx.run(ADD, **values)
    with pytest.raises(Conflict):
        async with database.transaction() as tx:
            await tx.run(ADD, **values)


async def test_a_transaction_that_raises_writes_nothing(database: Database) -> None:
    values = _values()
    seen_inside: list[bool] = []

    async def fails() -> None:
        async with database.transaction() as tx:
            await tx.run(ADD, **values)
            seen_inside.append(await tx.one(GET, client_id=values["client_id"]) is not None)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await fails()
    assert seen_inside == [True]  # a transaction reads its own writes
    assert await database.reader.one(GET, client_id=values["client_id"]) is None


async def test_rowcounts(database: Database) -> None:
    values = _values()
    async with database.transaction() as tx:
        await tx.run(ADD, **values)
        assert await tx.run(RENAME, client_id=values["client_id"], name="Renamed") == 1
        assert await tx.run(RENAME, client_id=str(uuid.uuid4()), name="Nobody") == 0
        assert await tx.run(REMOVE, client_id=values["client_id"]) == 1


class _MustPersist(DocSpaceOAuthError):
    status = 400
    persist = True


async def test_work_begins_on_first_write_and_commits(database: Database) -> None:
    values = _values()
    async with Work(database) as work:
        assert not work.writing
        await work.read.one(GET, client_id=values["client_id"])
        assert not work.writing  # reads alone never take the write lock
        tx = await work.write()
        assert await work.write() is tx  # one transaction per work
        await tx.run(ADD, **values)
    assert await database.reader.one(GET, client_id=values["client_id"]) is not None


async def test_work_rolls_back_on_error_but_writes_what_it_deferred(database: Database) -> None:
    doomed, recorded = _values(), _values()

    async def refused() -> None:
        async with Work(database) as work:
            await (await work.write()).run(ADD, **doomed)
            work.defer(ADD, **recorded)
            raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        await refused()
    assert await database.reader.one(GET, client_id=doomed["client_id"]) is None
    assert await database.reader.one(GET, client_id=recorded["client_id"]) is not None


async def test_an_error_that_must_persist_commits_first(database: Database) -> None:
    spent = _values()

    async def replayed() -> None:
        async with Work(database) as work:
            await (await work.write()).run(ADD, **spent)
            raise _MustPersist("the code was already used")

    with pytest.raises(_MustPersist):
        await replayed()
    assert await database.reader.one(GET, client_id=spent["client_id"]) is not None


async def test_concurrent_works_serialise_their_writes(database: Database) -> None:
    ids = [str(uuid.uuid4()) for _ in range(20)]

    async def one(client_id: str) -> None:
        async with Work(database) as work:
            tx = await work.write()
            await tx.run(ADD, **_values(client_id=client_id))
            await asyncio.sleep(0)  # let the others try to begin meanwhile
            await tx.run(RENAME, client_id=client_id, name="Concurrent")

    await asyncio.gather(*(one(client_id) for client_id in ids))
    for client_id in ids:
        assert await database.reader.one(GET, client_id=client_id) is not None


async def test_time_binds_compare_as_times(database: Database) -> None:
    values = _values()
    async with database.transaction() as tx:
        await tx.run(ADD, **values)
    newer = Query(
        select(
            Client.client_id,
            Client.scopes,
            Client.enabled,
            Client.created_on,
            Client.previous_secret_expires_at,
        ).where(
            Client.client_id == bindparam("client_id"),
            Client.created_on > bindparam("since", type_=Client.created_on.type),
        ),
        Stored,
    )
    created = values["created_on"]
    assert isinstance(created, datetime)
    earlier = created - timedelta(microseconds=1)
    assert await database.reader.one(newer, client_id=values["client_id"], since=earlier)
    assert not await database.reader.one(newer, client_id=values["client_id"], since=created)
