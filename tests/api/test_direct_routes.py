"""Direct routes serve FastAPI's own endpoints by a dict lookup; they refuse what they
could not serve as declared."""

from __future__ import annotations

import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from starlette.responses import JSONResponse, Response

from docspace_oauth.api.direct_routes import DirectRoutes
from docspace_oauth.errors import BadRequest, install_error_handlers


def _app(*paths: str) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(DirectRoutes, fastapi=app, paths=paths)

    @app.post("/echo")
    async def echo(request: Request) -> Response:
        body = await request.body()
        if not body:
            raise BadRequest("Send a body.")
        return JSONResponse({"got": body.decode()})

    async def needs_something() -> None:
        return None

    @app.get("/guarded", dependencies=[Depends(needs_something)])
    async def guarded(request: Request) -> Response:
        return JSONResponse({})

    return app


async def _post(app: FastAPI, path: str, body: bytes) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post(path, content=body)


async def test_a_direct_route_answers_as_fastapi_would_errors_included() -> None:
    direct, routed = _app("/echo"), _app()
    for body in (b"hello", b""):
        ours, theirs = await _post(direct, "/echo", body), await _post(routed, "/echo", body)
        assert (ours.status_code, ours.json()) == (theirs.status_code, theirs.json())
        assert ours.headers["content-type"] == theirs.headers["content-type"]
    assert (await _post(direct, "/echo", b"")).status_code == 400


async def test_a_route_with_dependencies_cannot_be_direct() -> None:
    with pytest.raises(TypeError, match="no dependencies"):
        await _post(_app("/guarded"), "/guarded", b"")


async def test_an_unknown_path_is_refused_at_once() -> None:
    with pytest.raises(LookupError, match="/nowhere"):
        await _post(_app("/nowhere"), "/echo", b"x")
