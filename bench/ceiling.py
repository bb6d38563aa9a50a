"""The ceiling: a bare Starlette endpoint returning small JSON, on the server's own stack.

bench/run.py serves it exactly as `docspace-oauth serve` serves the app (uvicorn, the same
worker count, uvloop and httptools, no access log, no server header), so the ratio of a
scenario to this says how much of the framework's best the service keeps.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def ceiling(request: Request) -> JSONResponse:
    return JSONResponse({"active": True, "scope": "files:read", "client_id": "ceiling"})


app = Starlette(routes=[Route("/ceiling", ceiling, methods=["GET"])])
