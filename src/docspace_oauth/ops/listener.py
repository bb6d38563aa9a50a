"""The server's own listener: how `docspace-oauth serve` runs uvicorn, and the limits it puts
on what a client may send before the application sees a request.

Two layers, because neither alone does both jobs:

- `BoundedHttpTools`: uvicorn's httptools protocol (the fast one), counting the bytes of each
  request head as they arrive. httptools itself has no limit: a 64 MB header was read whole
  and answered 200. Past `max_header_bytes` of an unfinished head the connection gets a 431
  and is closed, so at most that plus one socket read is ever buffered. uvicorn's h11
  protocol has such a bound, but costs about 0.1 ms more CPU on every request
  (docs/performance.md), which is why it is not the answer.
- `HeaderLimits`, the outermost check inside the application, refuses a complete head with
  more than `max_header_count` fields, or (arriving whole in one read) more than
  `max_header_bytes`, with 431 (RFC 6585) as problem details.

Behind reverse proxies (DOCSPACE_OAUTH_TRUSTED_PROXIES), uvicorn's own ProxyHeadersMiddleware
rewrites the ASGI scope's client and scheme before the application runs, so every consumer of
the client address (ops.middleware.client_ip: throttles, rate limits, audit, logs) sees the
real client. It walks X-Forwarded-For from the right and stops at the first address that is
not a trusted proxy; from an untrusted peer it ignores both headers (docs/architecture.md).

Subclassing a uvicorn protocol leans on three of its methods (`data_received`,
`on_headers_complete`, `on_message_complete`); tests/hardening/test_round_two_listener.py
drives the real `serve` over a socket, so an upgrade that changes them fails there.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from docspace_oauth.errors import error_for_status
from docspace_oauth.settings import Settings, get_settings

# The bytes of one header line besides its name and value: ": " and CRLF.
_LINE_OVERHEAD = 4


class HeaderLimits:
    """431 for a request with more than `max_count` headers or more than `max_bytes` of them
    (names, values and line overhead, as sent)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_count: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_count = max_count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers", [])
        size = sum(len(name) + len(value) + _LINE_OVERHEAD for name, value in headers)
        if len(headers) > self.max_count:
            await self._refuse(scope, receive, send, f"more than {self.max_count} header fields")
        elif size > self.max_bytes:
            await self._refuse(
                scope, receive, send, f"header fields larger than {self.max_bytes} bytes"
            )
        else:
            await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, what: str) -> None:
        await error_for_status(431, f"The request has {what}.").send_refusal(scope, receive, send)


class BoundedHttpTools(HttpToolsProtocol):
    """httptools, with a bound on the bytes of a request head (see the module's doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Workers are other processes: they read the limit from the environment too.
        self._head_limit = get_settings().max_header_bytes
        self._head_bytes = 0
        self._in_head = True

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if (
            self._in_head
            and self._head_bytes > self._head_limit
            and not self.transport.is_closing()
        ):
            self._refuse_head()

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._head_bytes = True, 0  # keep-alive: the next request's head

    def _refuse_head(self) -> None:
        detail = f"The request has header fields larger than {self._head_limit} bytes."
        body = json.dumps(error_for_status(431, detail).problem("")).encode()
        head = (
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/problem+json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n"
        )
        self.transport.write(head + body)
        self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The listener's part of uvicorn's configuration: httptools, with its heads bounded (the
    protocol reads its limit itself, in every worker), and the proxies whose X-Forwarded-For
    and X-Forwarded-Proto are believed: none unless named."""
    proxies = settings.trusted_proxy_list
    return {
        "http": f"{__name__}:BoundedHttpTools",
        # Always passed: uvicorn would otherwise read FORWARDED_ALLOW_IPS, and trust
        # 127.0.0.1 without it, behind the setting's back.
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": proxies,
        # uvicorn's supervisor pings each worker and kills one that does not answer in time
        # (5 s by default). A new worker answers only once it has imported the application,
        # which on a busy 2-core machine can take longer: every worker was killed at start,
        # again and again, and the server never served. 30 s still replaces a hung worker.
        "timeout_worker_healthcheck": 30,
    }


def serve(
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int,
    log_level: str,
    log_config: dict[str, Any],
) -> None:
    """Run the application as `docspace-oauth serve` does: the one place uvicorn is
    configured."""
    import uvicorn

    uvicorn.run(
        "docspace_oauth.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        log_config=log_config,
        access_log=False,
        server_header=False,
        **uvicorn_options(settings),
    )
