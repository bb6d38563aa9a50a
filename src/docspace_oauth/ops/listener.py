"""The server's own listener: how `docspace-oauth serve` runs uvicorn, and the limits it puts
on what a client may send before the application sees a request.

Two layers, because neither alone does both jobs:

- uvicorn's h11 protocol buffers at most `max_header_bytes` of an incomplete request line
  and headers, then answers 400 and closes the connection; a 64 MB header is never read
  into memory. httptools, which uvicorn picks by default when it is installed, has no such
  limit at all, so `serve` asks for h11 by name.
- h11 only bounds what it buffers *before* the head is complete: a head that arrives whole
  in one read can be larger, and h11 counts no headers. `HeaderLimits`, the outermost check
  inside the application, refuses any request whose headers exceed either limit with 431
  (RFC 6585), as problem details.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from docspace_oauth.errors import error_for_status
from docspace_oauth.settings import Settings

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
            await self._refuse(scope, send, f"more than {self.max_count} header fields")
        elif size > self.max_bytes:
            await self._refuse(scope, send, f"header fields larger than {self.max_bytes} bytes")
        else:
            await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, send: Send, what: str) -> None:
        problem = error_for_status(431, f"The request has {what}.")
        body = json.dumps(problem.problem(scope.get("path", ""))).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 431,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The listener's part of uvicorn's configuration: h11, with its buffer bounded."""
    return {
        "http": "h11",
        "h11_max_incomplete_event_size": settings.max_header_bytes,
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
        proxy_headers=False,
        server_header=False,
        **uvicorn_options(settings),
    )
