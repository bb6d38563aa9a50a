"""The application factory: one FastAPI app, its lifespan, middleware and routers."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.staticfiles import StaticFiles

from docspace_oauth import __version__
from docspace_oauth.api.body_limit import BodyLimitMiddleware
from docspace_oauth.api.direct_routes import DirectRoutes
from docspace_oauth.api.openapi import complete_openapi
from docspace_oauth.audit import endpoints as audit
from docspace_oauth.clients import endpoints as clients
from docspace_oauth.consents import endpoints as consents
from docspace_oauth.console import endpoints as console
from docspace_oauth.console import sessions as console_sessions
from docspace_oauth.db.direct import open_direct
from docspace_oauth.db.engine import create_engine, session_factory
from docspace_oauth.db.migrate import upgrade
from docspace_oauth.errors import install_error_handlers
from docspace_oauth.janitor.periodic import periodic_prune
from docspace_oauth.oauth2 import device_pages
from docspace_oauth.oauth2 import endpoints as oauth2
from docspace_oauth.oauth2 import logout_endpoints as logout
from docspace_oauth.oauth2.state import open_auth_server
from docspace_oauth.ops import endpoints as ops
from docspace_oauth.ops.listener import HeaderLimits
from docspace_oauth.ops.middleware import RequestContextMiddleware
from docspace_oauth.ratelimit.limiter import build_limiter
from docspace_oauth.registration import endpoints as registration
from docspace_oauth.resources import endpoints as resources
from docspace_oauth.runtime import Runtime
from docspace_oauth.scopes import endpoints as scopes
from docspace_oauth.security.server_keys import load_server_keys
from docspace_oauth.sessions import endpoints as sessions
from docspace_oauth.sessions.delivery import backchannel_sender
from docspace_oauth.settings import Settings, get_settings
from docspace_oauth.web import STATIC_DIR, STATIC_PATH
from docspace_oauth.web import endpoints as web

CLIENT_BASES = ("/api/2.0/clients", "/api/2.0/oauth2/clients")
# Served by a dict lookup ahead of FastAPI's router (see api.direct_routes).
DIRECT_PATHS = ("/oauth2/token", "/oauth2/introspect", "/oauth2/revoke", "/health")

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "reason": {
            "type": "string",
            "description": "The detail again, as DocSpace's ErrorResponse names it.",
        },
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "code": {
                        "type": "string",
                        "description": "ErrorName, EmptyFieldError, ErrorWrongURL, "
                        "ErrorPattern or ErrorInvalidScope",
                    },
                    "message": {"type": "string"},
                },
            },
        },
    },
}


async def open_runtime(settings: Settings) -> Runtime:
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    sessions = session_factory(engine)
    async with sessions() as session:
        keys = await load_server_keys(session, settings)
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        keys=keys,
        limiter=build_limiter(settings.rate_limit_enabled, settings.redis_url),
        direct=await open_direct(settings.database_url),
    )


async def close_runtime(runtime: Runtime) -> None:
    await runtime.limiter.close()
    await runtime.direct.close()
    await runtime.engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await open_runtime(settings)
        app.state.runtime = runtime
        app.state.oauth2 = await open_auth_server(runtime)
        # What start-up built (routes, models, compiled statements) lives as long as the
        # process: keep it out of the collector's generations, whose full passes over it
        # were the longest pauses under load.
        gc.collect()
        gc.freeze()
        try:
            async with periodic_prune(runtime), backchannel_sender(app.state.oauth2):
                yield
        finally:
            await close_runtime(runtime)

    app = FastAPI(
        title="docspace-oauth",
        version=__version__,
        description="OAuth 2.0 / OpenID Connect server speaking the ONLYOFFICE DocSpace "
        "client-management contract. Errors are RFC 9457 problem details.",
        lifespan=lifespan,
        # Our own /docs (web.endpoints) serves Swagger UI from this process; FastAPI's loads it
        # from a CDN, and ReDoc has no offline copy.
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    app.add_middleware(DirectRoutes, fastapi=app, paths=DIRECT_PATHS)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        HeaderLimits,
        max_bytes=settings.max_header_bytes,
        max_count=settings.max_header_count,
    )
    # Outermost, so that even a refused body gets a request id, a log line and a sample.
    app.add_middleware(RequestContextMiddleware)

    # FastAPI tries routes in order, at a few microseconds each: the most called first. The
    # protocol's hot endpoints are direct routes (above), so the management API leads.
    for index, base in enumerate(CLIENT_BASES):
        alias = index > 0
        # The literal sub-paths (/consents, /info, /tenant) are registered before
        # /{client_id} so they are never taken for an id.
        app.include_router(consents.build_router(base, alias=alias))
        app.include_router(clients.build_public_router(base, alias=alias))
        app.include_router(clients.build_router(base, alias=alias))
    app.include_router(ops.router)
    app.include_router(oauth2.router)
    app.include_router(registration.router)
    app.include_router(registration.admin_router)
    app.include_router(resources.router)
    app.include_router(resources.admin_router)
    app.include_router(device_pages.router)
    app.include_router(logout.router)
    app.include_router(scopes.router)
    app.include_router(audit.router)
    app.include_router(sessions.router)
    app.include_router(console_sessions.router)  # before the console's catch-all
    app.include_router(console.router)
    app.include_router(web.router)
    # Before /static, which would otherwise take these paths and answer 404.
    app.mount(web.SWAGGER_PATH, StaticFiles(packages=[web.SWAGGER_PACKAGE]), name="swagger-ui")
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="static")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = (
                PROBLEM_SCHEMA
            )
            app.openapi_schema = complete_openapi(schema, app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
