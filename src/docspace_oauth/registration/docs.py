"""What the OpenAPI document says of dynamic registration's protocol routes (RFC 7591 and
RFC 7592): the metadata they take, and every answer, in the protocol's own JSON errors
(oauth2.answer_docs), so the fuzzer in tests/hardening holds them to it."""

from __future__ import annotations

from typing import Any

from docspace_oauth.errors import PROBLEM_JSON
from docspace_oauth.oauth2.answer_docs import (
    BEARER_CHALLENGE,
    NO_STORE_HEADERS,
    RETRY_AFTER,
    Responses,
    error,
    no_store_ok,
)
from docspace_oauth.oauth2.schemas import REGISTRATION_BEARER

_TEXT: dict[str, Any] = {"type": "string"}
_TEXTS: dict[str, Any] = {"type": "array", "items": _TEXT}
# Described, not validated here (registration.schemas does, with invalid_client_metadata):
# each field's type is what the server checks before anything else.
METADATA_BODY: dict[str, Any] = {
    "required": True,
    "description": "RFC 7591 client metadata, a JSON object; unknown members are ignored.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "redirect_uris": {**_TEXTS, "description": "At least one."},
                    "client_name": _TEXT,
                    "grant_types": {
                        **_TEXTS,
                        "description": "authorization_code (required) and refresh_token.",
                    },
                    "response_types": {**_TEXTS, "description": "code only."},
                    "token_endpoint_auth_method": {
                        "type": "string",
                        "enum": ["client_secret_basic", "client_secret_post", "none"],
                        "description": "none: a public PKCE client (the only kind an open "
                        "policy takes without an initial access token).",
                    },
                    "application_type": {"type": "string", "enum": ["web", "native"]},
                    "scope": {**_TEXT, "description": "Space-separated."},
                    "client_uri": _TEXT,
                    "policy_uri": _TEXT,
                    "tos_uri": _TEXT,
                    "logo_uri": _TEXT,
                    "post_logout_redirect_uris": {**_TEXTS, "description": "At most one."},
                    "client_id": {
                        **_TEXT,
                        "description": "RFC 7592 replace: the registration's own, if sent.",
                    },
                },
            }
        }
    },
}
_INVALID_METADATA = error(
    "invalid_client_metadata (a field of the wrong type, a value we cannot honour, a body "
    "that is not a JSON object) or invalid_redirect_uri (RFC 7591 section 3.2.2)"
)
_BAD_TOKEN = error(
    "invalid_token: no registration access token, or one that is not this client's; a "
    "client that does not exist answers alike",
    **{"WWW-Authenticate": BEARER_CHALLENGE},
)
_REGISTERED = no_store_ok("The client as registered, with its registration access token")
REGISTER: Responses = {
    201: _REGISTERED,
    400: _INVALID_METADATA,
    401: error(
        "invalid_token: an initial access token that is invalid, expired, used up or for "
        "another tenant; or none where the tenant's policy is not open",
        **{"WWW-Authenticate": BEARER_CHALLENGE},
    ),
    403: error(
        "access_denied: registration is closed for this tenant, or it has as many "
        "self-registered clients as it accepts"
    ),
    429: error(
        "invalid_request: too many open registrations from this address",
        **{"Retry-After": RETRY_AFTER},
    ),
}
# /oauth2/tenants/{tenant_id}/register: a tenant id that is not one is refused before the
# metadata is read, as the API refuses a bad parameter (problem details).
_PROBLEM = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
# Those problem details carry no Cache-Control: they hold nothing secret.
_MAYBE_NO_STORE = {name: {**h, "required": False} for name, h in NO_STORE_HEADERS.items()}
REGISTER_IN_TENANT: Responses = {
    **REGISTER,
    400: {
        **_INVALID_METADATA,
        "content": _PROBLEM,
        "headers": _MAYBE_NO_STORE,
        "description": f"{_INVALID_METADATA['description']}; or (problem details) a "
        "tenant_id that is not a positive 32-bit integer",
    },
}
READ: Responses = {200: no_store_ok("The registration"), 401: _BAD_TOKEN}
REPLACE: Responses = {200: no_store_ok("The registration as replaced"), 400: _INVALID_METADATA,
                      401: _BAD_TOKEN}  # fmt: skip
DELETE: Responses = {204: no_store_ok("Deleted, and every token it held"), 401: _BAD_TOKEN}
REGISTER_SECURITY: list[dict[str, list[str]]] = [{REGISTRATION_BEARER: []}, {}]
MANAGE_SECURITY: list[dict[str, list[str]]] = [{REGISTRATION_BEARER: []}]
