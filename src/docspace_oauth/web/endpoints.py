"""The server's front door: `/` leads to the console, `/docs` is the API reference.

`/docs` is Swagger UI served from this process (the files come with the `fastapi-swagger`
package, which tracks Swagger UI's releases), so the reference works offline and behind a
firewall, unlike FastAPI's default page, which loads Swagger UI from a CDN.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from docspace_oauth.oauth2.browser import CONSOLE_PATH
from docspace_oauth.web import STATIC_PATH, page_headers, templates

SWAGGER_PATH = "/static/swagger-ui"
SWAGGER_PACKAGE = ("fastapi_swagger", "resources")

router = APIRouter(include_in_schema=False)


@router.get("/")
async def front_door() -> Response:
    return RedirectResponse(CONSOLE_PATH, status_code=303)


@router.get("/docs")
async def api_reference(request: Request) -> Response:
    root = request.scope.get("root_path", "")
    headers = page_headers(scripts=True)
    # Swagger UI sets style attributes as it renders, and fetches the schema (and, on "Try it
    # out", the API) from this origin; nothing else is allowed.
    headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    return templates.TemplateResponse(
        request,
        "api_docs.html",
        {
            "static": f"{root}{STATIC_PATH}",
            "swagger": f"{root}{SWAGGER_PATH}",
            "openapi_url": f"{root}/openapi.json",
        },
        headers=headers,
    )
