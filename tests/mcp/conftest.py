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

from tests.cimd.conftest import document
from tests.conftest import LiveServer
from tests.factory import client_body
from tests.mcp.agent import AGENT_NAME
from tests.mcp.documents import HttpsDocumentServer
from tests.mcp.documents import document_server as document_server
from tests.mcp.documents import https_documents as https_documents
from tests.mcp.documents import tls as tls
from tests.mcp.mcp_server import (
    SCOPE,
    Introspector,
    RunningMcpServer,
    free_port,
    mcp_url,
    running_mcp_server,
)
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
    redirect_uri: str  # the agent's loopback callback
    document_url: str | None  # the agent's client ID metadata document, for that way
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
def setup(request: pytest.FixtureRequest, way: str, live_server: LiveServer) -> Iterator[Setup]:
    """For the test's `way`: "registration" signs in with the session's server; a way with
    settings of its own ("document") has a `{way}_server` fixture."""
    server = live_server if way == "registration" else request.getfixturevalue(f"{way}_server")
    kit = Kit(server)
    email = f"mcp-{secrets.token_hex(4)}@example.com"
    user_key = server.create_user(email, "user", TENANT, password=PASSWORD)
    redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    document_url = _document(request, redirect_uri) if way == "document" else None
    sock, url = mcp_url()
    with server.client(server.keys["owner"]) as owner:
        resource = _resource(owner, url)
        made = owner.post("/api/2.0/clients", json=client_body(scopes=[SCOPE]))
        assert made.status_code == 201, made.text
        rs_client = made.json()
        introspector = Introspector(
            kit.base, url, rs_client["client_id"], rs_client["client_secret"]
        )
        with open_registration(owner), running_mcp_server(sock, introspector) as mcp:
            done = Setup(kit, owner, mcp, resource, email, user_key, redirect_uri, document_url)
            done.clients.append(rs_client["client_id"])
            try:
                yield done
            finally:
                for client_id in done.clients:
                    owner.delete(f"/api/2.0/clients/{client_id}")
                owner.delete(f"/api/2.0/resources/{resource['id']}")


def _document(request: pytest.FixtureRequest, redirect_uri: str) -> str:
    """The agent's client ID metadata document, published; its URL (the client_id)."""
    documents: HttpsDocumentServer = request.getfixturevalue("https_documents")
    path = f"/agents/{secrets.token_hex(4)}/client.json"
    body = document(
        documents.url(path),
        client_name=AGENT_NAME,
        redirect_uris=[redirect_uri],
        application_type="native",
        scope=SCOPE,
        client_uri=None,
    )
    return documents.serve(path, body, headers={"Cache-Control": "max-age=300"})
