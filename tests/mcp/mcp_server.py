"""A small MCP server, built with the official SDK (`mcp`), that protects itself with our
introspection: what a resource server that points at us looks like.

It is the SDK's MCPServer (streamable HTTP, one tool) with the SDK's resource-server auth
(`AuthSettings`: our issuer, its own URL, the scope it needs). The SDK answers a request
without a valid token with a 401 naming its RFC 9728 metadata, and serves that metadata
(naming our issuer); each token is checked by the TokenVerifier below, which introspects it
with the resource server's own client and its own URL (RFC 8707 `resource=`), and accepts it
only when it is active and its `aud` is this server. It runs on uvicorn, in a thread, on a
free loopback port.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer

SCOPE = "files:read"
TOOL = "whoami"


@dataclass
class Introspector:
    """The TokenVerifier: one introspection per request, so a revoked token is refused at
    once. `answers` keeps what introspection said, for the test to read."""

    issuer: str
    resource: str
    client_id: str
    client_secret: str
    answers: list[dict[str, Any]] = field(default_factory=list)

    async def verify_token(self, token: str) -> AccessToken | None:
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.post(
                f"{self.issuer}/oauth2/introspect",
                data={"token": token, "resource": self.resource},
                auth=(self.client_id, self.client_secret),
            )
        if response.status_code != 200:
            return None
        body: dict[str, Any] = response.json()
        self.answers.append(body)
        audience = body.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if body.get("active") is not True or self.resource not in audiences:
            return None
        return AccessToken(
            token=token,
            client_id=str(body["client_id"]),
            scopes=str(body.get("scope", "")).split(),
            expires_at=body.get("exp"),
            resource=self.resource,
            subject=body.get("sub"),
            claims={"iss": body.get("iss")},
        )


def _server(introspector: Introspector) -> MCPServer[Any]:
    server: MCPServer[Any] = MCPServer(
        "files",
        token_verifier=introspector,
        auth=AuthSettings(
            issuer_url=introspector.issuer,  # pydantic parses it
            resource_server_url=introspector.resource,
            required_scopes=[SCOPE],
            # The verifier checks `aud` itself; the SDK checks it again (defence in depth).
            validate_token_resource=True,
        ),
    )

    @server.tool(name=TOOL, description="Who the caller is, as the token says.")
    def whoami() -> str:
        token = get_access_token()
        return f"signed in as {token.subject}" if token else "anonymous"

    return server


@dataclass
class RunningMcpServer:
    url: str
    introspector: Introspector


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def mcp_url() -> tuple[socket.socket, str]:
    """A bound loopback socket and the MCP endpoint's URL on it (the URL must be known, and
    registered as a resource, before the server that answers there is built)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}/mcp"


@contextmanager
def running_mcp_server(
    sock: socket.socket, introspector: Introspector
) -> Iterator[RunningMcpServer]:
    app = _server(introspector).streamable_http_app()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.started, "the MCP server did not start"
        yield RunningMcpServer(introspector.resource, introspector)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
