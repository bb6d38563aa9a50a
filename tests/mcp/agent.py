"""The MCP client's side: the official SDK's OAuthClientProvider with what an agent supplies
(an in-memory TokenStorage, its metadata, and the handlers that send a person to a browser
and take the code back), the person at that browser played by httpx over our real pages, and
a log of every HTTP exchange the SDK makes (so a test can say what it discovered, where)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx
import httpx2
from mcp.client.auth import OAuthClientProvider
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)

from tests.oauth2.conftest import Kit, query_of
from tests.oauth2.test_sessions import sign_in_form

AGENT_NAME = "Test agent"


@dataclass
class MemoryStorage:
    """The SDK's TokenStorage, in memory: what the agent holds."""

    tokens: OAuthToken | None = None
    client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


class AccessDenied(Exception):
    """The person did not allow the agent (the callback carried an error)."""


@dataclass
class Person:
    """Whoever is at the browser the agent opens: signs in with the sign-in form the first
    time, then answers the consent page with the next of `decisions`."""

    kit: Kit
    email: str
    decisions: list[str] = field(default_factory=lambda: ["allow"])
    asked: list[str] = field(default_factory=list)
    callbacks: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.browser = self.kit.browser()

    def visit(self, url: str) -> str:
        """Open the authorization URL; the URL the browser is sent back to."""
        first = self.browser.get(url)
        assert first.status_code == 302, first.text
        location = first.headers["location"]
        if location.startswith(f"{self.kit.base}/oauth2/login?"):
            signed_in = sign_in_form(self.kit, self.browser, location, self.email)
            assert signed_in.status_code == 303, signed_in.text
            url = signed_in.headers["location"]
        decision = self.decisions.pop(0)
        return self.kit.through_browser(self.browser, url, decision=decision, expect_consent=True)

    # The SDK's handlers.

    async def redirect_handler(self, url: str) -> None:
        self.asked.append(url)
        self.callbacks.append(await anyio.to_thread.run_sync(self.visit, url))

    async def callback_handler(self) -> AuthorizationCodeResult:
        params = query_of(self.callbacks[-1])
        if "code" not in params:
            raise AccessDenied(params.get("error", "no code"))
        return AuthorizationCodeResult(
            code=params["code"], state=params.get("state"), iss=params.get("iss")
        )

    def close(self) -> None:
        self.browser.close()


@dataclass(frozen=True)
class Exchange:
    method: str
    url: str
    status: int

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


@dataclass
class Wire:
    """Every request the agent's HTTP client sent (the auth flow's too) and its status."""

    exchanges: list[Exchange] = field(default_factory=list)

    async def record(self, response: httpx2.Response) -> None:
        request = response.request
        self.exchanges.append(Exchange(request.method, str(request.url), response.status_code))


def agent_metadata(redirect_uri: str, **overrides: Any) -> OAuthClientMetadata:
    """What an MCP client registers: a native app with a loopback callback, public (PKCE)."""
    fields: dict[str, Any] = {
        "client_name": AGENT_NAME,
        "redirect_uris": [redirect_uri],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
        **overrides,
    }
    return OAuthClientMetadata.model_validate(fields)


@dataclass
class Agent:
    """The SDK's OAuth provider with its storage, its person and its wire log."""

    provider: OAuthClientProvider
    storage: MemoryStorage
    person: Person
    wire: Wire

    def http(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(
            auth=self.provider,
            timeout=httpx2.Timeout(30, read=60),
            event_hooks={"response": [self.wire.record]},
        )


def agent(
    server_url: str, person: Person, redirect_uri: str, client_metadata_url: str | None = None
) -> Agent:
    storage = MemoryStorage()
    provider = OAuthClientProvider(
        server_url=server_url,
        client_metadata=agent_metadata(redirect_uri),
        storage=storage,
        redirect_handler=person.redirect_handler,
        callback_handler=person.callback_handler,
        client_metadata_url=client_metadata_url,
    )
    return Agent(provider, storage, person, Wire())


def plain(token: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def raw_mcp_post(url: str, token: str | None) -> httpx.Response:
    """One MCP request without the SDK, as any client would send it."""
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"},
        },
    }
    headers = {"Accept": "application/json, text/event-stream", **plain(token)}
    return httpx.post(url, json=body, headers=headers, timeout=30)
