"""DOCSPACE_OAUTH_CLIENT_METADATA_CA_FILE: the document fetch trusts the configured CAs as
well as the public ones, and nothing else changes. The MCP SDK sends only an https
client_metadata_url, so a local document must be served over TLS to a CA we are told of."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pydantic import ValidationError

from docspace_oauth.registration.fetch import FetchRefused, Limits, fetch
from docspace_oauth.settings import Settings
from tests.cimd.conftest import document
from tests.mcp.documents import HttpsDocumentServer
from tests.mcp.tls import Tls

TESTING = Limits(max_bytes=5120, timeout=2.0, min_ttl=60, max_ttl=86400, allow_loopback=True)


async def test_a_document_over_https_chains_to_the_configured_ca(
    https_documents: HttpsDocumentServer, tls: Tls
) -> None:
    url = https_documents.url("/tls/client.json")
    https_documents.serve("/tls/client.json", document(url))
    fetched = await fetch(url, dataclasses.replace(TESTING, ca_file=str(tls.ca_file)))
    assert fetched.document["client_id"] == url
    # Without the CA the certificate is unknown: refused, as any unverifiable host.
    with pytest.raises(FetchRefused, match="could not be fetched"):
        await fetch(url, TESTING)


async def test_the_ca_relaxes_no_address_rule(
    https_documents: HttpsDocumentServer, tls: Tls
) -> None:
    url = https_documents.serve("/tls/strict.json", document("x"))
    strict = dataclasses.replace(TESTING, allow_loopback=False, ca_file=str(tls.ca_file))
    with pytest.raises(FetchRefused, match="not public"):
        await fetch(url, strict)


def test_a_ca_file_that_does_not_load_is_refused_at_start(tmp_path: Path) -> None:
    Settings(client_metadata_ca_file=None)
    for bad in (tmp_path / "missing.pem", tmp_path / "garbage.pem"):
        if bad.name == "garbage.pem":
            bad.write_text("not a certificate")
        with pytest.raises(ValidationError, match="CLIENT_METADATA_CA_FILE"):
            Settings(client_metadata_ca_file=str(bad))
