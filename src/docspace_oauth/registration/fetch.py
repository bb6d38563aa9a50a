"""Fetching a client ID metadata document without becoming an SSRF proxy (docs/security.md).

Whoever sends a `client_id` chooses the URL we fetch, so the fetch is held to rules an
attacker cannot bend: https only; the host's every address must be public (not private,
loopback, link-local, multicast, reserved or unspecified, IPv4 and IPv6 alike, and the IPv4
inside an IPv4-mapped, 6to4 or Teredo address too); the connection goes to the address we
checked (the URL's host becomes that IP, while the Host header and TLS SNI keep the name and
the certificate is verified against it), so a second DNS answer cannot move it elsewhere
(DNS rebinding); no redirects, no proxies from the environment; a size cap read as a stream;
connect and total time limits; `application/json` only.

`allow_loopback` (tests only; production mode refuses the setting) admits loopback
addresses, and plain http to a loopback host, and nothing else.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import SplitResult, urlsplit

import httpx

from docspace_oauth.parsing import ascii_int
from docspace_oauth.settings import Settings

MAX_URL_LENGTH = 2048
_HUGE = 2**62  # header numbers past INT32 are still numbers (then past every limit)
_LOOPBACK_NAMES = ("localhost",)
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchRefused(Exception):
    """The URL, its addresses or its answer broke a rule; the message says which."""


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int
    timeout: float
    min_ttl: int
    max_ttl: int
    allow_loopback: bool
    ca_file: str | None = None

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            max_bytes=settings.client_metadata_max_bytes,
            timeout=settings.client_metadata_timeout_seconds,
            min_ttl=settings.client_metadata_min_ttl_seconds,
            max_ttl=settings.client_metadata_max_ttl_seconds,
            allow_loopback=settings.client_metadata_allow_loopback,
            ca_file=settings.client_metadata_ca_file,
        )

    def verify(self) -> ssl.SSLContext | bool:
        """The certificates a document's host may present: the bundled CAs, or the file's."""
        return ssl.create_default_context(cafile=self.ca_file) if self.ca_file else True


@dataclass(frozen=True, slots=True)
class Fetched:
    document: Any  # the parsed JSON, not yet validated as metadata
    ttl: int  # seconds it may be used, from its caching headers within the limits


def is_document_url(client_id: str) -> bool:
    """Whether a client_id is meant as a metadata document's URL (then held to check_url)."""
    return client_id[:8].lower() == "https://" or client_id[:7].lower() == "http://"


def _ip(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _is_loopback_host(host: str) -> bool:
    ip = _ip(host)
    return host.lower() in _LOOPBACK_NAMES if ip is None else _embedded(ip)[0].is_loopback


def check_url(url: str, *, allow_loopback: bool) -> SplitResult:
    """The draft's rules for a client_id URL (section 3)."""
    if len(url) > MAX_URL_LENGTH:
        raise FetchRefused(f"client_id URL is longer than {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError as exc:
        raise FetchRefused("client_id is not a valid URL.") from exc
    host = parts.hostname or ""
    plain_ok = allow_loopback and parts.scheme == "http" and _is_loopback_host(host)
    if parts.scheme != "https" and not plain_ok:
        raise FetchRefused("client_id URL must use https.")
    if not host:
        raise FetchRefused("client_id URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise FetchRefused("client_id URL must not contain a user name or password.")
    if "#" in url:
        raise FetchRefused("client_id URL must not contain a fragment.")
    if parts.path in ("", "/"):
        raise FetchRefused("client_id URL must have a path (the document's own).")
    segments = parts.path.split("/")
    if any(s in (".", "..") or s.lower() in ("%2e", "%2e%2e", ".%2e", "%2e.") for s in segments):
        raise FetchRefused("client_id URL must not contain . or .. path segments.")
    return parts


def _embedded(ip: IpAddress) -> list[IpAddress]:
    """The address and any IPv4 address it carries (mapped, 6to4, Teredo)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return [ip]
    inner: list[IpAddress] = [ip]
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        inner.append(ip.sixtofour)
    if ip.teredo is not None:
        inner.extend(ip.teredo)
    return inner


def _public(ip: IpAddress) -> bool:
    return (
        ip.is_global
        and not ip.is_multicast
        and not ip.is_reserved
        and not ip.is_unspecified
        and not ip.is_link_local
    )


def allowed_address(address: str, *, allow_loopback: bool) -> bool:
    ip = _ip(address.split("%", 1)[0])  # an IPv6 zone index is link-local anyway
    if ip is None or "%" in address:
        return False
    carried = _embedded(ip)
    if allow_loopback and all(a.is_loopback for a in carried):
        return True
    return all(_public(a) for a in carried)


async def _addresses(host: str, port: int) -> list[str]:
    if _ip(host) is not None:
        return [host]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchRefused(f"client_id URL's host {host!r} does not resolve.") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def pinned_address(parts: SplitResult, limits: Limits) -> str:
    """The one address to connect to, once every address of the host passed."""
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = await _addresses(host, port)
    if not addresses:
        raise FetchRefused(f"client_id URL's host {host!r} does not resolve.")
    for address in addresses:
        if not allowed_address(address, allow_loopback=limits.allow_loopback):
            raise FetchRefused(
                f"client_id URL's host {host!r} resolves to an address that is not public."
            )
    return addresses[0]


def _target(parts: SplitResult, address: str) -> str:
    netloc = f"[{address}]" if ":" in address else address
    if parts.port is not None:
        netloc = f"{netloc}:{parts.port}"
    return parts._replace(netloc=netloc).geturl()


def _json_type(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


async def _body(response: httpx.Response, max_bytes: int) -> bytes:
    if 300 <= response.status_code < 400:
        raise FetchRefused("The client's metadata document answered with a redirect (refused).")
    if response.status_code != 200:
        raise FetchRefused(f"The client's metadata document answered HTTP {response.status_code}.")
    if not _json_type(response.headers.get("content-type", "")):
        raise FetchRefused("The client's metadata document is not application/json.")
    declared = ascii_int(response.headers.get("content-length", ""), maximum=_HUGE)
    if declared is not None and declared > max_bytes:
        raise FetchRefused(f"The client's metadata document is larger than {max_bytes} bytes.")
    body = bytearray()
    async for chunk in response.aiter_raw():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise FetchRefused(f"The client's metadata document is larger than {max_bytes} bytes.")
    return bytes(body)


async def fetch(url: str, limits: Limits) -> Fetched:
    parts = check_url(url, allow_loopback=limits.allow_loopback)
    host = parts.hostname or ""
    headers = {"Host": parts.netloc, "Accept": "application/json", "Accept-Encoding": "identity"}
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    try:
        async with asyncio.timeout(limits.timeout):
            address = await pinned_address(parts, limits)
            async with (
                httpx.AsyncClient(
                    follow_redirects=False,
                    trust_env=False,
                    timeout=limits.timeout,
                    verify=limits.verify(),
                ) as client,
                client.stream(
                    "GET", _target(parts, address), headers=headers, extensions=extensions
                ) as response,
            ):
                body = await _body(response, limits.max_bytes)
    except TimeoutError as exc:
        raise FetchRefused("The client's metadata document took too long to fetch.") from exc
    except httpx.HTTPError as exc:
        raise FetchRefused(f"The client's metadata document could not be fetched ({exc}).") from exc
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise FetchRefused("The client's metadata document is not valid JSON.") from exc
    return Fetched(document, cache_ttl(response.headers, limits))


def _directives(cache_control: str) -> dict[str, str]:
    found = {}
    for item in cache_control.split(","):
        name, _, value = item.strip().partition("=")
        if name:
            found[name.strip().lower()] = value.strip().strip('"')
    return found


def _expires_in(headers: httpx.Headers) -> int | None:
    try:
        expires = parsedate_to_datetime(headers.get("expires", ""))
        date = parsedate_to_datetime(headers["date"]) if "date" in headers else datetime.now(UTC)
    except (TypeError, ValueError, IndexError):
        return None  # an invalid Expires means already expired (RFC 9111 5.3): the floor
    if expires.tzinfo is None or date.tzinfo is None:
        return None
    return int((expires - date).total_seconds())


def cache_ttl(headers: httpx.Headers, limits: Limits) -> int:
    """RFC 9111's freshness, held between the floor and the ceiling: a document that says
    no-store (or nothing) is used for the floor, so that no document makes us fetch on every
    request, and none is believed longer than the ceiling."""
    directives = _directives(headers.get("cache-control", ""))
    seconds: int | None = None
    max_age = ascii_int(directives.get("max-age"), maximum=_HUGE)
    if "no-store" in directives or "no-cache" in directives:
        seconds = None
    elif max_age is not None:
        seconds = max_age
    elif "expires" in headers:
        seconds = _expires_in(headers)
    return min(limits.max_ttl, max(limits.min_ttl, seconds or 0))
