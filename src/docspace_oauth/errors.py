"""One error base class, rendered by one handler as RFC 9457 problem details.

Domain code raises these; endpoints never build error responses by hand. Protocol errors of
the authorization server subclass the same base and override `render` (RFC 6749 wants its
own JSON shape there).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

logger = logging.getLogger("docspace_oauth")

PROBLEM_JSON = "application/problem+json"


class Channel(Enum):
    """Where an error text goes, which decides what it may contain."""

    # RFC 6749 4.1.2.1 / 5.2 `error_description` (a redirect's query, the token endpoint's
    # JSON) and RFC 6750's WWW-Authenticate quoted-string: %x20-21 / %x23-5B / %x5D-7E.
    OAUTH = "oauth"
    # problem+json and HTML pages: any printable text (JSON and Jinja escape the rest).
    TEXT = "text"


MAX_ERROR_TEXT = 512
_OAUTH_UNSAFE = re.compile(r"[^\x20-\x21\x23-\x5b\x5d-\x7e]")
_OAUTH_LOOKALIKES = {'"': "'", "\\": "/"}


def client_text(text: str, channel: Channel) -> str:
    """The one way an error text a client can see is made safe for its channel.

    Error texts quote request input ("Unsupported grant_type 'x'"), so each may carry
    whatever an attacker typed: quotes and backslashes that end a quoted-string or break a
    naive parser, control and bidi characters that disguise a message, megabytes of it.
    Every rendering of an error passes its text through here, so a new error class cannot
    forget to."""
    if len(text) > MAX_ERROR_TEXT:
        text = text[: MAX_ERROR_TEXT - 3] + "..."
    if channel is Channel.OAUTH:
        return _OAUTH_UNSAFE.sub(lambda m: _OAUTH_LOOKALIKES.get(m.group(), "?"), text)
    # Controls, format characters (bidi overrides, zero-width), surrogates and unassigned.
    return "".join(
        "?" if unicodedata.category(c) in {"Cc", "Cf", "Cs", "Co", "Cn"} else c for c in text
    )


@dataclass(frozen=True, slots=True)
class FieldError:
    """One failed field, as DocSpace reports it: its exact code and message. `reason` is our
    own, more precise word for what was wrong, when there is one; it goes into the problem's
    `detail`, never into the triple that DocSpace's clients compare."""

    field: str
    code: str
    message: str
    reason: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}

    def describe(self) -> str:
        text = f"{self.field}: {self.message}"
        return f"{text} ({self.reason})" if self.reason else text


class ProblemJSONResponse(JSONResponse):
    media_type = PROBLEM_JSON


class DocSpaceOAuthError(Exception):
    status: ClassVar[int] = 500
    type: ClassVar[str] = "about:blank"
    title: ClassVar[str | None] = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.default_title())
        self.detail = detail
        self.errors = list(errors)
        self.headers = dict(headers or {})

    @classmethod
    def default_title(cls) -> str:
        return cls.title or HTTPStatus(cls.status).phrase

    def problem(self, instance: str) -> dict[str, Any]:
        detail = client_text(self.detail or self.default_title(), Channel.TEXT)
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.default_title(),
            "status": self.status,
            "detail": detail,
            "instance": client_text(instance, Channel.TEXT),
            # An extension member (RFC 9457 3.2): DocSpace's ErrorResponse, as ONLYOFFICE's
            # generated SDKs model every error answer, is {"reason": ...}.
            "reason": detail,
        }
        if self.errors:
            body["errors"] = [
                {k: client_text(v, Channel.TEXT) for k, v in e.as_dict().items()}
                for e in self.errors
            ]
        return body

    def render(self, request: Request) -> Response:
        return ProblemJSONResponse(
            self.problem(request.url.path), status_code=self.status, headers=self.headers
        )

    async def send_refusal(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The problem, sent by an ASGI middleware that refuses a request before the app (and
        its handlers) sees it; the connection closes, since the rest is left unread."""
        response = ProblemJSONResponse(
            self.problem(scope.get("path", "")),
            status_code=self.status,
            headers={**self.headers, "connection": "close"},
        )
        await response(scope, receive, send)


class BadRequest(DocSpaceOAuthError):
    status = 400


class ValidationFailed(DocSpaceOAuthError):
    status = 400
    type = "urn:docspace-oauth:problem:validation"
    title = "Validation failed"


class Unauthenticated(DocSpaceOAuthError):
    """No credentials, or wrong ones. DocSpace's identity API answers these 403, like a role
    the route does not admit; the problem type tells them apart."""

    status = 403
    type = "urn:docspace-oauth:problem:authentication-required"
    title = "Authentication required"


class Forbidden(DocSpaceOAuthError):
    status = 403


class NotFound(DocSpaceOAuthError):
    status = 404


class MethodNotAllowed(DocSpaceOAuthError):
    status = 405


class Conflict(DocSpaceOAuthError):
    status = 409


class PayloadTooLarge(DocSpaceOAuthError):
    status = 413
    title = "Content Too Large"


class UnsupportedMediaType(DocSpaceOAuthError):
    status = 415


class RateLimited(DocSpaceOAuthError):
    status = 429
    title = "Too many requests"


class ServiceUnavailable(DocSpaceOAuthError):
    status = 503


_STATUS_ERRORS: dict[int, type[DocSpaceOAuthError]] = {
    cls.status: cls
    for cls in (
        BadRequest,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        RateLimited,
        ServiceUnavailable,
    )
}


@lru_cache(maxsize=64)
def _class_for(status: int) -> type[DocSpaceOAuthError]:
    known = _STATUS_ERRORS.get(status)
    if known is not None:
        return known
    # A status Starlette raised that no domain error names (401, 406, ...): keep it.
    return type(f"HTTPStatus{status}", (DocSpaceOAuthError,), {"status": status})


def error_for_status(status: int, detail: str | None = None) -> DocSpaceOAuthError:
    return _class_for(status)(detail)


async def _handle_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DocSpaceOAuthError)
    return exc.render(request)


async def _handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    err = error_for_status(exc.status_code, exc.detail if isinstance(exc.detail, str) else None)
    if exc.headers:
        err.headers.update(exc.headers)
    return err.render(request)


async def _handle_validation_error(request: Request, exc: Exception) -> Response:
    from docspace_oauth.validation import field_errors_from_pydantic

    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return BadRequest("The request body is not valid JSON.").render(request)
    field_errors = field_errors_from_pydantic(errors)
    return ValidationFailed(
        "; ".join(e.describe() for e in field_errors), errors=field_errors
    ).render(request)


async def _handle_unexpected(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return DocSpaceOAuthError("An unexpected error occurred; it has been logged.").render(request)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DocSpaceOAuthError, _handle_domain_error)
    app.add_exception_handler(StarletteHTTPException, _handle_http_exception)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
    app.add_exception_handler(Exception, _handle_unexpected)
