"""A local document server: what a client hosting its client ID metadata document serves.

A real HTTP server in a thread (http.server), on 127.0.0.1: the authorization server under
test fetches from it through DOCSPACE_OAUTH_CLIENT_METADATA_ALLOW_LOOPBACK, the tests-only
setting (plain http to loopback; production refuses it). Each path's fetches are counted,
so a test sees what was cached.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.oauth2.conftest import REDIRECT


@dataclass
class Route:
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a fetch aborted on purpose (too large, too slow) breaks the pipe: expected


class DocumentServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits[self.path] += 1
                route = outer.routes.get(self.path) or Route(b"not found", 404)
                time.sleep(route.delay)
                self.send_response(route.status)
                headers = {"Content-Type": "application/json", **route.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.http = _Quiet(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http.server_address[1]}"

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def serve(
        self,
        path: str,
        document: dict[str, Any] | bytes,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> str:
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        self.routes[path] = Route(body, status, headers or {}, delay)
        return self.url(path)

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


def document(url: str, **overrides: Any) -> dict[str, Any]:
    """A public client's metadata, as an MCP client publishes it."""
    body: dict[str, Any] = {
        "client_id": url,
        "client_name": "Document agent",
        "redirect_uris": [REDIRECT],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
        "scope": "openid files:read",
        "client_uri": "https://agent.example.com",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture(scope="session")
def documents() -> Iterator[DocumentServer]:
    server = DocumentServer()
    try:
        yield server
    finally:
        server.close()
