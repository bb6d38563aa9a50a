"""The official MCP Python SDK (`mcp`) signs in by itself, end to end (issue 15).

An MCP server built with the SDK protects itself with our introspection; an MCP client built
with the SDK's OAuth provider, with no client registered for it by hand, finds us from that
server's 401 and its protected-resource metadata, gets a client_id by itself (it registers,
or names its client ID metadata document), sends a person through our sign-in and consent
pages, gets a token whose `aud` is the MCP server, calls a tool, refreshes, and calls again.
When the person revokes the consent, the next call is refused at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import ProtectedResourceMetadata
from mcp_types import TextContent

from tests.mcp.agent import (
    AGENT_NAME,
    AccessDenied,
    Agent,
    Exchange,
    Person,
    agent,
    plain,
    raw_mcp_post,
)
from tests.mcp.conftest import Setup
from tests.mcp.mcp_server import SCOPE, TOOL
from tests.oauth2.conftest import query_of


def _prm_names_us(setup: Setup) -> None:
    """The MCP server's 401 names its RFC 9728 metadata, which names our issuer, and says what
    we publish for the resource (the server could serve ours as well as its own)."""
    url = setup.mcp.url
    refused = raw_mcp_post(url, None)
    assert refused.status_code == 401
    prm_url = url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp")
    assert f'resource_metadata="{prm_url}"' in refused.headers["www-authenticate"]
    served = httpx.get(prm_url).json()
    assert served["resource"] == url
    assert served["authorization_servers"] == [setup.kit.base]
    ours = httpx.get(setup.resource["metadata_url"]).json()
    ProtectedResourceMetadata.model_validate(ours)  # the SDK's own model reads ours
    for name in ("resource", "authorization_servers", "scopes_supported"):
        assert ours[name] == served[name], name


@dataclass(frozen=True)
class Way:
    """How the agent comes to have a client_id, and what that looks like from outside."""

    registers: bool  # POSTs to the registration endpoint (else its client_id is its URL)
    marker: str  # the client's "registration" in /api/2.0/clients


# The two ways of issue 15: dynamic registration (RFC 7591), and a client ID metadata
# document (the SDK's client_metadata_url), served over https from loopback.
WAYS = {"registration": Way(True, "dynamic"), "document": Way(False, "metadata")}


def _discovery(wire: list[Exchange], mcp_url: str, issuer: str, way: Way) -> None:
    """The SDK's own first steps: 401 from the MCP server, its PRM, our metadata, then
    (registering) the registration endpoint, and after the browser the token endpoint."""
    origin = mcp_url.removesuffix("/mcp")
    expected = [
        ("POST", mcp_url, 401),
        ("GET", f"{origin}/.well-known/oauth-protected-resource/mcp", 200),
        ("GET", f"{issuer}/.well-known/oauth-authorization-server", 200),
        *([("POST", f"{issuer}/oauth2/register", 201)] if way.registers else []),
        ("POST", f"{issuer}/oauth2/token", 200),
    ]
    steps = [(e.method, e.url.split("?")[0], e.status) for e in wire[: len(expected)]]
    assert steps == expected


def _listed(setup: Setup, row_id: str, way: Way) -> None:
    """The agent's client is in the tenant's client list (newest first), marked as such."""
    listed = setup.owner.get("/api/2.0/clients").json()["data"]
    mine = [c for c in listed if c["client_id"] == row_id]
    assert len(mine) == 1, listed
    assert mine[0]["registration"] == way.marker
    assert mine[0]["name"] == AGENT_NAME


async def _call(session: ClientSession) -> str:
    result = await session.call_tool(TOOL)
    assert not result.is_error, result
    block = result.content[0]
    assert isinstance(block, TextContent), block
    return block.text


@dataclass
class Run:
    """What one MCP session saw, kept for the checks after it ended."""

    results: list[str] = field(default_factory=list)
    subject: str = ""
    old_token: str = ""
    since: int = 0  # the first exchange after the revocation
    row_id: str = ""  # the client's id in /api/2.0/clients (`cid`)


async def _session_until_revoked(setup: Setup, the_agent: Agent, run: Run, way: Way) -> None:
    """Initialize, call the tool, check the sign-in; once more after a refresh; revoke; call
    the tool again."""
    async with (
        the_agent.http() as http,
        streamable_http_client(setup.mcp.url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        run.results.append(await _call(session))
        run.subject, run.row_id = _signed_in_for_this_server(setup, the_agent, way)
        await _refreshed_for_this_server(setup, the_agent, session)
        run.results.append(await _call(session))
        run.since = len(the_agent.wire.exchanges)
        run.old_token = _revoke(setup, the_agent, run.row_id)
        run.results.append(await _call(session))


@pytest.mark.parametrize("way", list(WAYS))
async def test_the_sdk_signs_in_calls_a_tool_and_loses_access(setup: Setup, way: str) -> None:
    _prm_names_us(setup)
    person = Person(setup.kit, setup.email, decisions=["allow", "deny"])
    the_agent = agent(setup.mcp.url, person, setup.redirect_uri, setup.document_url)
    run = Run()
    try:
        with pytest.raises(BaseExceptionGroup) as refused:
            await _session_until_revoked(setup, the_agent, run, WAYS[way])
    finally:
        person.close()

    if refused.group_contains(AssertionError):
        raise refused.value  # a check inside the session failed: show it, not what follows
    assert run.results == [f"signed in as {run.subject}"] * 2  # none after the revocation
    _refused_at_once(setup, the_agent.wire.exchanges[run.since :], run.old_token)
    # The SDK surfaced the refusal: it asked the person again (the consent was gone, so the
    # consent page was shown, and the person denied), and the call failed with that.
    assert refused.group_contains(AccessDenied), refused.value
    assert len(person.asked) == 2


def _signed_in_for_this_server(setup: Setup, the_agent: Agent, way: Way) -> tuple[str, str]:
    """After the first call: discovery went as the MCP spec says, the agent got its client_id
    by itself, the person went through sign-in and consent, and the token is for this MCP
    server. The user's id, and the client's id in the management API."""
    kit, url = setup.kit, setup.mcp.url
    _discovery(the_agent.wire.exchanges, url, kit.base, way)
    info, tokens = the_agent.storage.client_info, the_agent.storage.tokens
    assert info is not None and tokens is not None
    assert info.client_secret is None and info.token_endpoint_auth_method == "none"
    if setup.document_url:
        assert info.client_id == setup.document_url
    seen = setup.mcp.introspector.answers[-1]
    assert seen["active"] is True and seen["aud"] == url and seen["resource"] == url
    setup.clients.append(seen["cid"])
    _listed(setup, seen["cid"], way)
    asked = query_of(the_agent.person.asked[0])
    assert asked["resource"] == url and asked["scope"] == SCOPE
    assert asked["client_id"] == info.client_id
    claims = kit.verify(tokens.access_token, audience=url)
    assert claims["aud"] == url and claims["client_id"] == info.client_id
    assert seen["client_id"] == info.client_id and seen["sub"] == claims["sub"]
    return str(claims["sub"]), str(seen["cid"])


async def _refreshed_for_this_server(
    setup: Setup, the_agent: Agent, session: ClientSession
) -> None:
    """As if the access token had expired: the SDK refreshes it before its next request
    (with `resource` again, RFC 8707), and the new token is still for this MCP server."""
    assert the_agent.storage.tokens is not None
    before = the_agent.storage.tokens.access_token
    the_agent.provider.context.token_expiry_time = time.time() - 1
    start = len(the_agent.wire.exchanges)
    await session.send_ping()
    steps = [(e.method, e.path, e.status) for e in the_agent.wire.exchanges[start:]]
    assert steps[:2] == [("POST", "/oauth2/token", 200), ("POST", "/mcp", 200)], steps
    after = the_agent.storage.tokens.access_token
    assert after != before
    assert setup.kit.verify(after, audience=setup.mcp.url)["aud"] == setup.mcp.url


def _revoke(setup: Setup, the_agent: Agent, row_id: str) -> str:
    """The person revokes the consent, through the API, as themself; the agent's token."""
    assert the_agent.storage.tokens is not None
    revoked = httpx.delete(
        f"{setup.kit.base}/api/2.0/clients/{row_id}/revoke", headers=plain(setup.user_key)
    )
    assert revoked.status_code == 200, revoked.text
    return the_agent.storage.tokens.access_token


def _refused_at_once(setup: Setup, since: list[Exchange], old_token: str) -> None:
    """The very next request with the old token was a 401 (introspection said inactive); the
    SDK went back to discovery and to the person, without registering again."""
    url, base = setup.mcp.url, setup.kit.base
    assert (since[0].method, since[0].url, since[0].status) == ("POST", url, 401)
    assert setup.mcp.introspector.answers[-1] == {"active": False}
    assert not [e for e in since if e.path in ("/oauth2/register", "/oauth2/token")], since
    assert [e.status for e in since if e.url.startswith(base)] == [200]  # AS metadata only
    assert raw_mcp_post(url, old_token).status_code == 401
