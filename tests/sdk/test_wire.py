"""What the SDK puts on the wire and how it reads what comes back, checked with
httpx.MockTransport standing in for a portal (a third-party wire)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from docspace_oauth.sdk import (
    Client,
    ClientResponse,
    Consent,
    CreateClientRequest,
    UnexpectedResponseError,
    UpdateClientRequest,
)
from tests.factory import LOGO

BASE = "https://portal.example.com"

CLIENT = {
    "name": "App",
    "description": None,
    "tenant": 1,
    "scopes": ["files:read", "openid"],
    "enabled": True,
    "client_id": "6c7cf17b-1bd3-47d5-94c6-be2d3570e168",
    "client_secret": None,
    "website_url": "https://a.example",
    "terms_url": None,
    "policy_url": None,
    "logo": None,
    "authentication_methods": ["client_secret_post", "none"],
    "redirect_uris": ["https://a.example/cb"],
    "allowed_origins": ["https://a.example"],
    "logout_redirect_uris": None,
    "created_on": "2024-05-01T10:00:00.1234567Z",
    "created_by": "u1",
    "modified_on": "2024-05-01T10:00:00",
    "modified_by": "u1",
    "is_public": False,
    "some_future_field": {"nested": True},
}


def recording(
    respond: Callable[[httpx.Request], httpx.Response],
) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return respond(request)

    return httpx.MockTransport(handler), seen


def test_client_response_parses_and_ignores_unknown_fields() -> None:
    client = ClientResponse.model_validate(CLIENT)
    assert client.client_id == CLIENT["client_id"]
    assert client.created_on == datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)
    # A date-time without an offset is read as UTC, never left naive.
    assert client.modified_on is not None
    assert client.modified_on.tzinfo is not None
    assert client.logout_redirect_uris == []
    assert client.allow_pkce is True
    assert not hasattr(client, "some_future_field")


def test_consent_scopes_stay_space_joined() -> None:
    consent = Consent.model_validate(
        {
            "registered_client_id": "c1",
            "scopes": "files:read openid",
            "modified_at": "2024-05-01T10:00:00+02:00",
            "client": {k: v for k, v in CLIENT.items() if k != "client_secret"},
        }
    )
    assert consent.scopes == "files:read openid"
    assert consent.scope_list == ["files:read", "openid"]
    assert consent.client is not None
    assert consent.client.name == "App"


def test_api_key_goes_in_authorization_verbatim_and_signature_in_x_signature() -> None:
    transport, seen = recording(lambda r: httpx.Response(200, json=[]))
    with Client(
        BASE, api_key="asc-key-value", signature="jwt.value.sig", transport=transport
    ) as api:
        api.get_scopes()
    assert seen[0].headers["Authorization"] == "asc-key-value"
    assert seen[0].headers["x-signature"] == "jwt.value.sig"
    assert seen[0].url == "https://portal.example.com/api/2.0/scopes"


def test_public_client_info_sends_no_credentials() -> None:
    info = {k: v for k, v in CLIENT.items() if k != "client_secret"}
    transport, seen = recording(lambda r: httpx.Response(200, json=info))
    with Client(BASE, api_key="k", signature="s", transport=transport) as api:
        result = api.get_public_client_info("c1")
    assert result.name == "App"
    assert "Authorization" not in seen[0].headers
    assert "x-signature" not in seen[0].headers
    assert seen[0].url.path == "/api/2.0/clients/c1/public/info"


def test_create_omits_unset_optional_fields_and_extensions() -> None:
    transport, seen = recording(lambda r: httpx.Response(201, json=CLIENT))
    with Client(BASE, api_key="k", transport=transport) as api:
        api.create_client(
            CreateClientRequest(
                name="App",
                scopes=["openid"],
                redirect_uris=["https://a.example/cb"],
                allowed_origins=["https://a.example"],
                logo=LOGO,
                website_url="https://a.example",
                terms_url="https://a.example/terms",
                policy_url="https://a.example/privacy",
                logout_redirect_uri="https://a.example/logout",
                allow_pkce=True,
            )
        )
    assert seen[0].method == "POST"
    assert seen[0].headers["Content-Type"] == "application/json"
    assert json.loads(seen[0].content) == {
        "name": "App",
        "scopes": ["openid"],
        "redirect_uris": ["https://a.example/cb"],
        "allowed_origins": ["https://a.example"],
        "logo": LOGO,
        "website_url": "https://a.example",
        "terms_url": "https://a.example/terms",
        "policy_url": "https://a.example/privacy",
        "logout_redirect_uri": "https://a.example/logout",
        "allow_pkce": True,
    }


def test_request_models_reject_misspelt_fields() -> None:
    with pytest.raises(ValueError, match="redirect_uri"):
        UpdateClientRequest.model_validate({"redirect_uri": ["https://a.example/cb"]})


def test_regenerate_sends_grace_period_only_when_given() -> None:
    transport, seen = recording(lambda r: httpx.Response(200, json={"client_secret": "x" * 40}))
    with Client(BASE, api_key="k", transport=transport) as api:
        api.regenerate_secret("c1")
        api.regenerate_secret("c1", grace_period=3600)
        with pytest.raises(ValueError, match="grace_period"):
            api.regenerate_secret("c1", grace_period=604_801)
    assert [r.method for r in seen] == ["PATCH", "PATCH"]
    assert seen[0].url.path == "/api/2.0/clients/c1/regenerate"
    assert "grace_period" not in seen[0].url.params
    assert seen[1].url.params["grace_period"] == "3600"


def test_client_ids_cannot_escape_their_path_segment() -> None:
    transport, seen = recording(lambda r: httpx.Response(200, json=CLIENT))
    with Client(BASE, api_key="k", transport=transport) as api:
        api.get_client("../tenant")
    assert seen[0].url.raw_path == b"/api/2.0/clients/..%2Ftenant"


def test_delete_like_calls_ignore_whatever_body_comes_back() -> None:
    transport, seen = recording(lambda r: httpx.Response(200, text="<html>ok</html>"))
    with Client(BASE, api_key="k", transport=transport) as api:
        assert api.delete_client("c1") is None
        assert api.change_activation("c1", False) is None
        assert api.revoke_user_client("c1") is None
        assert api.delete_user_clients() is None
        assert api.delete_tenant_clients() is None
    assert [(r.method, r.url.path) for r in seen] == [
        ("DELETE", "/api/2.0/clients/c1"),
        ("PATCH", "/api/2.0/clients/c1/activation"),
        ("DELETE", "/api/2.0/clients/c1/revoke"),
        ("DELETE", "/api/2.0/clients"),
        ("DELETE", "/api/2.0/clients/tenant"),
    ]
    assert json.loads(seen[1].content) == {"status": False}


def test_update_falls_back_to_a_read_when_the_body_is_not_a_client() -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            return httpx.Response(200, json={})
        return httpx.Response(200, json=CLIENT)

    transport, seen = recording(respond)
    with Client(BASE, api_key="k", transport=transport) as api:
        updated = api.update_client("c1", UpdateClientRequest(name="App"))
    assert updated.name == "App"
    assert [r.method for r in seen] == ["PUT", "GET"]


def test_oauth2_prefixed_routes_can_be_chosen() -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/scopes"):
            return httpx.Response(200, json=[])
        return httpx.Response(200, json={"data": [], "limit": 30, "last_created_on": None})

    transport, seen = recording(respond)
    with Client(
        BASE + "/sub",
        transport=transport,
        clients_path="/api/2.0/oauth2/clients",
        scopes_path="/api/2.0/oauth2/scopes",
    ) as api:
        api.get_scopes()
        assert list(api.get_clients()) == []
    assert seen[0].url == "https://portal.example.com/sub/api/2.0/oauth2/scopes"
    assert seen[1].url == "https://portal.example.com/sub/api/2.0/oauth2/clients"


def page(
    items: list[dict[str, object]], last_id: str | None, last_on: str | None
) -> httpx.Response:
    body = {"data": items, "limit": 2, "last_client_id": last_id, "last_created_on": last_on}
    return httpx.Response(200, json=body)


def test_pagination_passes_the_raw_cursor_back_until_it_is_null() -> None:
    first = [dict(CLIENT, client_id="a"), dict(CLIENT, client_id="b")]
    second = [dict(CLIENT, client_id="c")]
    cursor = "2024-05-01T10:00:00.1234567Z"
    pages = iter([page(first, "b", cursor), page(second, None, None)])
    transport, seen = recording(lambda r: next(pages))
    with Client(BASE, transport=transport) as api:
        ids = [c.client_id for c in api.get_clients(limit=2)]
    assert ids == ["a", "b", "c"]
    assert dict(seen[0].url.params) == {"limit": "2"}
    # Sent back exactly as received: seven fractional digits, not rounded.
    assert dict(seen[1].url.params) == {
        "limit": "2",
        "last_client_id": "b",
        "last_created_on": cursor,
    }


def test_pagination_stops_on_an_empty_page_even_with_a_cursor() -> None:
    pages = iter([page([dict(CLIENT, client_id="a")], "a", "t1"), page([], "a", "t1")])
    transport, seen = recording(lambda r: next(pages))
    with Client(BASE, transport=transport) as api:
        assert [c.client_id for c in api.get_clients_info()] == ["a"]
    assert seen[0].url.path == "/api/2.0/clients/info"
    assert len(seen) == 2


def test_a_repeated_cursor_raises_instead_of_looping() -> None:
    transport, _ = recording(lambda r: page([dict(CLIENT, client_id="a")], "a", "t1"))
    with Client(BASE, transport=transport) as api, pytest.raises(UnexpectedResponseError):
        list(api.get_clients())


def test_consent_pages_send_back_modified_on_and_client_id() -> None:
    consent = {
        "registered_client_id": "c1",
        "scopes": "openid",
        "modified_at": "2024-05-01T10:00:00Z",
    }
    pages = iter(
        [
            httpx.Response(
                200,
                json={
                    "data": [consent],
                    "limit": 1,
                    "last_modified_on": "2024-05-01T10:00:00Z",
                    "last_client_id": "c1",
                },
            ),
            httpx.Response(200, json={"data": [], "limit": 1, "last_modified_on": None}),
        ]
    )
    transport, seen = recording(lambda r: next(pages))
    with Client(BASE, transport=transport) as api:
        consents = list(api.get_consents(limit=1))
    assert [c.registered_client_id for c in consents] == ["c1"]
    assert seen[0].url.path == "/api/2.0/clients/consents"
    assert dict(seen[1].url.params) == {
        "limit": "1",
        "last_modified_on": "2024-05-01T10:00:00Z",
        "last_client_id": "c1",
    }
