from __future__ import annotations

import ipaddress

from fastapi import APIRouter, Request
from sqlalchemy import text
from starlette.responses import JSONResponse, Response

from docspace_oauth.errors import Forbidden, ServiceUnavailable, Unauthenticated
from docspace_oauth.ops.metrics import render
from docspace_oauth.ops.middleware import client_ip
from docspace_oauth.runtime import RuntimeDep
from docspace_oauth.security.hashing import same_secret
from docspace_oauth.settings import Settings

router = APIRouter(tags=["operations"])


@router.get("/health", summary="Liveness: the process answers", response_model=dict[str, str])
async def health(request: Request) -> Response:
    del request  # a direct route (api.direct_routes) takes the request, used or not
    return JSONResponse({"status": "ok"})


@router.get(
    "/ready",
    summary="Readiness: the database answers",
    responses={503: {"description": "The database is unreachable"}},
)
async def ready(runtime: RuntimeDep) -> dict[str, str]:
    try:
        async with runtime.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database means "not ready"
        raise ServiceUnavailable("The database is unreachable.") from exc
    return {"status": "ready", "database": runtime.engine.dialect.name}


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _admit_scraper(request: Request, settings: Settings) -> None:
    """Per-route counts and timings tell an attacker what is used and what is slow, so they
    are not public: with DOCSPACE_OAUTH_METRICS_TOKEN set, only a request bearing it reads
    them; without it, only this machine does (loopback), and in production nobody."""
    token = settings.metrics_token
    if token:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not same_secret(token, value.strip()):
            raise Unauthenticated("Send the metrics token: Authorization: Bearer <token>.")
        return
    if settings.production:
        raise Forbidden("Metrics are off: set DOCSPACE_OAUTH_METRICS_TOKEN to read them.")
    if not _loopback(client_ip(request)):
        raise Forbidden("Metrics are readable from this machine only, or with a token.")


@router.get(
    "/metrics",
    summary="Prometheus metrics (with the metrics token, or from loopback in development)",
    response_class=Response,
    responses={403: {"description": "No metrics token, or the wrong one"}},
)
async def metrics(request: Request, runtime: RuntimeDep) -> Response:
    _admit_scraper(request, runtime.settings)
    body, content_type = render()
    return Response(body, media_type=content_type)
