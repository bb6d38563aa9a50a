"""A local document server: what a client hosting its client ID metadata document serves.

A real HTTP server in a thread (http.server), on 127.0.0.1: the authorization server under
test fetches from it through DOCSPACE_OAUTH_CLIENT_METADATA_ALLOW_LOOPBACK, the tests-only
setting (plain http to loopback; production refuses it). Each path's fetches are counted,
so a test sees what was cached.
"""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
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
    """`tls`: (cert, key) of a certificate for localhost; the server then answers https, at
    https://localhost:PORT (the authorization server trusts it through
    DOCSPACE_OAUTH_CLIENT_METADATA_CA_FILE)."""

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
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
        self.tls = tls is not None
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.http.socket = context.wrap_socket(self.http.socket, server_side=True)
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        port = self.http.server_address[1]
        return f"https://localhost:{port}" if self.tls else f"http://127.0.0.1:{port}"

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


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for localhost (its own CA): (cert, key)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture(scope="session")
def documents() -> Iterator[DocumentServer]:
    server = DocumentServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def document_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("document-tls"))


@pytest.fixture(scope="session")
def tls_documents(document_cert: tuple[Path, Path]) -> Iterator[DocumentServer]:
    """Documents over https, as the MCP SDK requires of a client_id."""
    server = DocumentServer(document_cert)
    try:
        yield server
    finally:
        server.close()
