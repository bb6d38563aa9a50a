"""Headers a response owes whatever produced it: set here, added at the edge.

A dependency that learns something every answer must carry (the rate limit's budget) owes it
to the response rather than setting it on FastAPI's injected `Response`: that one is dropped
when an endpoint returns a Response of its own, and when an error is rendered instead. The
edge middleware (ops.middleware) adds what is owed to whatever response leaves the app,
success or problem, so no route can forget.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import HTTPConnection
from starlette.types import Scope

_OWED = "docspace_oauth.owed_headers"


def owe(request: HTTPConnection, headers: Mapping[str, str]) -> None:
    request.scope.setdefault(_OWED, {}).update(headers)


def owed(scope: Scope) -> list[tuple[bytes, bytes]]:
    headers: dict[str, str] | None = scope.get(_OWED)
    if not headers:
        return []
    return [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    ]
