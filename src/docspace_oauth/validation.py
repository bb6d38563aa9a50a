"""Validators for the contract's fields, and the mapping of failures to its error codes.

Pydantic does the parsing so that the OpenAPI document states the same limits the server
enforces; this module names the failures the way DocSpace does (ErrorName, EmptyFieldError,
ErrorWrongURL, ErrorPattern, ErrorInvalidScope).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from pydantic_core import PydanticCustomError

from docspace_oauth.errors import FieldError

ERROR_NAME = "ErrorName"
EMPTY_FIELD = "EmptyFieldError"
WRONG_URL = "ErrorWrongURL"
PATTERN = "ErrorPattern"
INVALID_SCOPE = "ErrorInvalidScope"
CONTRACT_CODES = frozenset({ERROR_NAME, EMPTY_FIELD, WRONG_URL, PATTERN, INVALID_SCOPE})

URL_FIELDS = frozenset(
    {
        "website_url",
        "terms_url",
        "policy_url",
        "logout_redirect_uri",
        "redirect_uris",
        "allowed_origins",
    }
)
MAX_URL_LENGTH = 2048
MAX_LOGO_BYTES = 256_000
LOGO_PREFIX = re.compile(r"^data:image/(png|jpeg|jpg|svg\+xml);base64,")
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


def _wrong_url(message: str) -> PydanticCustomError:
    return PydanticCustomError(WRONG_URL, message)


def _split_http_url(value: str) -> Any:
    if len(value) > MAX_URL_LENGTH:
        raise _wrong_url(f"URL longer than {MAX_URL_LENGTH} characters")
    if _CONTROL_OR_SPACE.search(value):
        raise _wrong_url("URL contains spaces or control characters")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise _wrong_url("not a valid URL") from exc
    del port
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise _wrong_url("must be an absolute http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise _wrong_url("URL must not carry credentials")
    return parts


def http_url(value: str) -> str:
    """An absolute http(s) URL; the empty string means "not given" for optional links."""
    if value == "":
        return value
    _split_http_url(value)
    return value


def redirect_uri(value: str) -> str:
    parts = _split_http_url(value)
    if parts.fragment or value.endswith("#"):
        # RFC 6749 3.1.2: the redirection endpoint URI MUST NOT include a fragment.
        raise _wrong_url("redirect URI must not contain a fragment")
    return value


def origin(value: str) -> str:
    parts = _split_http_url(value)
    if parts.path not in {"", "/"} or parts.query or parts.fragment or value.endswith(("?", "#")):
        raise _wrong_url("an origin is scheme://host[:port] with no path, query or fragment")
    return value.rstrip("/")


def logo(value: str) -> str:
    if value == "":
        return value
    match = LOGO_PREFIX.match(value)
    if match is None:
        raise PydanticCustomError(
            PATTERN, "logo must be a data URI: data:image/(png|jpeg|jpg|svg+xml);base64,..."
        )
    payload = value[match.end() :]
    if len(payload) > (MAX_LOGO_BYTES + 2) // 3 * 4 + 4:
        raise PydanticCustomError(PATTERN, f"logo is larger than {MAX_LOGO_BYTES} bytes")
    try:
        decoded = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PydanticCustomError(PATTERN, "logo is not valid base64") from exc
    if not decoded:
        raise PydanticCustomError(PATTERN, "logo is empty")
    if len(decoded) > MAX_LOGO_BYTES:
        raise PydanticCustomError(PATTERN, f"logo is larger than {MAX_LOGO_BYTES} bytes")
    return value


def unique(values: Iterable[str]) -> list[str]:
    """Order-preserving de-duplication: repeating an entry is not an error, storing it twice is."""
    return list(dict.fromkeys(values))


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, list | tuple | dict):
        return len(value) == 0
    return False


def _code_for(field: str, error_type: str, value: Any) -> str:
    if error_type in CONTRACT_CODES:
        return error_type
    if error_type == "missing" or (_is_empty(value) and "too_short" in error_type):
        return EMPTY_FIELD
    if field == "name":
        return ERROR_NAME
    if field in URL_FIELDS and error_type not in {"too_long", "list_type"}:
        return WRONG_URL
    if field == "scopes":
        return INVALID_SCOPE
    return PATTERN


def _field_name(loc: Sequence[Any]) -> str:
    # loc is ("body", "redirect_uris", 3) or ("query", "limit"); the contract names fields
    # by their snake_case name alone.
    names = [
        str(part)
        for part in loc
        if isinstance(part, str) and part not in {"body", "query", "path", "header", "cookie"}
    ]
    return names[0] if names else "body"


def field_errors_from_pydantic(errors: Iterable[Any]) -> list[FieldError]:
    result: list[FieldError] = []
    seen: set[tuple[str, str, str]] = set()
    for err in errors:
        field = _field_name(err.get("loc", ()))
        code = _code_for(field, str(err.get("type", "")), err.get("input"))
        message = str(err.get("msg", "invalid value"))
        if code == EMPTY_FIELD:
            message = f"{field} is required"
        key = (field, code, message)
        if key not in seen:
            seen.add(key)
            result.append(FieldError(field, code, message))
    return result
