"""Validators for the contract's fields, and the mapping of failures to its error codes.

Pydantic does the parsing so that the OpenAPI document states the same limits the server
enforces; this module names the failures the way DocSpace does (ErrorName, EmptyFieldError,
ErrorWrongURL, ErrorPattern, ErrorInvalidScope).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

import ada_url
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from docspace_oauth import parsing
from docspace_oauth.errors import FieldError

ERROR_NAME = "ErrorName"
EMPTY_FIELD = "EmptyFieldError"
WRONG_URL = "ErrorWrongURL"
PATTERN = "ErrorPattern"
INVALID_SCOPE = "ErrorInvalidScope"
CONTRACT_CODES = frozenset({ERROR_NAME, EMPTY_FIELD, WRONG_URL, PATTERN, INVALID_SCOPE})

COLLECTION_FIELDS = frozenset({"redirect_uris", "allowed_origins"})
URL_FIELDS = frozenset(
    {"website_url", "terms_url", "policy_url", "logout_redirect_uri", *COLLECTION_FIELDS}
)
# The kinds of failure our own validators raise (as the PydanticCustomError's type), which
# FIELD_MESSAGES words; the code follows from the field (see _code_for).
EMPTY = "empty"
SIZE = "size"
INVALID = "invalid"
TOO_BIG = "too_big"
KINDS = frozenset({EMPTY, SIZE, INVALID, TOO_BIG})
MAX_URL_LENGTH = 2048
MAX_LOGO_BYTES = 256_000
LOGO_PREFIX = re.compile(r"^data:image/(png|jpeg|jpg|svg\+xml);base64,")
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


def _wrong_url(message: str) -> PydanticCustomError:
    return PydanticCustomError(INVALID, message)


@dataclass(frozen=True, slots=True)
class WebUrl:
    """A URL as a browser reads it (the WHATWG URL Standard): what a person is sent to."""

    scheme: str  # "http" or "https"
    host: str  # lowercase; an IPv6 address in brackets
    port: int  # the effective port, the default one when none is given
    path: str
    query: str  # without the "?"
    fragment: str  # without the "#"
    userinfo: bool  # a user name or password before the host

    @property
    def origin(self) -> str:
        default = _DEFAULT_PORTS[self.scheme]
        return f"{self.scheme}://{self.host}" + (f":{self.port}" if self.port != default else "")

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host.strip("[]")).is_loopback
        except ValueError:
            return False


_DEFAULT_PORTS = {"http": 80, "https": 443}


def browser_url(value: str) -> WebUrl | None:
    """The WHATWG reading of an http(s) URL, the one Chromium, Firefox and Node use (ada is
    Node's parser); None where a browser would not open it as one."""
    try:
        parsed = ada_url.parse_url(value)
    except (ValueError, UnicodeError):
        return None
    scheme = parsed["protocol"].removesuffix(":")
    if scheme not in _DEFAULT_PORTS or not parsed["hostname"]:
        return None
    port = parsed["port"]
    return WebUrl(
        scheme=scheme,
        host=parsed["hostname"],
        port=int(port) if port else _DEFAULT_PORTS[scheme],
        path=parsed["pathname"],
        query=parsed["search"].removeprefix("?"),
        fragment=parsed["hash"].removeprefix("#"),
        userinfo=bool(parsed["username"] or parsed["password"]),
    )


def _python_url(value: str) -> WebUrl | None:
    """The reading of Python's urllib, which the rest of the server (and many a client)
    uses."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    return WebUrl(
        scheme=scheme,
        host=f"[{host}]" if ":" in host else host,
        port=_DEFAULT_PORTS[scheme] if port is None else port,
        path=parts.path or "/",
        query=parts.query,
        fragment=parts.fragment,
        userinfo=parts.username is not None or parts.password is not None,
    )


def read_url(value: str) -> WebUrl:
    """The one check every URL a client registers passes: an absolute http(s) URL that a
    browser and Python read alike (scheme, host, port, path, query and fragment) and that a
    browser would not rewrite. `https://evil.example\\.app.example.com/` (a browser goes to
    evil.example), `https://app/cb"><x` (a browser percent-encodes it), `https://app/a/../b`,
    `http://0x7f.1/` and non-ASCII hosts (write them as xn--) are all refused."""
    if len(value) > MAX_URL_LENGTH:
        raise _wrong_url(f"URL longer than {MAX_URL_LENGTH} characters")
    if _CONTROL_OR_SPACE.search(value):
        raise _wrong_url("URL contains spaces or control characters")
    if not value.isascii():
        raise _wrong_url("URL must be ASCII: percent-encode the rest, write hosts as xn--")
    ours = _python_url(value)
    if ours is None:
        raise _wrong_url("must be an absolute http(s) URL, with a port of at most 65535")
    if ours.userinfo:
        raise _wrong_url("URL must not carry credentials")
    browsers = browser_url(value)
    if browsers is None or browsers != ours:
        raise _wrong_url("browsers read this URL differently (write it as a browser shows it)")
    return browsers


def http_url(value: str) -> str:
    """An absolute http(s) URL (a client's links are all required, as DocSpace requires them)."""
    if value.strip() == "":
        raise PydanticCustomError(EMPTY, "must not be empty")
    read_url(value)
    return value


def redirect_uri(value: str) -> str:
    url = read_url(value)
    if url.fragment or value.endswith("#"):
        # RFC 6749 3.1.2: the redirection endpoint URI MUST NOT include a fragment.
        raise _wrong_url("redirect URI must not contain a fragment")
    if url.scheme == "http" and not url.is_loopback:
        # OAuth 2.1 / RFC 8252 8.3 and RFC 9700 2.6: a code sent over plain http can be read
        # on the way; only a loopback listener on the user's own machine may take it.
        raise _wrong_url("http is allowed only for loopback (127.0.0.1, [::1], localhost)")
    return value


def backchannel_logout_uri(value: str) -> str:
    """Back-Channel Logout 1.0 section 2.2: absolute, no fragment; "" for none. Over http
    only to loopback, as a redirect URI: the logout_token names the user's session."""
    return "" if value == "" else redirect_uri(value)


def origin(value: str) -> str:
    url = read_url(value)
    if url.path != "/" or url.query or url.fragment or value.endswith(("?", "#")):
        raise _wrong_url("an origin is scheme://host[:port] with no path, query or fragment")
    return value.rstrip("/")


def stored_text(value: str) -> str:
    """Free text a client stores (a name, a description): what both databases can hold."""
    if not parsing.storable(value):
        raise PydanticCustomError(INVALID, "must not contain a NUL character or a lone surrogate")
    return value


StoredText = Annotated[str, AfterValidator(stored_text)]


def logo(value: str) -> str:
    if value.strip() == "":
        raise PydanticCustomError(EMPTY, "must not be empty")
    match = LOGO_PREFIX.match(value)
    if match is None:
        raise PydanticCustomError(
            INVALID, "logo must be a data URI: data:image/(png|jpeg|jpg|svg+xml);base64,..."
        )
    payload = value[match.end() :]
    too_big = f"logo is larger than {MAX_LOGO_BYTES} bytes"
    if len(payload) > (MAX_LOGO_BYTES + 2) // 3 * 4 + 4:
        raise PydanticCustomError(TOO_BIG, too_big)
    try:
        decoded = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PydanticCustomError(INVALID, "logo is not valid base64") from exc
    if not decoded:
        raise PydanticCustomError(INVALID, "logo is empty")
    if len(decoded) > MAX_LOGO_BYTES:
        raise PydanticCustomError(TOO_BIG, too_big)
    return value


def unique(values: Iterable[str]) -> list[str]:
    """Order-preserving de-duplication: repeating an entry is not an error, storing it twice is."""
    return list(dict.fromkeys(values))


# DocSpace's own words for each failure, from its request DTOs' bean-validation messages
# (common/ASC.Identity, registration transfer classes); its test suites compare them verbatim.
# A failure of a kind not listed keeps pydantic's message.
@dataclass(frozen=True, slots=True)
class Messages:
    empty: str | None = None  # missing, null or blank: EmptyFieldError
    size: str | None = None  # a length or count out of bounds: ErrorName
    invalid: str | None = (
        None  # a malformed value: ErrorWrongURL / ErrorPattern / ErrorInvalidScope
    )
    too_big: str | None = None  # the logo's decoded size: ErrorPattern


def _url_messages(label: str) -> Messages:
    return Messages(
        empty=f"{label} must not be empty", invalid=f"{label} is expected to be passed as url"
    )


def _collection_messages(label: str) -> Messages:
    return Messages(
        empty=f"{label} must not be null",
        size=f"{label} must contain at least 1 and at most 12 addresses",
        invalid="url collection has invalid entries",
    )


FIELD_MESSAGES: dict[str, Messages] = {
    "name": Messages(
        empty="client name must not be empty",
        size="client name length is expected to be between 3 and 256 characters",
    ),
    "description": Messages(
        size="client description length is expected to be less than 256 characters"
    ),
    "logo": Messages(
        empty="client logo must not be empty",
        invalid="client logo is expected to be passed as base64",
        too_big="Logo size exceeds the maximum allowed size",
    ),
    "website_url": _url_messages("website url"),
    "terms_url": _url_messages("terms url"),
    "policy_url": _url_messages("policy url"),
    "logout_redirect_uri": _url_messages("logout redirect uri"),
    "redirect_uris": _collection_messages("redirect uris"),
    "allowed_origins": _collection_messages("allowed origins"),
    "scopes": Messages(empty="scopes field can not be empty"),
}
# Where DocSpace says "blank" (@NotBlank, @NotEmpty), an empty value is a missing one; its
# URL collections only say @NotNull, so an empty list there is a count out of bounds.
_EMPTY_MEANS_MISSING = frozenset({"name", "logo", "scopes", *URL_FIELDS - COLLECTION_FIELDS})
_BOUNDS = {"greater_than_equal": "at least", "less_than_equal": "at most"}


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, list | tuple | dict):
        return len(value) == 0
    return False


def _kind(field: str, error_type: str, value: Any) -> str:
    """Which of Messages' kinds a pydantic failure is, or "other"."""
    if error_type in KINDS:
        return error_type
    if error_type == "missing" or value is None:
        return EMPTY
    if "too_short" in error_type or "too_long" in error_type:
        return EMPTY if field in _EMPTY_MEANS_MISSING and _is_empty(value) else SIZE
    return "other"


_KIND_CODES = {EMPTY: EMPTY_FIELD, SIZE: ERROR_NAME, TOO_BIG: PATTERN}


def _code_for(field: str, kind: str, error_type: str) -> str:
    if kind in _KIND_CODES:
        return _KIND_CODES[kind]
    if field in URL_FIELDS and error_type not in {"too_long", "list_type"}:
        return WRONG_URL
    if field == "scopes":
        return INVALID_SCOPE
    if field == "name":
        return ERROR_NAME
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


def _field_error(field: str, err: Mapping[str, Any]) -> FieldError:
    error_type = str(err.get("type", ""))
    reason = str(err.get("msg", "invalid value"))
    kind = _kind(field, error_type, err.get("input"))
    code = _code_for(field, kind, error_type)
    docspace = getattr(FIELD_MESSAGES.get(field, Messages()), kind, None) if kind in KINDS else None
    if docspace is None and field == "limit" and error_type in _BOUNDS:
        bound = (err.get("ctx") or {}).get("ge", (err.get("ctx") or {}).get("le"))
        docspace = f"limit must be {_BOUNDS[error_type]} {bound}"
        code = ERROR_NAME
    if docspace is None:
        return FieldError(field, code, reason)
    # Our reason says more than DocSpace's words only where a value is malformed.
    precise = kind in (INVALID, TOO_BIG) and reason != docspace
    return FieldError(field, code, docspace, reason=reason if precise else None)


def contract_error(field: str, exc: PydanticCustomError) -> FieldError:
    """A validator's failure as the API reports it for `field`: DocSpace's code and words."""
    return _field_error(field, {"type": exc.type, "msg": exc.message(), "input": ""})


def _invalid_scopes(errors: Sequence[Mapping[str, Any]]) -> FieldError | None:
    """Names outside the catalogue, all in one failure, as DocSpace reports them."""
    unknown = [
        str(err.get("input"))
        for err in errors
        if _field_name(err.get("loc", ())) == "scopes" and err.get("type") == "literal_error"
    ]
    if not unknown:
        return None
    return FieldError("scopes", INVALID_SCOPE, "Invalid scopes: " + ", ".join(unique(unknown)))


def field_errors_from_pydantic(errors: Iterable[Any]) -> list[FieldError]:
    """One failure per field (the first pydantic names), in DocSpace's code and words."""
    errors = list(errors)
    result: list[FieldError] = []
    seen: set[str] = set()
    scopes = _invalid_scopes(errors)
    for err in errors:
        field = _field_name(err.get("loc", ()))
        if field in seen:
            continue
        seen.add(field)
        if field == "scopes" and scopes is not None and err.get("type") == "literal_error":
            result.append(scopes)
        else:
            result.append(_field_error(field, err))
    return result
