"""Drive ONLYOFFICE's official Python SDK (`docspace-api-sdk` 3.7.0) against the live server.

What the SDK puts on the wire, read from its source (`api_client.py`, `configuration.py`,
`api/o_auth20/*.py`) and checked by `Wire` below on every call:

- A credential configured with `Configuration(api_key={SCHEME: VALUE})` is sent as the bare
  header `Cookie: VALUE`, no cookie name (`ApiClient._apply_auth_params` writes
  `headers['Cookie'] = auth_setting['value']` for any `in: cookie` scheme).
- Every OAuth 2.0 operation of 3.7.0 (ClientManagementApi, ClientQueryingApi,
  ScopeManagementApi) declares only the `x-signature` scheme. A configuration holding only
  `asc_auth_key` (the seed's way) therefore sends **no credential at all** on these calls.
  The SDK's own per-request override, `_request_auth`, fed with that same configuration's
  `auth_settings()["asc_auth_key"]`, makes it send what it sends for `asc_auth_key` on every
  other DocSpace API: `Cookie: KEY`. `Sdk` does exactly that for the `asc_auth_key` cast.
- `get_public_client_info` and `AuthorizationApi.exchange_token` declare no scheme: nothing.

The SDK calls are real HTTP through its own urllib3 pool; `Wire` only records what passes.
"""

from __future__ import annotations

import functools
import json
import re
import secrets
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from tests.conftest import LiveServer
from tests.docspace_contract.conftest import OAUTH_LOGO, Portal, PortalMember
from tests.oauth2.conftest import REDIRECT, SCOPE, Actor, App, Kit, query_of

with warnings.catch_warnings():
    # The SDK's models for other APIs shadow BaseModel.copy; nothing of ours.
    warnings.simplefilter("ignore")
    import docspace_api_sdk as sdk
    from docspace_api_sdk.api.o_auth20.authorization_api import AuthorizationApi
    from docspace_api_sdk.api.o_auth20.client_management_api import ClientManagementApi
    from docspace_api_sdk.api.o_auth20.client_querying_api import ClientQueryingApi
    from docspace_api_sdk.api.o_auth20.scope_management_api import ScopeManagementApi

ASC_AUTH_KEY = "asc_auth_key"
X_SIGNATURE = "x-signature"
SCHEMES = (ASC_AUTH_KEY, X_SIGNATURE)
USER_AGENT = "OpenAPI-Generator/3.7.0/python"
ORIGIN = "https://app.example.com"
# A client secret as DocSpace issues them, and as the server does.
SECRET = re.compile(r"^[A-Za-z0-9]{36,}$")
# configuration.datetime_format ("%Y-%m-%dT%H:%M:%S.%f%z") applied to an aware UTC time.
SDK_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$")
# GET /api/2.0/scopes: the contract's catalogue, in its order.
CATALOGUE = [
    {"name": "accounts:read", "group": "accounts", "type": "read"},
    {"name": "accounts:write", "group": "accounts", "type": "write"},
    {"name": "accounts.self:read", "group": "profiles", "type": "read"},
    {"name": "accounts.self:write", "group": "profiles", "type": "write"},
    {"name": "files:read", "group": "files", "type": "read"},
    {"name": "files:write", "group": "files", "type": "write"},
    {"name": "rooms:read", "group": "rooms", "type": "read"},
    {"name": "rooms:write", "group": "rooms", "type": "write"},
    {"name": "openid", "group": "openid", "type": "openid"},
]


@dataclass
class Exchange:
    """One HTTP request the SDK sent, and the urllib3 response it got."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | str | None
    fields: Any
    response: Any = None

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.url).query)

    @property
    def json(self) -> Any:
        return None if self.body in (None, b"", "") else json.loads(self.body or "")

    @property
    def response_json(self) -> Any:
        return json.loads(self.response.data)


class Wire:
    """A pass-through recorder on the SDK's urllib3 PoolManager.request."""

    def __init__(self, api_client: sdk.ApiClient) -> None:
        self.exchanges: list[Exchange] = []
        pool = api_client.rest_client.pool_manager
        original = pool.request

        @functools.wraps(original)
        def request(method: str, url: str, **kwargs: Any) -> Any:
            exchange = Exchange(
                method=method,
                url=url,
                headers=dict(kwargs.get("headers") or {}),
                body=kwargs.get("body"),
                fields=kwargs.get("fields"),
            )
            self.exchanges.append(exchange)
            exchange.response = original(method, url, **kwargs)
            return exchange.response

        pool.request = request

    @property
    def last(self) -> Exchange:
        return self.exchanges[-1]


class _WithAuth:
    """An SDK API object whose every call carries `_request_auth` (when there is one)."""

    def __init__(self, api: Any, request_auth: dict[str, Any] | None) -> None:
        self._api = api
        self._request_auth = request_auth

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._api, name)
        if self._request_auth is None or name.startswith("_") or not callable(attr):
            return attr
        return functools.partial(attr, _request_auth=self._request_auth)


@dataclass
class Sdk:
    """One integrator's SDK, configured as ONLYOFFICE documents it, and who it is."""

    scheme: str
    credential: str
    actor: Actor  # the same person in a browser (for the OAuth flow)
    configuration: sdk.Configuration
    api_client: sdk.ApiClient
    wire: Wire
    request_auth: dict[str, Any] | None
    management: Any
    querying: Any
    scopes: Any
    authorization: AuthorizationApi

    def close(self) -> None:
        self.api_client.rest_client.pool_manager.clear()

    def call(self, method: str, path: str, body: Any = None, response_type: str = "object") -> Any:
        """A call through the SDK's generic layer (param_serialize / call_api /
        response_deserialize), with the auth its OAuth operations declare: for a body its
        models cannot carry."""
        params = self.api_client.param_serialize(
            method=method,
            resource_path=path,
            header_params={"Accept": "application/json", "Content-Type": "application/json"},
            body=body,
            auth_settings=[X_SIGNATURE],
            _request_auth=self.request_auth,
        )
        response = self.api_client.call_api(*params)
        response.read()
        return self.api_client.response_deserialize(
            response_data=response, response_types_map={"200": response_type}
        ).data


def make_sdk(url: str, scheme: str, credential: str, actor: Actor) -> Sdk:
    configuration = sdk.Configuration(host=url, api_key={scheme: credential})
    api_client = sdk.ApiClient(configuration)
    wire = Wire(api_client)
    request_auth = configuration.auth_settings()[ASC_AUTH_KEY] if scheme == ASC_AUTH_KEY else None
    return Sdk(
        scheme=scheme,
        credential=credential,
        actor=actor,
        configuration=configuration,
        api_client=api_client,
        wire=wire,
        request_auth=request_auth,
        management=_WithAuth(ClientManagementApi(api_client), request_auth),
        querying=_WithAuth(ClientQueryingApi(api_client), request_auth),
        scopes=_WithAuth(ScopeManagementApi(api_client), request_auth),
        authorization=AuthorizationApi(api_client),
    )


@dataclass
class Cast:
    """Who calls, in one tenant: an admin and a plain user, each with an SDK of one scheme."""

    scheme: str
    tenant_id: int
    admin: Sdk
    user: Sdk

    def close(self) -> None:
        for member in (self.admin, self.user):
            member.close()


@dataclass(frozen=True)
class LocalTenant:
    """A tenant of local users (made with the CLI), for the `asc_auth_key` cast."""

    tenant_id: int
    admin_key: str
    user_key: str


def new_local_tenant(live: LiveServer) -> LocalTenant:
    # Above the range tests.oauth2's portal_user draws from, within the database's int range.
    tenant = 2_000_000_001 + secrets.randbelow(140_000_000)
    return LocalTenant(
        tenant,
        live.create_user(f"sdk-admin-{tenant}@example.com", "admin", tenant),
        live.create_user(f"sdk-user-{tenant}@example.com", "user", tenant),
    )


def key_actor(key: str, tenant_id: int) -> Actor:
    """A local user in a browser, signed in by the API key in its Authorization header."""
    return Actor("", tenant_id, {"Authorization": f"Bearer {key}"})


def portal_actor(member: PortalMember) -> Actor:
    return Actor(member.user_id, member.tenant_id, {"x-signature": member.signature})


def local_cast(live: LiveServer, tenant: LocalTenant) -> Cast:
    return Cast(
        ASC_AUTH_KEY,
        tenant.tenant_id,
        make_sdk(
            live.url, ASC_AUTH_KEY, tenant.admin_key, key_actor(tenant.admin_key, tenant.tenant_id)
        ),
        make_sdk(
            live.url, ASC_AUTH_KEY, tenant.user_key, key_actor(tenant.user_key, tenant.tenant_id)
        ),
    )


def portal_cast(live: LiveServer, portal: Portal) -> Cast:
    def member(role: str) -> Sdk:
        who = portal.member(role)
        return make_sdk(live.url, X_SIGNATURE, who.signature, portal_actor(who))

    return Cast(X_SIGNATURE, portal.tenant_id, member("admin"), member("user"))


# Requests and results.


def create_fields(**overrides: Any) -> dict[str, Any]:
    """The fields of a CreateClientRequest the OAuth helpers of tests.oauth2 can drive
    (REDIRECT, SCOPE), as plain JSON (for any release of the SDK)."""
    fields: dict[str, Any] = {
        "name": f"SDK app {secrets.token_hex(4)}",
        "description": "Made with docspace-api-sdk",
        "logo": OAUTH_LOGO,
        "scopes": SCOPE.split(),
        "allow_pkce": False,
        "is_public": False,
        "website_url": "https://app.example.com",
        "terms_url": "https://app.example.com/terms",
        "policy_url": "https://app.example.com/privacy",
        "redirect_uris": [REDIRECT],
        "allowed_origins": [ORIGIN],
        "logout_redirect_uri": "https://app.example.com/logout",
    }
    fields.update(overrides)
    return fields


def create_request(**overrides: Any) -> sdk.CreateClientRequest:
    """A CreateClientRequest the OAuth helpers of tests.oauth2 can drive (REDIRECT, SCOPE)."""
    return sdk.CreateClientRequest(**create_fields(**overrides))


def register(who: Sdk, **overrides: Any) -> tuple[App, sdk.ClientResponse]:
    created = who.management.create_client(create_request(**overrides))
    assert isinstance(created, sdk.ClientResponse)
    assert created.client_id and created.client_secret
    return App(created.client_id, created.client_secret, who.actor), created


def raw_json(response: Any) -> Any:
    """The body of a `*_without_preload_content` answer (a urllib3 response)."""
    assert response.status == 200, response.data
    return json.loads(response.data)


def pages(fetch: Callable[..., Any], limit: int = 50) -> Iterator[dict[str, Any]]:
    """Every page of a client listing, following its cursor back through the SDK."""
    cursor: dict[str, Any] = {}
    while True:
        page: dict[str, Any] = raw_json(fetch(limit=limit, **cursor))
        yield page
        if page["last_client_id"] is None:
            return
        cursor = {
            "last_client_id": page["last_client_id"],
            # The SDK wants a datetime and formats it itself (configuration.datetime_format).
            "last_created_on": datetime.fromisoformat(page["last_created_on"]),
        }


def listed(fetch: Callable[..., Any]) -> list[dict[str, Any]]:
    return [item for page in pages(fetch) for item in page["data"]]


# The OAuth side.


def authorize_url(kit: Kit, app: App, *, redirect_uri: str = REDIRECT, **params: str) -> str:
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": redirect_uri,
        "scope": SCOPE,
        "state": secrets.token_urlsafe(8),
        **params,
    }
    return f"{kit.base}/oauth2/authorize?{urlencode(query)}"


def code_without_pkce(kit: Kit, app: App, actor: Actor) -> str:
    """A code from an authorization request without PKCE: what the SDK's exchange_token
    (which has no code_verifier) can redeem."""
    with kit.browser(actor) as browser:
        callback = kit.through_browser(browser, authorize_url(kit, app))
    params = query_of(callback)
    assert "code" in params, callback
    return params["code"]


def is_active(kit: Kit, token: str, by: App) -> bool:
    return kit.introspect(token, by=by).get("active") is True


def is_inactive(kit: Kit, token: str, by: App) -> bool:
    return kit.introspect(token, by=by) == {"active": False}


def public_refresh(kit: Kit, app: App, refresh_token: str, origin: str) -> httpx.Response:
    """A browser app's refresh: `none` client authentication, from a page of `origin`."""
    return httpx.post(
        f"{kit.base}/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": app.client_id,
            "refresh_token": refresh_token,
        },
        headers={"Origin": origin},
        timeout=30,
    )
