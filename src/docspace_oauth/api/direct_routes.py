"""Exact-path routes answered before FastAPI's router.

FastAPI matches a request against its registered routes one by one, through every included
router, at about 2.5 µs a route: with some seventy routes that is up to 0.2 ms before an
endpoint runs, more than the whole of a token request's own work. The endpoints that clients
and resource servers call on every API request (token, introspection, revocation) and the
health probe are looked up here in a dict by (method, path) instead.

They are the very endpoint functions FastAPI registered (and documents in the OpenAPI
document), taken from the app's own routes; only the dispatch differs. Such an endpoint takes
the request alone (no dependencies) and returns a Response; its errors are rendered by the
app's own exception handlers, so every answer is the one FastAPI would have given.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

Endpoint = Callable[[Request], Awaitable[Response]]


class DirectRoutes:
    def __init__(self, app: ASGIApp, fastapi: FastAPI, paths: Iterable[str]) -> None:
        self.app = app
        self._fastapi = fastapi
        self._paths = frozenset(paths)
        self._table: dict[tuple[str, str], tuple[APIRoute, Endpoint]] | None = None

    def _build(self) -> dict[tuple[str, str], tuple[APIRoute, Endpoint]]:
        table: dict[tuple[str, str], tuple[APIRoute, Endpoint]] = {}
        for route in _api_routes(self._fastapi.routes):
            if route.path not in self._paths:
                continue
            if route.dependencies:
                raise TypeError(f"{route.path}: a direct route has no dependencies")
            parameters = list(inspect.signature(route.endpoint).parameters.values())
            if len(parameters) != 1 or parameters[0].annotation not in (Request, "Request"):
                raise TypeError(f"{route.path}: a direct route takes the request alone")
            for method in route.methods or ():
                table[(method, route.path)] = (route, route.endpoint)
        missing = self._paths - {path for _, path in table}
        if missing:
            raise LookupError(f"no such routes: {sorted(missing)}")
        return table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._table is None and scope["type"] in ("http", "lifespan"):
            # At start-up, so that a route that cannot be direct stops the server there.
            self._table = self._build()
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        assert self._table is not None
        found = self._table.get((scope["method"], scope["path"]))
        if found is None:
            await self.app(scope, receive, send)
            return
        route, endpoint = found
        scope["route"] = route  # for the access log and metrics, as FastAPI would set it
        request = Request(scope, receive, send)
        try:
            response = await endpoint(request)
        except Exception as exc:
            response = await self._render(request, exc)
        await response(scope, receive, send)

    async def _render(self, request: Request, exc: Exception) -> Response:
        handlers = self._fastapi.exception_handlers
        for cls in type(exc).__mro__:
            handler = handlers.get(cls)
            if handler is not None:
                response = handler(request, exc)
                if inspect.isawaitable(response):
                    response = await response
                assert isinstance(response, Response)
                return response
        raise exc


def _api_routes(routes: Iterable[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, including those of included routers (which FastAPI keeps as nodes of
    their own). Routers included with a prefix or dependencies are not walked into: their
    routes could not be served as declared."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
            continue
        router = getattr(route, "original_router", None)
        context = getattr(route, "include_context", None)
        if router is None or context is None:
            continue
        if getattr(context, "prefix", "") or getattr(context, "dependencies", None):
            continue
        yield from _api_routes(router.routes)
