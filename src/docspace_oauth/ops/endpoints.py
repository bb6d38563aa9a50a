from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text
from starlette.responses import JSONResponse, Response

from docspace_oauth.errors import ServiceUnavailable
from docspace_oauth.ops.metrics import render
from docspace_oauth.runtime import RuntimeDep

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


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics() -> Response:
    body, content_type = render()
    return Response(body, media_type=content_type)
