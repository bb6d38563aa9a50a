"""What the OpenAPI document says the JSON protocol endpoints answer (token, introspection,
revocation, userinfo, device authorization, dynamic registration): each status, its body
and its headers. Errors are RFC 6749 JSON (OAuth2ErrorResponse, application/json; RFC 7591
and RFC 8628 use the same shape); a body over the size limit is a 413 problem (added by
api.openapi for every operation with a request body). The pages for people are page_docs'.
"""

from __future__ import annotations

from typing import Any

from docspace_oauth.oauth2.schemas import OAuth2ErrorResponse

Responses = dict[int | str, dict[str, Any]]


def header(description: str, pattern: str, *, required: bool = True) -> dict[str, Any]:
    return {
        "description": description,
        "required": required,
        "schema": {"type": "string", "pattern": pattern},
    }


# Every protocol error, and every answer carrying a token or a secret (errors.NO_STORE).
NO_STORE_HEADERS = {
    "Cache-Control": header("Never cached", "^no-store$"),
    "Pragma": header("Never cached (HTTP/1.0 caches)", "^no-cache$"),
}


def error(description: str, **headers: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": OAuth2ErrorResponse,
        "description": description,
        "headers": {**NO_STORE_HEADERS, **headers},
    }


BASIC_CHALLENGE = header("A Basic challenge (RFC 6749 section 5.2)", "^Basic ")
BEARER_CHALLENGE = header(
    "A Bearer challenge, with the error when a token was sent (RFC 6750 section 3)", "^Bearer "
)
RETRY_AFTER = header("Seconds until the block ends", "^[1-9][0-9]*$")
CLIENT_ERRORS: Responses = {
    400: error(
        "invalid_request (not form-encoded, a parameter missing or repeated, two client "
        "authentication methods), invalid_grant, unauthorized_client, "
        "unsupported_grant_type, invalid_scope or invalid_target"
    ),
    401: error(
        "invalid_client: no, unknown or wrong client credentials",
        **{"WWW-Authenticate": BASIC_CHALLENGE},
    ),
    429: error(
        "invalid_client, after too many failed authentications of this client_id from "
        "this address; even the right secret waits",
        **{"Retry-After": RETRY_AFTER},
    ),
}


def ok(description: str, cache_control: str = "^no-store$") -> dict[str, Any]:
    cache = header("Tokens and user data: no-store; keys and metadata: public", cache_control)
    return {"description": description, "headers": {"Cache-Control": cache}}


def no_store_ok(description: str) -> dict[str, Any]:
    """An answer with a secret in it, or about one: neither it nor its absence is cached."""
    return {"description": description, "headers": dict(NO_STORE_HEADERS)}
