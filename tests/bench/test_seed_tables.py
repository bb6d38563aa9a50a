"""The bench seeds rows by column name, as the models' tables declare them (bench/tables.py):
a column added to a table later gets its default or stops the bench with its name, and a
value never lands in another column. Checked on copies of the real tables, without a server.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from bench.tables import SeedError, layout, table_of
from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, create_engine, select
from sqlalchemy.engine import Dialect, make_url

from docspace_oauth.models import AuthorizationCode, Client, Consent, RefreshToken, TokenFamily

SQLITE: Dialect = make_url("sqlite://").get_dialect()()
POSTGRESQL: Dialect = make_url("postgresql+asyncpg://").get_dialect()()
NOW = datetime(2026, 12, 2, 5, 0, 0, 123456, tzinfo=UTC)


def clients_with(*extra: Column[Any]) -> Table:
    """A copy of the clients table with columns the server might add later."""
    table = table_of(Client).to_metadata(MetaData())
    for column in extra:
        table.append_column(column)
    return table


def client_row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "client_id": "c1",
        "tenant_id": 1,
        "name": "App",
        "redirect_uris": ["https://app.example.com/callback"],
        "allowed_origins": [],
        "scopes": ["files:read"],
        "grant_types": ["client_credentials"],
        "secret_hash": "0" * 64,
        "created_on": NOW,
        "created_by": "u1",
        "modified_on": NOW,
        "modified_by": "u1",
    }
    row.update(changes)
    return row


def one(table: Table, row: dict[str, Any], dialect: Dialect = SQLITE) -> dict[str, Any]:
    plan = layout(table, dialect, {}, row.keys())
    return dict(zip(plan.names, next(plan.tuples([row])), strict=True))


@pytest.mark.parametrize("model", [Client, Consent, AuthorizationCode, TokenFamily, RefreshToken])
def test_columns_come_from_the_table_in_its_order(model: type[Any]) -> None:
    table = table_of(model)
    names = [c.name for c in table.columns]
    plan = layout(table, SQLITE, {}, list(reversed(names)))
    assert list(plan.names) == names


def test_values_land_by_name_whatever_the_order_given() -> None:
    row = client_row()
    written = one(clients_with(), dict(reversed(list(row.items()))))
    assert written["client_id"] == "c1"
    assert written["created_by"] == "u1"
    assert written["secret_hash"] == "0" * 64
    # Defaults the seeder left to the model, and SQLite's encodings of the rest.
    assert written["description"] == ""
    assert written["enabled"] == 1
    assert written["previous_secret_hash"] is None
    assert written["created_on"] == "2026-12-02 05:00:00.123456"
    assert written["redirect_uris"] == '["https://app.example.com/callback"]'


def test_postgresql_gets_naive_utc_and_json_text() -> None:
    written = one(clients_with(), client_row(), POSTGRESQL)
    assert written["created_on"] == datetime(2026, 12, 2, 5, 0, 0, 123456)
    assert written["scopes"] == '["files:read"]'
    assert written["enabled"] is True


def test_a_new_column_with_a_default_gets_it() -> None:
    table = clients_with(
        Column("audited", Boolean, nullable=False, default=True),
        Column("note", String(10)),
        Column("region", String(10), nullable=False, server_default="eu"),
    )
    written = one(table, client_row())
    assert written["audited"] == 1
    assert written["note"] is None
    assert "region" not in written  # the database fills it


@pytest.mark.parametrize(
    ("column", "message"),
    [
        (Column("owner_tenant", Integer, nullable=False), "clients.owner_tenant has no default"),
        (Column("stamp", Integer, nullable=False, default=lambda: 1), "clients.stamp is computed"),
    ],
)
def test_a_new_column_without_a_usable_default_stops_the_seed(
    column: Column[Any], message: str
) -> None:
    with pytest.raises(SeedError, match=message):
        one(clients_with(column), client_row())


def test_a_column_the_table_lacks_stops_the_seed() -> None:
    with pytest.raises(SeedError, match="clients has no column renamed"):
        one(clients_with(), client_row(renamed="x"))


def test_a_row_that_differs_from_the_first_stops_the_seed() -> None:
    first = client_row()
    short = client_row()
    del short["name"]
    plan = layout(clients_with(), SQLITE, {}, first.keys())
    with pytest.raises(SeedError, match="does not fit"):
        list(plan.tuples([first, short]))


def test_shared_values_and_row_values_are_written_once_each() -> None:
    shared = {"tenant_id": 7, "created_by": "u1", "modified_by": "u1"}
    rows = [
        {k: v for k, v in client_row(client_id=f"c{i}").items() if k not in shared}
        for i in range(3)
    ]
    plan = layout(clients_with(), SQLITE, shared, rows[0].keys())
    written = [dict(zip(plan.names, t, strict=True)) for t in plan.tuples(rows)]
    assert [w["client_id"] for w in written] == ["c0", "c1", "c2"]
    assert {w["tenant_id"] for w in written} == {7}
    with pytest.raises(SeedError, match="given both"):
        layout(clients_with(), SQLITE, shared, client_row().keys())


def test_what_is_written_reads_back_through_the_model(tmp_path: Path) -> None:
    """The encodings are the ORM's own: SQLAlchemy reads the rows back as it wrote them."""
    path = tmp_path / "seed.db"
    engine = create_engine(f"sqlite:///{path}")
    table_of(Client).metadata.create_all(engine, tables=[table_of(Client)])
    plan = layout(table_of(Client), SQLITE, {}, client_row().keys())
    with sqlite3.connect(path) as lite:
        marks = ", ".join("?" * len(plan.names))
        sql = f"INSERT INTO clients ({', '.join(plan.names)}) VALUES ({marks})"
        lite.executemany(sql, plan.tuples([client_row()]))
    with engine.connect() as conn:
        row = conn.execute(select(table_of(Client))).one()
    engine.dispose()
    assert row.created_on == NOW
    assert row.redirect_uris == ["https://app.example.com/callback"]
    assert row.enabled is True
    assert row.allow_pkce is False
    assert row.description == ""
