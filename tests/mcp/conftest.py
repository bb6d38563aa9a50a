"""What the tenant's admins do before an MCP client ever shows up, and nothing for the client:
the MCP server is registered as a resource (so `resource=` its URL is accepted) and given a
confidential client of its own to introspect with, registration is opened, a person with a
password exists. The MCP server then runs, protected by our introspection."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.factory import client_body
from tests.mcp.mcp_server import SCOPE, Introspector, RunningMcpServer, mcp_url, running_mcp_server
from tests.oauth2.conftest import Kit
from tests.oauth2.test_sessions import PASSWORD

TENANT = 1  # the advertised registration endpoint registers in the issuer's own tenant
POLICY = "/api/2.0/registration/policy"


@dataclass
class Setup:
    kit: Kit
    owner: httpx.Client
    mcp: RunningMcpServer
    resource: dict[str, Any]
    email: str
    user_key: str
    # Clients to delete afterwards (tenant 1 is the whole session's): the agents' too.
    clients: list[str] = field(default_factory=list)


@contextmanager
def open_registration(owner: httpx.Client) -> Iterator[None]:
    """Tenant 1 open to registration for the test, then as it was."""
    before = owner.get(POLICY).json()
    # Limits well above the default: the whole session's tests share tenant 1 and 127.0.0.1.
    opened = owner.put(
        POLICY, json={"mode": "open", "max_clients": 100_000, "per_address_per_hour": 10_000}
    )
    assert opened.status_code == 200, opened.text
    try:
        yield
    finally:
        keep = ("mode", "max_clients", "per_address_per_hour")
        owner.put(POLICY, json={name: before[name] for name in keep})


def _resource(owner: httpx.Client, url: str) -> dict[str, Any]:
    body = {
        "url": url,
        "name": "Files MCP server",
        "scopes": [SCOPE],
        # Our introspection answers for its tokens only to a caller that names it.
        "introspection_requires_resource": True,
    }
    created = owner.post("/api/2.0/resources", json=body)
    assert created.status_code == 201, created.text
    resource: dict[str, Any] = created.json()
    return resource


@pytest.fixture
def authorization_server(request: pytest.FixtureRequest, live_server: LiveServer) -> LiveServer:
    """The server the agent signs in with, for the test's `way`: the session's own for
    registration; a way that needs settings of its own has a `{way}_server` fixture."""
    way = request.node.callspec.params.get("way", "registration")
    if way == "registration":
        return live_server
    server: LiveServer = request.getfixturevalue(f"{way}_server")
    return server


@pytest.fixture
def setup(authorization_server: LiveServer) -> Iterator[Setup]:
    live_server, kit = authorization_server, Kit(authorization_server)
    email = f"mcp-{secrets.token_hex(4)}@example.com"
    user_key = live_server.create_user(email, "user", TENANT, password=PASSWORD)
    sock, url = mcp_url()
    with live_server.client(live_server.keys["owner"]) as owner:
        resource = _resource(owner, url)
        made = owner.post("/api/2.0/clients", json=client_body(scopes=[SCOPE]))
        assert made.status_code == 201, made.text
        rs_client = made.json()
        introspector = Introspector(
            kit.base, url, rs_client["client_id"], rs_client["client_secret"]
        )
        with open_registration(owner), running_mcp_server(sock, introspector) as mcp:
            done = Setup(kit, owner, mcp, resource, email, user_key, [rs_client["client_id"]])
            try:
                yield done
            finally:
                for client_id in done.clients:
                    owner.delete(f"/api/2.0/clients/{client_id}")
                owner.delete(f"/api/2.0/resources/{resource['id']}")
