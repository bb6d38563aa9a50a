"""ONLYOFFICE's official Python SDK (`docspace-api-sdk` 3.7.0) against the live server.

Every test but the first runs twice, once per way ONLYOFFICE documents to configure the SDK:

- `asc_auth_key`, the seed's way: `Configuration(host=..., api_key={"asc_auth_key": KEY})`
  with a local user's API key. SDK 3.7.0 declares only `x-signature` on its OAuth 2.0
  operations, so that configuration alone sends no credential on them
  (`test_the_seed_configuration_alone_sends_no_credential`); every other call here passes the
  SDK's own `_request_auth=configuration.auth_settings()["asc_auth_key"]`, and the SDK then
  sends `Cookie: KEY`, as it does on every DocSpace API that declares `asc_auth_key`.
- `x-signature`: `Configuration(host=..., api_key={"x-signature": SIGNATURE})` with a portal
  member's signature; the SDK sends `Cookie: SIGNATURE`.

Either way the credential travels as a cookie without a name. Each of the seed's six
operations is checked for its effect on real tokens (tests.oauth2's Kit: Authlib as the app,
httpx as the browser, introspection as the resource server), and each querying sibling for
what the SDK makes of our answer. Where SDK 3.7.0's models cannot hold DocSpace's wire shape
(pages' `data` is typed as an object, `get_scopes` as one scope), the test pins the SDK's
exact parse error and asserts the contract on the wire through the SDK's own
`*_without_preload_content` variant, parsing each item with the SDK's item model.
"""

from __future__ import annotations

import json
import uuid
import warnings
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import jwt as pyjwt
import pytest
from pydantic import ValidationError

from tests.conftest import LiveServer
from tests.docspace_contract._sdk_support import (
    ASC_AUTH_KEY,
    CATALOGUE,
    ORIGIN,
    SCHEMES,
    SDK_DATETIME,
    SECRET,
    USER_AGENT,
    Cast,
    LocalTenant,
    Sdk,
    Wire,
    authorize_url,
    code_without_pkce,
    create_request,
    is_active,
    is_inactive,
    listed,
    local_cast,
    new_local_tenant,
    pages,
    portal_cast,
    public_refresh,
    raw_json,
    register,
)
from tests.oauth2.conftest import REDIRECT, SCOPE, App, Kit, query_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import docspace_api_sdk as sdk
    from docspace_api_sdk.api.o_auth20.client_management_api import ClientManagementApi
    from docspace_api_sdk.api.o_auth20.client_querying_api import ClientQueryingApi
    from docspace_api_sdk.exceptions import (
        ForbiddenException,
        NotFoundException,
        UnauthorizedException,
    )

NEW_ORIGIN = "https://new.app.example.com"
NEW_REDIRECT = "https://app.example.com/callback/v2"


@pytest.fixture
def kit(live_server: LiveServer) -> Kit:
    return Kit(live_server)


@pytest.fixture(scope="module")
def local_tenant(live_server: LiveServer) -> LocalTenant:
    """A tenant of its own for the API-key cast (two CLI runs per database), so that bulk
    deletes never reach another suite's clients in the shared tenants 1 and 2."""
    return new_local_tenant(live_server)


@pytest.fixture(params=SCHEMES)
def cast(request: pytest.FixtureRequest, live_server: LiveServer) -> Iterator[Cast]:
    if request.param == ASC_AUTH_KEY:
        made = local_cast(live_server, request.getfixturevalue("local_tenant"))
    else:
        made = portal_cast(live_server, request.getfixturevalue("portal"))
    try:
        yield made
    finally:
        made.close()


def assert_sent(who: Sdk, method: str, path: str, body: Any = ...) -> None:
    """The last request the SDK sent: the credential as a nameless cookie and nothing else."""
    sent = who.wire.last
    assert (sent.method, sent.path) == (method, path)
    assert sent.headers["Cookie"] == who.credential
    assert "Authorization" not in sent.headers
    assert "x-signature" not in {name.lower() for name in sent.headers}
    assert sent.headers["User-Agent"] == USER_AGENT
    assert sent.headers["Accept"] == "application/json"
    if body is not ...:
        assert sent.headers["Content-Type"] == "application/json"
        assert sent.json == body


def assert_problem(error: sdk.ApiException, status: int) -> None:
    assert error.status == status, error.body
    assert error.headers is not None
    assert error.headers["content-type"].startswith("application/problem+json")
    # The SDK parses our RFC 9457 document into its ProblemDetail.
    assert isinstance(error.data, sdk.ProblemDetail), error.body
    assert error.data.status == status


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = pyjwt.decode(token, options={"verify_signature": False})
    return decoded


def resource_app(cast: Cast) -> App:
    """Another client of the tenant: a resource server that introspects the tokens."""
    app, _ = register(cast.admin)
    return app


# How the SDK authenticates.


def test_the_seed_configuration_alone_sends_no_credential(
    live_server: LiveServer, local_tenant: LocalTenant
) -> None:
    """SDK 3.7.0, configured only as the seed shows, sends nothing on an OAuth 2.0 call: its
    operations declare the `x-signature` scheme alone. The server can only refuse (403, as
    DocSpace answers a call without credentials)."""
    configuration = sdk.Configuration(
        host=live_server.url, api_key={"asc_auth_key": local_tenant.admin_key}
    )
    api_client = sdk.ApiClient(configuration)
    wire = Wire(api_client)
    with pytest.raises(sdk.ApiException) as refused:
        ClientManagementApi(api_client).create_client(create_request())
    assert_problem(refused.value, 403)
    assert "Cookie" not in wire.last.headers
    assert "Authorization" not in wire.last.headers
    # What the configuration holds for the scheme: a cookie, whose value the SDK sends bare
    # (ApiClient._apply_auth_params ignores the cookie's name).
    assert configuration.auth_settings()["asc_auth_key"] == {
        "type": "api_key",
        "in": "cookie",
        "key": "asc_auth_key",
        "value": local_tenant.admin_key,
    }
    api_client.rest_client.pool_manager.clear()


# The seed's six operations, and what each does to tokens.


def test_create_client(cast: Cast, kit: Kit) -> None:
    request = create_request()
    answer = cast.admin.management.create_client_with_http_info(request)
    assert_sent(cast.admin, "POST", "/api/2.0/clients", request.to_dict())
    assert answer.status_code == 201
    created = answer.data
    assert isinstance(created, sdk.ClientResponse)
    assert uuid.UUID(created.client_id)
    assert created.client_secret and SECRET.match(created.client_secret)
    assert created.tenant == cast.tenant_id
    assert created.enabled is True
    assert created.is_public is False
    assert created.name == request.name
    assert created.description == request.description
    assert created.logo == request.logo
    assert created.scopes == request.scopes
    assert created.website_url == request.website_url
    assert created.terms_url == request.terms_url
    assert created.policy_url == request.policy_url
    assert created.redirect_uris == request.redirect_uris
    assert created.allowed_origins == request.allowed_origins
    assert created.logout_redirect_uris == [request.logout_redirect_uri]
    assert created.authentication_methods == ["client_secret_post"]
    assert created.created_on is not None and created.created_on.utcoffset() is not None
    assert created.modified_on == created.created_on
    assert created.created_by == created.modified_by
    if cast.admin.actor.user_id:
        assert created.created_by == cast.admin.actor.user_id

    # The returned secret works at the token endpoint: with the SDK's own exchange_token
    # (client_secret_post, as DocSpace's clients send it) ...
    app = App(created.client_id, created.client_secret, cast.admin.actor)
    code = code_without_pkce(kit, app, cast.user.actor)
    token = cast.admin.authorization.exchange_token(
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        client_id=app.client_id,
        client_secret=app.secret,
    )
    sent = cast.admin.wire.last
    assert (sent.method, sent.path) == ("POST", "/oauth2/token")
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Cookie" not in sent.headers
    assert dict(sent.fields)["client_secret"] == app.secret
    assert isinstance(token, sdk.ExchangeToken200Response)
    assert token.token_type == "Bearer"
    assert token.expires_in == 3600
    assert token.access_token and token.refresh_token
    assert is_active(kit, token.access_token, app)
    # ... and with client_secret_basic through Authlib's full PKCE flow.
    tokens = kit.tokens(app, cast.user.actor)
    assert is_active(kit, tokens["access_token"], app)
    assert kit.refresh(app, tokens["refresh_token"]).status_code == 200
    wrong = kit.refresh(app, token.refresh_token, secret="not-" + app.secret)
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"


def test_update_client(cast: Cast, kit: Kit) -> None:
    """The SDK's UpdateClientRequest cannot carry redirect_uris or scopes: what it leaves out
    keeps its value, and what it carries takes effect at the OAuth endpoints."""
    app, created = register(cast.admin)
    before = kit.tokens(app, cast.user.actor)
    request = sdk.UpdateClientRequest(
        name="Renamed by the SDK",
        description="Updated with docspace-api-sdk",
        allow_pkce=True,
        allowed_origins=[NEW_ORIGIN],
    )
    result = cast.admin.management.update_client(app.client_id, request)
    assert_sent(
        cast.admin,
        "PUT",
        f"/api/2.0/clients/{app.client_id}",
        {
            "name": "Renamed by the SDK",
            "description": "Updated with docspace-api-sdk",
            "allow_pkce": True,
            "allowed_origins": [NEW_ORIGIN],
        },
    )
    # The SDK types the answer `object`: a dict, which its ClientResponse model parses.
    assert isinstance(result, dict)
    updated = sdk.ClientResponse.from_dict(result)
    assert updated is not None
    assert updated.client_id == app.client_id
    assert updated.client_secret is None
    assert updated.name == "Renamed by the SDK"
    assert updated.description == "Updated with docspace-api-sdk"
    assert updated.allowed_origins == [NEW_ORIGIN]
    assert updated.authentication_methods == ["client_secret_post", "none"]
    for kept in (
        "scopes",
        "redirect_uris",
        "logo",
        "website_url",
        "terms_url",
        "policy_url",
        "logout_redirect_uris",
        "is_public",
        "enabled",
        "tenant",
        "created_on",
        "created_by",
    ):
        assert getattr(updated, kept) == getattr(created, kept), kept
    assert updated.modified_on is not None and created.modified_on is not None
    assert updated.modified_on >= created.modified_on
    assert cast.admin.querying.get_client(app.client_id) == updated
    assert cast.admin.querying.get_public_client_info(app.client_id).name == "Renamed by the SDK"

    # allow_pkce took effect: /authorize now requires a PKCE challenge ...
    with kit.browser(cast.user.actor) as browser:
        first = browser.get(authorize_url(kit, app))
    assert first.status_code == 302
    assert first.headers["location"].startswith(f"{REDIRECT}?")
    assert query_of(first.headers["location"])["error"] == "invalid_request"
    # ... the client may refresh without its secret, and the new origin (only) may read it.
    refreshed = public_refresh(kit, app, before["refresh_token"], NEW_ORIGIN)
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.headers["access-control-allow-origin"] == NEW_ORIGIN
    again = public_refresh(kit, app, refreshed.json()["refresh_token"], ORIGIN)
    assert again.status_code == 200, again.text
    assert "access-control-allow-origin" not in again.headers
    # The redirect URI and scopes it could not carry still stand: a full flow goes through.
    tokens = kit.tokens(app, cast.user.actor)
    assert set(tokens["scope"].split()) == set(SCOPE.split())
    assert is_active(kit, tokens["access_token"], app)


def test_update_client_redirect_uris(cast: Cast, kit: Kit) -> None:
    """A changed redirect URI is enforced at /authorize. The SDK's model has no field for it,
    so this goes through the SDK's generic layer (param_serialize / call_api), with the
    credential update_client would send."""
    app, created = register(cast.admin)
    tokens = kit.tokens(app, cast.user.actor)  # the user's consent stands
    path = f"/api/2.0/clients/{app.client_id}"
    result = cast.admin.call("PUT", path, {"redirect_uris": [NEW_REDIRECT]})
    assert_sent(cast.admin, "PUT", path, {"redirect_uris": [NEW_REDIRECT]})
    updated = sdk.ClientResponse.from_dict(result)
    assert updated is not None
    assert updated.redirect_uris == [NEW_REDIRECT]
    assert (updated.name, updated.scopes, updated.allowed_origins) == (
        created.name,
        created.scopes,
        created.allowed_origins,
    )

    with kit.browser(cast.user.actor) as browser:
        old = browser.get(authorize_url(kit, app))
        new = [browser.get(authorize_url(kit, app, redirect_uri=NEW_REDIRECT)) for _ in "ab"]
    # The old URI is no longer registered: an error page, no redirect anywhere.
    assert old.status_code == 400
    assert "location" not in old.headers
    # The new one is: straight back with a code (the consent covers the scopes) ...
    for answer in new:
        assert answer.status_code == 302
        assert answer.headers["location"].startswith(f"{NEW_REDIRECT}?")
    codes = [query_of(answer.headers["location"])["code"] for answer in new]
    # ... which the token endpoint redeems for that URI only.
    mismatched = kit.token_request(
        app, grant_type="authorization_code", code=codes[0], redirect_uri=REDIRECT
    )
    assert mismatched.status_code == 400
    assert mismatched.json()["error"] == "invalid_grant"
    issued = kit.token_request(
        app, grant_type="authorization_code", code=codes[1], redirect_uri=NEW_REDIRECT
    )
    assert issued.status_code == 200, issued.text
    # An update is no revocation.
    assert is_active(kit, tokens["access_token"], app)


def test_delete_client(cast: Cast, kit: Kit) -> None:
    app, _ = register(cast.admin)
    resource = resource_app(cast)
    first = kit.tokens(app, cast.user.actor)
    rotated = kit.refresh(app, first["refresh_token"]).json()  # first's refresh token is spent
    issued = [rotated, kit.tokens(app, cast.admin.actor)]
    access_tokens = [first["access_token"], *(tokens["access_token"] for tokens in issued)]
    for token in access_tokens:
        assert is_active(kit, token, resource)
    for tokens in issued:
        assert is_active(kit, tokens["refresh_token"], resource)

    result = cast.admin.management.delete_client(app.client_id)
    assert_sent(cast.admin, "DELETE", f"/api/2.0/clients/{app.client_id}")
    assert result == {"client_id": app.client_id}

    # Every access and refresh token of the client is dead.
    for token in access_tokens:
        assert is_inactive(kit, token, resource)
    for tokens in issued:
        assert is_inactive(kit, tokens["refresh_token"], resource)
        refused = kit.refresh(app, tokens["refresh_token"])
        assert refused.status_code == 401
        assert refused.json()["error"] == "invalid_client"
    userinfo = httpx.get(
        f"{kit.base}/oauth2/userinfo",
        headers={"Authorization": f"Bearer {issued[-1]['access_token']}"},
    )
    assert userinfo.status_code == 401
    # The client is gone for the SDK too.
    with pytest.raises(NotFoundException) as missing:
        cast.admin.querying.get_client(app.client_id)
    assert_problem(missing.value, 404)
    with pytest.raises(NotFoundException):
        cast.admin.querying.get_public_client_info(app.client_id)
    assert is_active(kit, kit.tokens(resource, cast.user.actor)["access_token"], resource)


def test_change_activation(cast: Cast, kit: Kit) -> None:
    app, _ = register(cast.admin)
    tokens = kit.tokens(app, cast.user.actor)
    pending_code, verifier = kit.code(app, cast.admin.actor)
    path = f"/api/2.0/clients/{app.client_id}/activation"

    result = cast.admin.management.change_activation(
        app.client_id, sdk.ChangeClientActivationRequest(status=False)
    )
    assert_sent(cast.admin, "PATCH", path, {"status": False})
    assert result == {"client_id": app.client_id, "enabled": False}
    assert cast.admin.querying.get_client(app.client_id).enabled is False

    # Issued access tokens stay active at introspection, with the expiry they were issued with.
    introspected = kit.introspect(tokens["access_token"], by=app)
    assert introspected["active"] is True
    assert introspected["exp"] == claims(tokens["access_token"])["exp"]
    # No new tokens: the token endpoint refuses every grant, /authorize too.
    refreshed = kit.refresh(app, tokens["refresh_token"])
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "unauthorized_client"
    exchanged = kit.token_request(
        app,
        grant_type="authorization_code",
        code=pending_code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
    )
    assert exchanged.status_code == 400
    assert exchanged.json()["error"] == "unauthorized_client"
    outcome = kit.authorize_outcome(app, cast.user.actor)
    assert outcome.status_code == 302
    assert query_of(outcome.headers["location"])["error"] == "unauthorized_client"
    assert is_active(kit, tokens["access_token"], app)

    # Enabled again: the refresh token, untouched while disabled, works.
    result = cast.admin.management.change_activation(
        app.client_id, sdk.ChangeClientActivationRequest(status=True)
    )
    assert_sent(cast.admin, "PATCH", path, {"status": True})
    assert result == {"client_id": app.client_id, "enabled": True}
    again = kit.refresh(app, tokens["refresh_token"])
    assert again.status_code == 200, again.text
    assert is_active(kit, again.json()["access_token"], app)


def test_regenerate_secret(cast: Cast, kit: Kit) -> None:
    app, _ = register(cast.admin)
    tokens = kit.tokens(app, cast.user.actor)
    old_secret = app.secret

    answer = cast.admin.management.regenerate_secret_with_http_info(app.client_id)
    assert_sent(cast.admin, "PATCH", f"/api/2.0/clients/{app.client_id}/regenerate")
    assert cast.admin.wire.last.body is None
    assert answer.status_code == 200
    assert isinstance(answer.data, sdk.ClientSecretResponse)
    new_secret = answer.data.client_secret
    assert new_secret and SECRET.match(new_secret)
    assert new_secret != old_secret
    # The SDK's model hides our extension (no grace period asked for: null).
    assert answer.raw_data is not None
    assert raw_json_bytes(answer.raw_data) == {
        "client_secret": new_secret,
        "previous_secret_expires_at": None,
    }

    # The old secret no longer authenticates, anywhere ...
    refused = kit.refresh(app, tokens["refresh_token"], secret=old_secret)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    introspect_old = httpx.post(
        f"{kit.base}/oauth2/introspect",
        data={"token": tokens["access_token"]},
        auth=(app.client_id, old_secret),
    )
    assert introspect_old.status_code == 401
    code = code_without_pkce(kit, app, cast.user.actor)
    with pytest.raises(UnauthorizedException):
        cast.admin.authorization.exchange_token(
            grant_type="authorization_code",
            code=code,
            redirect_uri=REDIRECT,
            client_id=app.client_id,
            client_secret=old_secret,
        )
    # ... the new one does (the refused requests spent nothing), and tokens are untouched.
    app.secret = new_secret
    assert is_active(kit, tokens["access_token"], app)
    assert kit.refresh(app, tokens["refresh_token"]).status_code == 200
    token = cast.admin.authorization.exchange_token(
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        client_id=app.client_id,
        client_secret=new_secret,
    )
    assert isinstance(token, sdk.ExchangeToken200Response)
    assert token.access_token and is_active(kit, token.access_token, app)


def test_revoke_user_client(cast: Cast, kit: Kit) -> None:
    """A user revokes its own consent: its tokens for the client die, nobody else's."""
    app, _ = register(cast.admin)
    other_app, _ = register(cast.admin)
    mine = kit.tokens(app, cast.user.actor)
    rotated = kit.refresh(app, mine["refresh_token"]).json()  # a second access token
    mine_elsewhere = kit.tokens(other_app, cast.user.actor)
    theirs = kit.tokens(app, cast.admin.actor)
    resource = resource_app(cast)
    consents = raw_json(cast.user.querying.get_consents_without_preload_content(limit=50))
    assert app.client_id in {c["registered_client_id"] for c in consents["data"]}

    result = cast.user.management.revoke_user_client(app.client_id)
    assert_sent(cast.user, "DELETE", f"/api/2.0/clients/{app.client_id}/revoke")
    assert result == {"client_id": app.client_id}

    for token in (mine["access_token"], rotated["access_token"]):
        assert is_inactive(kit, token, app)
        assert is_inactive(kit, token, resource)
    refused = kit.refresh(app, rotated["refresh_token"])
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    consents = raw_json(cast.user.querying.get_consents_without_preload_content(limit=50))
    assert app.client_id not in {c["registered_client_id"] for c in consents["data"]}
    # Another user's tokens for the client, and the user's tokens for another client, live.
    assert is_active(kit, theirs["access_token"], resource)
    assert kit.refresh(app, theirs["refresh_token"]).status_code == 200
    assert is_active(kit, mine_elsewhere["access_token"], resource)
    # The user is asked for consent again; consenting anew does not revive the old tokens.
    outcome = kit.authorize_outcome(app, cast.user.actor)
    assert outcome.headers["location"].startswith(f"{kit.base}/oauth2/consent?")
    fresh = kit.tokens(app, cast.user.actor)
    assert is_active(kit, fresh["access_token"], resource)
    assert is_inactive(kit, mine["access_token"], resource)


# The querying siblings.


def test_get_client(cast: Cast) -> None:
    app, created = register(cast.admin)
    answer = cast.admin.querying.get_client_with_http_info(app.client_id)
    assert_sent(cast.admin, "GET", f"/api/2.0/clients/{app.client_id}")
    got = answer.data
    assert isinstance(got, sdk.ClientResponse)
    assert got == created.model_copy(update={"client_secret": None})
    assert raw_json_bytes(answer.raw_data)["client_secret"] is None  # shown once, at creation
    # A plain user does not see another user's client: 404, as if it did not exist.
    with pytest.raises(NotFoundException) as hidden:
        cast.user.querying.get_client(app.client_id)
    assert_problem(hidden.value, 404)


def test_get_client_info(cast: Cast) -> None:
    app, created = register(cast.admin)
    answer = cast.admin.querying.get_client_info_with_http_info(app.client_id)
    assert_sent(cast.admin, "GET", f"/api/2.0/clients/{app.client_id}/info")
    info = answer.data
    assert isinstance(info, sdk.ClientInfoResponse)
    assert_info_matches(info, created)
    assert "client_secret" not in raw_json_bytes(answer.raw_data)


def test_get_public_client_info(cast: Cast, live_server: LiveServer) -> None:
    app, created = register(cast.admin)
    info = cast.admin.querying.get_public_client_info(app.client_id)
    sent = cast.admin.wire.last
    assert (sent.method, sent.path) == ("GET", f"/api/2.0/clients/{app.client_id}/public/info")
    assert "Cookie" not in sent.headers  # the operation declares no scheme
    assert isinstance(info, sdk.ClientInfoResponse)
    assert_info_matches(info, created)
    # An SDK configured with no credential at all gets the same.
    anonymous = sdk.ApiClient(sdk.Configuration(host=live_server.url))
    assert ClientQueryingApi(anonymous).get_public_client_info(app.client_id) == info
    anonymous.rest_client.pool_manager.clear()


def test_get_clients(cast: Cast) -> None:
    mine = [register(cast.admin)[1] for _ in range(3)]
    # SDK 3.7.0 types PageableResponse.data as Dict[str, Any]; the contract's page holds a
    # list, so the SDK's typed call cannot parse any page (DocSpace's included).
    with pytest.raises(ValidationError) as unparsed:
        cast.admin.querying.get_clients(limit=2)
    assert_sent(cast.admin, "GET", "/api/2.0/clients")
    assert dict_type_at_data(unparsed.value, "PageableResponse")

    fetch = cast.admin.querying.get_clients_without_preload_content
    seen = list(pages(fetch, limit=2))
    assert_cursor_round_trip(cast.admin, "/api/2.0/clients", seen)
    items = [item for page in seen for item in page["data"]]
    parsed = [sdk.ClientResponse.from_dict(item) for item in items]
    ids = [client.client_id for client in parsed if client is not None]
    assert len(ids) == len(set(ids)) == len(items)
    ours = [client.client_id for client in mine]
    assert [i for i in ids if i in ours] == ours[::-1]  # newest first
    if cast.scheme != ASC_AUTH_KEY:  # a fresh portal: nothing but ours
        assert ids == ours[::-1]
    by_id = {client.client_id: client for client in parsed if client is not None}
    for client in mine:
        assert by_id[client.client_id] == client.model_copy(update={"client_secret": None})
    # A plain user lists only its own: none of the admin's.
    theirs = listed(cast.user.querying.get_clients_without_preload_content)
    assert not {item["client_id"] for item in theirs} & set(ours)


def test_get_clients_info(cast: Cast) -> None:
    mine = [register(cast.admin)[1] for _ in range(3)]
    with pytest.raises(ValidationError) as unparsed:
        cast.admin.querying.get_clients_info(limit=2)
    assert_sent(cast.admin, "GET", "/api/2.0/clients/info")
    assert dict_type_at_data(unparsed.value, "PageableResponseClientInfoResponse")

    fetch = cast.admin.querying.get_clients_info_without_preload_content
    seen = list(pages(fetch, limit=2))
    assert_cursor_round_trip(cast.admin, "/api/2.0/clients/info", seen)
    items = [item for page in seen for item in page["data"]]
    assert all("client_secret" not in item for item in items)
    parsed = {
        info.client_id: info
        for info in (sdk.ClientInfoResponse.from_dict(item) for item in items)
        if info is not None
    }
    assert len(parsed) == len(items)
    for client in mine:
        assert_info_matches(parsed[client.client_id], client)
    ours = [client.client_id for client in mine]
    assert [i for i in parsed if i in ours] == ours[::-1]


def test_get_consents(cast: Cast, kit: Kit) -> None:
    first, _ = register(cast.admin)
    second, second_created = register(cast.admin)
    kit.tokens(first, cast.user.actor)
    kit.tokens(second, cast.user.actor)

    with pytest.raises(ValidationError) as unparsed:
        cast.user.querying.get_consents(limit=1)
    assert_sent(cast.user, "GET", "/api/2.0/clients/consents")
    assert dict_type_at_data(unparsed.value, "PageableModificationResponse")

    # Page through with the SDK's time-only cursor (it has no last_client_id parameter).
    fetch = cast.user.querying.get_consents_without_preload_content
    page = raw_json(fetch(limit=1))
    envelope = sdk.PageableModificationResponse.from_dict({**page, "data": None})
    assert envelope is not None
    assert envelope.limit == 1
    assert len(page["data"]) == 1
    newest = page["data"][0]
    assert newest["registered_client_id"] == second.client_id
    assert set(newest["scopes"].split()) == set(SCOPE.split())
    assert datetime.fromisoformat(newest["modified_at"]).utcoffset() is not None
    info = sdk.ClientInfoResponse.from_dict(newest["client"])
    assert info is not None
    assert_info_matches(info, second_created)
    assert envelope.last_modified_on is not None
    following = raw_json(fetch(limit=1, last_modified_on=envelope.last_modified_on))
    sent = cast.user.wire.last
    assert SDK_DATETIME.match(sent.query["last_modified_on"][0])
    assert [c["registered_client_id"] for c in following["data"]] == [first.client_id]


def test_get_scopes(cast: Cast) -> None:
    # SDK 3.7.0 declares the answer as one ScopeResponse; the contract's is an array.
    with pytest.raises(ValidationError) as unparsed:
        cast.admin.scopes.get_scopes()
    assert_sent(cast.admin, "GET", "/api/2.0/scopes")
    errors = unparsed.value.errors()
    assert unparsed.value.title == "ScopeResponse"
    assert [(e["loc"], e["type"]) for e in errors] == [((), "model_type")]

    scopes = raw_json(cast.admin.scopes.get_scopes_without_preload_content())
    assert scopes == CATALOGUE
    assert [sdk.ScopeResponse.from_dict(scope) for scope in scopes] == [
        sdk.ScopeResponse(**scope) for scope in CATALOGUE
    ]


def test_delete_user_clients(cast: Cast, kit: Kit) -> None:
    """The caller's own clients go, with every token they issued; nobody else's."""
    fetch = cast.user.querying.get_clients_without_preload_content
    before = len(listed(fetch))  # a user lists its own clients
    doomed = [register(cast.user)[0] for _ in range(2)]
    doomed_tokens = [kit.tokens(app, cast.admin.actor) for app in doomed]
    kept, _ = register(cast.admin)
    kept_tokens = kit.tokens(kept, cast.user.actor)

    result = cast.user.management.delete_user_clients()
    assert_sent(cast.user, "DELETE", "/api/2.0/clients")
    assert result == {"deleted": before + 2}

    assert listed(fetch) == []
    for app, tokens in zip(doomed, doomed_tokens, strict=True):
        assert is_inactive(kit, tokens["access_token"], kept)
        assert kit.refresh(app, tokens["refresh_token"]).status_code == 401
        with pytest.raises(NotFoundException):
            cast.admin.querying.get_client(app.client_id)
    assert is_active(kit, kept_tokens["access_token"], kept)
    assert kit.refresh(kept, kept_tokens["refresh_token"]).status_code == 200
    assert cast.admin.querying.get_client(kept.client_id).client_id == kept.client_id


def test_delete_tenant_clients(cast: Cast, kit: Kit) -> None:
    apps = [register(cast.admin)[0], register(cast.user)[0]]
    issued = [kit.tokens(app, cast.user.actor) for app in apps]
    elsewhere = kit.register()  # another tenant's client
    elsewhere_tokens = kit.tokens(elsewhere)

    # Admins only.
    with pytest.raises(ForbiddenException) as refused:
        cast.user.management.delete_tenant_clients()
    assert_problem(refused.value, 403)
    assert is_active(kit, issued[0]["access_token"], apps[1])

    fetch = cast.admin.querying.get_clients_without_preload_content
    present = len(listed(fetch))  # an admin lists the whole tenant
    result = cast.admin.management.delete_tenant_clients()
    assert_sent(cast.admin, "DELETE", "/api/2.0/clients/tenant")
    assert result == {"deleted": present}

    assert listed(fetch) == []
    resource = resource_app(cast)  # registered after the purge
    for app, tokens in zip(apps, issued, strict=True):
        assert is_inactive(kit, tokens["access_token"], resource)
        assert kit.refresh(app, tokens["refresh_token"]).status_code == 401
    assert is_active(kit, elsewhere_tokens["access_token"], elsewhere)


# Checks shared by the querying tests.


def raw_json_bytes(raw: bytes | bytearray | None) -> Any:
    assert raw is not None
    return json.loads(raw)


def assert_info_matches(info: sdk.ClientInfoResponse, client: sdk.ClientResponse) -> None:
    for name in (
        "name",
        "description",
        "scopes",
        "client_id",
        "website_url",
        "terms_url",
        "policy_url",
        "logo",
        "authentication_methods",
        "is_public",
        "created_on",
        "created_by",
        "modified_on",
        "modified_by",
    ):
        assert getattr(info, name) == getattr(client, name), name


def dict_type_at_data(error: ValidationError, model: str) -> bool:
    """The SDK's parse error for a contract page: `data` must be a dict, and is a list."""
    assert error.title == model
    found = [(e["loc"], e["type"], type(e["input"]).__name__) for e in error.errors()]
    assert found == [(("data",), "dict_type", "list")], found
    return True


def assert_cursor_round_trip(who: Sdk, path: str, seen: list[dict[str, Any]]) -> None:
    """Pages of two, with the cursor the SDK serialises itself: every cursor but the last
    names its page's last item; the SDK's datetime format is accepted."""
    assert len(seen) >= 2
    for page in seen:
        assert page["limit"] == 2
        envelope = sdk.PageableResponse.from_dict({**page, "data": None})
        assert envelope is not None
        if page is seen[-1]:
            assert (envelope.last_client_id, envelope.last_created_on) == (None, None)
        else:
            assert envelope.last_client_id == page["data"][-1]["client_id"]
            assert envelope.last_created_on == datetime.fromisoformat(
                page["data"][-1]["created_on"]
            )
    followed = [e for e in who.wire.exchanges if e.path == path and "last_client_id" in e.query]
    assert len(followed) == len(seen) - 1
    for sent in followed:
        assert SDK_DATETIME.match(sent.query["last_created_on"][0]), sent.url
