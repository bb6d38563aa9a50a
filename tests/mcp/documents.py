"""The agent's client ID metadata document, served over https from loopback: the cimd
suite's document server behind TLS (the MCP SDK accepts only an https client_metadata_url),
and an authorization server of its own that may fetch from loopback and trusts the test CA."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.cimd.conftest import DocumentServer
from tests.conftest import LiveServer, start_server
from tests.mcp.tls import Tls, make_tls


class HttpsDocumentServer(DocumentServer):
    def __init__(self, tls: Tls) -> None:
        super().__init__()
        # Nobody knows the port yet, so no connection was accepted before TLS is on.
        self.http.socket = tls.server_context().wrap_socket(self.http.socket, server_side=True)

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.http.server_address[1]}"


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return make_tls(Path(tmp_path_factory.mktemp("tls")))


@pytest.fixture(scope="module")
def https_documents(tls: Tls) -> Iterator[HttpsDocumentServer]:
    server = HttpsDocumentServer(tls)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")  # a server process of its own: not for the whole session
def document_server(live_server: LiveServer, tls: Tls) -> Iterator[LiveServer]:
    """Its own server on the live server's database (so its own issuer), fetching documents
    from loopback as only tests may, over https that chains to the test CA."""
    server = start_server(
        live_server.database_url,
        DOCSPACE_OAUTH_CLIENT_METADATA_ALLOW_LOOPBACK="true",
        DOCSPACE_OAUTH_CLIENT_METADATA_CA_FILE=str(tls.ca_file),
    )
    try:
        yield replace(live_server, url=server.url, env=server.env)
    finally:
        server.stop()
