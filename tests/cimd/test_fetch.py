"""The SSRF guard and the fetch's limits, against a real local HTTP server."""

from __future__ import annotations

import contextlib
import secrets
import socket
import ssl
import threading
from pathlib import Path

import httpx
import pytest

from docspace_oauth.registration.fetch import (
    FetchRefused,
    Limits,
    allowed_address,
    cache_ttl,
    check_url,
    fetch,
)
from docspace_oauth.settings import Settings, UnsafeProductionSettings
from tests.cimd.conftest import DocumentServer, document, self_signed

TESTING = Limits(max_bytes=5120, timeout=1.0, min_ttl=60, max_ttl=86400, allow_loopback=True)
STRICT = Limits(max_bytes=5120, timeout=1.0, min_ttl=60, max_ttl=86400, allow_loopback=False)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",  # the cloud metadata service
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "240.0.0.1",
        "::1",
        "::",
        "fe80::1",
        "fe80::1%eth0",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "2001:db8::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a00:1::",  # 6to4 of 10.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address):
    assert not allowed_address(address, allow_loopback=False)


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address):
    assert allowed_address(address, allow_loopback=False)


def test_the_test_setting_admits_loopback_only():
    assert allowed_address("127.0.0.1", allow_loopback=True)
    assert allowed_address("::1", allow_loopback=True)
    assert allowed_address("::ffff:127.0.0.1", allow_loopback=True)
    for address in ("10.0.0.1", "169.254.169.254", "192.168.0.1", "fe80::1"):
        assert not allowed_address(address, allow_loopback=True), address


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://agent.example.com/client.json", "https"),
        ("https://agent.example.com", "path"),
        ("https://agent.example.com/", "path"),
        ("https://agent.example.com/client.json#frag", "fragment"),
        ("https://agent.example.com/a/../client.json", ". or .."),
        ("https://agent.example.com/./client.json", ". or .."),
        ("https://agent.example.com/a/%2e%2e/client.json", ". or .."),
        ("https://user:pw@agent.example.com/client.json", "user name"),
        ("https://user@agent.example.com/client.json", "user name"),
        ("https://agent.example.com:99999/client.json", "valid URL"),
        ("https:///client.json", "host"),
        ("https://agent.example.com/" + "a" * 2100, "longer"),
    ],
)
def test_client_id_urls_are_held_to_the_drafts_rules(url, reason):
    with pytest.raises(FetchRefused, match=reason):
        check_url(url, allow_loopback=False)


def test_plain_http_only_to_loopback_and_only_under_the_test_setting():
    check_url("http://127.0.0.1:8080/client.json", allow_loopback=True)
    check_url("http://localhost/client.json", allow_loopback=True)
    with pytest.raises(FetchRefused, match="https"):
        check_url("http://127.0.0.1:8080/client.json", allow_loopback=False)
    with pytest.raises(FetchRefused, match="https"):
        check_url("http://agent.example.com/client.json", allow_loopback=True)


def _path() -> str:
    return f"/{secrets.token_hex(4)}/client.json"


async def test_a_document_is_fetched_and_parsed(documents: DocumentServer):
    path = _path()
    url = documents.serve(path, document("x"), headers={"Cache-Control": "max-age=600"})
    fetched = await fetch(url, TESTING)
    assert fetched.document["client_id"] == "x"
    assert fetched.ttl == 600
    assert documents.hits[path] == 1


async def test_loopback_is_refused_without_the_test_setting(documents: DocumentServer):
    path = _path()
    url = documents.serve(path, document("x"))
    with pytest.raises(FetchRefused, match="https"):
        await fetch(url, STRICT)
    # Even over https, a host that resolves to loopback is refused before any connection.
    with pytest.raises(FetchRefused, match="not public"):
        await fetch(f"https://localhost:{documents.http.server_address[1]}{path}", STRICT)
    for literal in (
        "https://[::1]/client.json",
        "https://127.0.0.1/client.json",
        "https://[::ffff:7f00:1]/client.json",
        "https://169.254.169.254/latest",
    ):
        with pytest.raises(FetchRefused, match="not public"):
            await fetch(literal, STRICT)
    assert documents.hits[path] == 0


async def test_redirects_are_refused(documents: DocumentServer):
    target = documents.serve(_path(), document("x"))
    path = _path()
    url = documents.serve(path, b"", status=302, headers={"Location": target})
    with pytest.raises(FetchRefused, match="redirect"):
        await fetch(url, TESTING)


async def test_an_oversized_document_is_refused(documents: DocumentServer):
    big = document("x", client_name="a" * 6000)
    with pytest.raises(FetchRefused, match="larger than 5120"):
        await fetch(documents.serve(_path(), big), TESTING)


async def test_a_slow_document_is_refused(documents: DocumentServer):
    url = documents.serve(_path(), document("x"), delay=2.0)
    with pytest.raises(FetchRefused, match="too long"):
        await fetch(url, TESTING)


@pytest.mark.parametrize("content_type", ["text/html", "application/jsonp", "text/plain"])
async def test_only_application_json_is_taken(documents: DocumentServer, content_type):
    url = documents.serve(_path(), document("x"), headers={"Content-Type": content_type})
    with pytest.raises(FetchRefused, match="application/json"):
        await fetch(url, TESTING)


async def test_errors_and_bad_json_are_refused(documents: DocumentServer):
    with pytest.raises(FetchRefused, match="HTTP 404"):
        await fetch(documents.url(_path()), TESTING)
    with pytest.raises(FetchRefused, match="not valid JSON"):
        await fetch(documents.serve(_path(), b"{not json"), TESTING)


@pytest.mark.parametrize(
    ("headers", "ttl"),
    [
        ({}, 60),  # no caching headers: the floor
        ({"Cache-Control": "no-store"}, 60),
        ({"Cache-Control": "no-cache, max-age=3600"}, 60),
        ({"Cache-Control": "public, max-age=3600"}, 3600),
        ({"Cache-Control": "max-age=0"}, 60),
        ({"Cache-Control": "max-age=9999999"}, 86400),  # the ceiling
        (
            {"Date": "Thu, 03 Dec 2026 10:00:00 GMT", "Expires": "Thu, 03 Dec 2026 12:00:00 GMT"},
            7200,
        ),
        ({"Expires": "garbage"}, 60),
    ],
)
def test_caching_headers_within_the_floor_and_the_ceiling(headers, ttl):
    assert cache_ttl(httpx.Headers(headers), STRICT) == ttl


def test_production_refuses_the_loopback_setting():
    safe = {
        "production": True,
        "secret_key": "k" * 40,
        "issuer": "https://auth.example.com",
    }
    Settings(**safe)
    with pytest.raises(UnsafeProductionSettings, match="CLIENT_METADATA_ALLOW_LOOPBACK"):
        Settings(**safe, client_metadata_allow_loopback=True)


class _TlsServer:
    """One https answer from 127.0.0.1 (and ::1) with a certificate for localhost,
    recording the SNI and the request head it got."""

    def __init__(self, cert: Path, key: Path, body: bytes) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.sni: list[str | None] = []
        self.heads: list[bytes] = []
        self.context.sni_callback = lambda _sock, name, _context: self.sni.append(name)
        dual = socket.has_dualstack_ipv6()
        self.listener = socket.create_server(
            ("", 0), family=socket.AF_INET6 if dual else socket.AF_INET, dualstack_ipv6=dual
        )
        self.port = self.listener.getsockname()[1]
        self.body = body
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        connection, _ = self.listener.accept()
        with contextlib.suppress(ssl.SSLError, OSError):
            tls = self.context.wrap_socket(connection, server_side=True)
            self.heads.append(tls.recv(65536))
            tls.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(self.body)}\r\nConnection: close\r\n\r\n".encode()
                + self.body
            )
            tls.close()
        connection.close()

    def close(self) -> None:
        self.thread.join(timeout=5)
        self.listener.close()


async def test_https_connects_to_the_checked_address_under_the_name(tmp_path):
    """The connection goes to the address that was checked, with the host's name as TLS SNI
    and Host, and the certificate is verified against the name."""
    cert, key = self_signed(tmp_path)
    server = _TlsServer(cert, key, b'{"client_id": "ok"}')
    limits = Limits(
        max_bytes=5120,
        timeout=2.0,
        min_ttl=60,
        max_ttl=86400,
        allow_loopback=True,
        ca_file=str(cert),
    )
    try:
        fetched = await fetch(f"https://localhost:{server.port}/client.json", limits)
    finally:
        server.close()
    assert fetched.document == {"client_id": "ok"}
    assert server.sni == ["localhost"]
    assert f"host: localhost:{server.port}".encode() in server.heads[0].lower()


async def test_an_untrusted_certificate_is_refused(tmp_path):
    cert, key = self_signed(tmp_path)
    server = _TlsServer(cert, key, b"{}")
    try:
        with pytest.raises(FetchRefused, match="CERTIFICATE_VERIFY_FAILED"):
            await fetch(f"https://localhost:{server.port}/client.json", TESTING)
    finally:
        server.close()
    assert server.sni == ["localhost"]


def test_the_ca_file_must_exist(tmp_path):
    with pytest.raises(ValueError, match="CLIENT_METADATA_CA_FILE"):
        Settings(client_metadata_ca_file=str(tmp_path / "missing.pem"))
