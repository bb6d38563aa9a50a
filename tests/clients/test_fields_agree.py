"""A client's fields, wherever they are written out, agree: the table, the read model the GET
routes build (ClientRow), the wire models and their mapper (ClientResponse.of), and the SDK's
models. A column added to the table and forgotten in one of them fails here, rather than
silently vanishing from GET (the bench's seeding is checked in tests/bench/test_seed_tables.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, Boolean, Integer

from docspace_oauth import sdk
from docspace_oauth.clients import schemas
from docspace_oauth.models import Client, ClientRow
from docspace_oauth.models.base import UTCDateTime

# Columns the wire never shows: the secret's hashes (the secret itself is shown once, by
# create and regenerate; the old one's expiry is part of ClientSecretResponse).
INTERNAL = {"secret_hash", "previous_secret_hash", "previous_secret_expires_at"}
# Columns whose wire field has another name or shape (DocSpace's contract names them so).
RENAMED = {"tenant_id": "tenant", "logout_redirect_uri": "logout_redirect_uris"}
# Wire fields that no column of the clients table holds: derived, shown once, or kept in a
# table of their own (a metadata document's URL, in client_documents).
DERIVED = {"authentication_methods", "client_secret", "client_id_metadata_document"}
# Columns that requests cannot set: given by the server.
SERVER_SET = {
    "client_id",
    "tenant_id",
    "enabled",
    "registration",
    "application_type",
    "created_on",
    "created_by",
    "modified_on",
    "modified_by",
}


def _columns() -> set[str]:
    return set(Client.__table__.columns.keys())


def _fields(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def test_the_read_model_has_every_column() -> None:
    assert set(ClientRow._fields) == _columns()


def test_the_wire_answer_shows_every_column_but_the_secrets() -> None:
    shown = {RENAMED.get(name, name) for name in _columns() - INTERNAL}
    assert _fields(schemas.ClientResponse) - DERIVED == shown


def _distinct_values() -> dict[str, Any]:
    """A value for every column, each different from its default and from the others."""
    values: dict[str, Any] = {}
    for i, column in enumerate(Client.__table__.columns):
        if isinstance(column.type, JSON):
            values[column.name] = [f"https://v{i}.example.com/{column.name}"]
        elif isinstance(column.type, Boolean):
            values[column.name] = True
        elif isinstance(column.type, Integer):
            values[column.name] = 100 + i
        elif isinstance(column.type, UTCDateTime):
            values[column.name] = datetime(2026, 1, 1 + i, tzinfo=UTC)
        else:
            values[column.name] = f"v{i}-{column.name}"
    return values


def test_the_mapper_copies_every_column() -> None:
    values = _distinct_values()
    answer = schemas.ClientResponse.of(ClientRow(**values)).model_dump()
    for column, value in values.items():
        if column in INTERNAL:
            continue
        expected = [value] if column == "logout_redirect_uri" else value
        assert answer[RENAMED.get(column, column)] == expected, column


def test_requests_take_every_column_a_client_may_set() -> None:
    settable = _columns() - INTERNAL - SERVER_SET
    assert _fields(schemas.CreateClientRequest) == settable
    assert _fields(schemas.UpdateClientRequest) == settable


def test_the_sdk_models_have_the_servers_fields() -> None:
    pairs: list[tuple[type[BaseModel], type[BaseModel]]] = [
        (sdk.ClientResponse, schemas.ClientResponse),
        (sdk.ClientInfoResponse, schemas.ClientInfoResponse),
        (sdk.CreateClientRequest, schemas.CreateClientRequest),
        (sdk.UpdateClientRequest, schemas.UpdateClientRequest),
        (sdk.ClientSecretResponse, schemas.ClientSecretResponse),
    ]
    for ours, servers in pairs:
        assert _fields(ours) == _fields(servers), ours.__name__
