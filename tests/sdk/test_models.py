"""The SDK's models carry every field of the server's wire models, under the same names, and
read what a DocSpace portal (which sends fewer) answers as well."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import BaseModel

from docspace_oauth.clients import schemas
from docspace_oauth.sdk import (
    ClientInfoResponse,
    ClientResponse,
    ClientSecretResponse,
    CreateClientRequest,
    UpdateClientRequest,
)
from tests.sdk.test_wire import CLIENT


@pytest.mark.parametrize(
    ("sdk_model", "server_model"),
    [
        (ClientResponse, schemas.ClientResponse),
        (ClientInfoResponse, schemas.ClientInfoResponse),
        (ClientSecretResponse, schemas.ClientSecretResponse),
        (CreateClientRequest, schemas.CreateClientRequest),
        (UpdateClientRequest, schemas.UpdateClientRequest),
    ],
)
def test_sdk_models_have_the_servers_fields(
    sdk_model: type[BaseModel], server_model: type[BaseModel]
) -> None:
    assert set(sdk_model.model_fields) == set(server_model.model_fields)


def test_allow_pkce_and_grant_types_are_read_as_the_server_sends_them() -> None:
    sent = dict(CLIENT, allow_pkce=False, grant_types=["client_credentials"])
    client = ClientResponse.model_validate(sent)
    # The field wins over what authentication_methods would suggest.
    assert client.allow_pkce is False
    assert client.grant_types == ["client_credentials"]
    assert client.model_dump()["allow_pkce"] is False


@pytest.mark.parametrize(
    ("methods", "allow_pkce"),
    [(["client_secret_post", "none"], True), (["client_secret_post"], False), (None, False)],
)
def test_without_allow_pkce_it_is_read_from_authentication_methods(
    methods: list[str] | None, allow_pkce: bool
) -> None:
    # A DocSpace portal sends neither allow_pkce nor grant_types.
    client = ClientResponse.model_validate(dict(CLIENT, authentication_methods=methods))
    assert client.allow_pkce is allow_pkce
    assert client.grant_types is None


def test_previous_secret_expiry_is_an_aware_datetime_or_none() -> None:
    kept = ClientSecretResponse.model_validate(
        {"client_secret": "s" * 40, "previous_secret_expires_at": "2030-01-01T12:00:00"}
    )
    assert kept.previous_secret_expires_at == datetime(2030, 1, 1, 12, tzinfo=UTC)
    # DocSpace answers {"client_secret": ...} alone.
    assert (
        ClientSecretResponse.model_validate({"client_secret": "s" * 40}).previous_secret_expires_at
        is None
    )
