"""Make the OpenAPI document say what the server does, derived from each route's dependencies.

FastAPI documents a 422 for every route with parameters; this server answers validation
failures with 400 problem details instead. The statuses that come from shared dependencies
(403 from the caller, 429 from the rate limit, 415 from the JSON check, 413 from the body
limit, for a body FastAPI parses or one a route declares in `openapi_extra`, like the OAuth
forms) and the credentials a route takes are not in the routes' own declarations either.
The security schemes named anywhere (the API's, and the OAuth client's Basic credentials and
bearer tokens that the OAuth routes name themselves) are added to the components.
Deriving them here keeps every route, present and future, documented truthfully: the fuzz
tests in tests/hardening hold the server to this document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi import routing

from docspace_oauth.api.dependencies import require_json
from docspace_oauth.callers.credentials import AUTH_COOKIE, SIGNATURE
from docspace_oauth.callers.dependencies import current_caller, optional_caller
from docspace_oauth.errors import PROBLEM_JSON
from docspace_oauth.oauth2.schemas import SECURITY_SCHEMES as OAUTH2_SECURITY_SCHEMES
from docspace_oauth.ratelimit.dependencies import enforce_rate_limit

# The contract's asc_auth_key (an API key in the Authorization header, bare or as a bearer
# token, or in a cookie) and DocSpace's x-signature JWT (header or cookie).
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "asc_auth_key": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "An API key, bare or as `Bearer <key>`.",
    },
    "asc_auth_key_cookie": {"type": "apiKey", "in": "cookie", "name": AUTH_COOKIE},
    "x_signature": {
        "type": "apiKey",
        "in": "header",
        "name": SIGNATURE,
        "description": "A DocSpace portal's HS256 x-signature JWT.",
    },
    "x_signature_cookie": {"type": "apiKey", "in": "cookie", "name": SIGNATURE},
}
_ANY_CREDENTIAL: list[dict[str, list[str]]] = [{name: []} for name in SECURITY_SCHEMES]

_DESCRIPTIONS = {
    400: "Invalid request (problem details, with field errors for validation failures)",
    403: "Missing, invalid or expired credentials, or a role this route does not admit",
    413: "Request body too large",
    415: "Request body is not JSON",
    429: "Rate limit exceeded",
}


def _problem(status: int) -> dict[str, Any]:
    return {
        "description": _DESCRIPTIONS[status],
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def problem_response(description: str) -> dict[str, Any]:
    """A route's own problem answer (a 404, a 409), for its `responses=`."""
    return {
        "description": f"Problem details (RFC 9457): {description}",
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _calls(dependant: Any) -> Iterator[Callable[..., Any]]:
    call = getattr(dependant, "call", None)
    if call is not None:
        yield call
    for sub in getattr(dependant, "dependencies", ()):
        yield from _calls(sub)


def _api_routes(routes: Iterable[Any]) -> Iterator[Any]:
    """Every API route with its effective dependencies (router-level ones included)."""
    iter_route_contexts = getattr(routing, "iter_route_contexts", None)
    if iter_route_contexts is None:  # FastAPI without route contexts: routes are flat
        yield from (r for r in routes if isinstance(r, routing.APIRoute))
        return
    for context in iter_route_contexts(list(routes)):
        if isinstance(context.original_route, routing.APIRoute):
            yield context


def complete_openapi(schema: dict[str, Any], routes: Iterable[Any]) -> dict[str, Any]:
    paths: dict[str, Any] = schema.get("paths", {})
    schemes_used: set[str] = set()
    for route in _api_routes(routes):
        if not route.include_in_schema or route.path_format not in paths:
            continue
        calls = set(_calls(route.dependant))
        for method in route.methods:
            operation = paths[route.path_format].get(method.lower())
            if operation is None:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            added: list[int] = []
            if responses.pop("422", None) is not None:
                added.append(400)
            if current_caller in calls:
                operation.setdefault("security", _ANY_CREDENTIAL)
                added.append(403)
            elif optional_caller in calls:
                # Anonymous is fine, but a credential that is present and wrong is refused.
                operation.setdefault("security", [{}, *_ANY_CREDENTIAL])
                added.append(403)
            if enforce_rate_limit in calls:
                added.append(429)
            if require_json in calls:
                added.append(415)
            # A body the route reads itself (the OAuth forms) is declared in openapi_extra.
            if route.body_field is not None or "requestBody" in operation:
                added.append(413)
            for status in added:
                responses.setdefault(str(status), _problem(status))
            if "security" in operation:
                schemes_used.update(name for option in operation["security"] for name in option)
    components: dict[str, Any] = schema.setdefault("components", {})
    known = {**SECURITY_SCHEMES, **OAUTH2_SECURITY_SCHEMES}
    if schemes_used:
        # The API's credentials (a route may also name the OAuth client's or bearer's).
        components.setdefault("securitySchemes", {}).update(
            {name: known[name] for name in sorted(schemes_used)}
        )
    _drop_unreferenced(components.get("schemas", {}), schema)
    return schema


def _drop_unreferenced(schemas: dict[str, Any], document: dict[str, Any]) -> None:
    """FastAPI's 422 models, once no response names them."""
    referenced = repr(document.get("paths", {}))
    if "#/components/schemas/HTTPValidationError'" not in referenced:
        schemas.pop("HTTPValidationError", None)
        if "#/components/schemas/ValidationError'" not in referenced:
            schemas.pop("ValidationError", None)
