"""The edge of every request: an id (taken from X-Request-ID when sane, else made), the
headers every response owes (api.response_headers), a metrics sample and one structured log
line; and the one reading of the client's address."""

from __future__ import annotations

import logging
import re
import time
import uuid
from functools import lru_cache
from typing import Any

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docspace_oauth.api.response_headers import owed
from docspace_oauth.ops.logging import request_id
from docspace_oauth.ops.metrics import LATENCY, REQUESTS

logger = logging.getLogger("docspace_oauth.access")
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def client_ip(request: HTTPConnection) -> str:
    return client_address(request.scope)


def client_address(scope: Scope) -> str:
    """The address throttles, rate limits, the audit trail and the logs key on: the peer's,
    or, from a trusted proxy, the client X-Forwarded-For names (the listener rewrote the
    scope before the application ran: ops/listener.py)."""
    client = scope.get("client")
    return str(client[0]) if client else "-"


@lru_cache(maxsize=4096)
def _samples(route: str, method: str, status: int) -> tuple[Any, Any]:
    # labels() takes a lock and builds its key on every call; the children never change.
    # Bounded: routes are templates and statuses few, but methods come from the client.
    return (
        REQUESTS.labels(route=route, method=method, status=str(status)),
        LATENCY.labels(route=route, method=method),
    )


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next(
            (v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"x-request-id"),
            "",
        )
        rid = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                extra = [*owed(scope), (b"x-request-id", rid.encode())]
                replaced = {name for name, _ in extra}
                message["headers"] = [
                    *(h for h in message.get("headers", []) if h[0].lower() not in replaced),
                    *extra,
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            # The template, not the path: ids in paths would make unbounded label sets.
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            counter, histogram = _samples(template, method, status)
            counter.inc()
            histogram.observe(elapsed)
            logger.info(
                "%s %s %s",
                method,
                template,
                status,
                extra={
                    "method": method,
                    "route": template,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 3),
                    "client": client_address(scope),
                },
            )
            request_id.reset(token)
