"""The SDK's exception hierarchy, carrying RFC 9457 problem details.

Every error the SDK raises derives from :class:`DocSpaceOAuthError`, so callers
can catch one type. HTTP failures become :class:`APIError` subclasses chosen by
status code; network failures become :class:`TransportError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = [
    "APIError",
    "AuthenticationError",
    "ConflictError",
    "DocSpaceOAuthError",
    "FieldError",
    "NotFoundError",
    "PermissionDeniedError",
    "Problem",
    "RateLimitError",
    "ServerError",
    "TransportError",
    "UnexpectedResponseError",
    "UnsupportedMediaTypeError",
    "ValidationError",
]

# A real DocSpace (or a proxy in front of it) may answer with an HTML page;
# keeping a bounded excerpt makes the error readable without flooding logs.
_MAX_DETAIL_CHARS = 500


@dataclass(frozen=True)
class FieldError:
    """One rejected request field, as in the contract's ``errors`` array."""

    field: str
    code: str
    message: str


@dataclass(frozen=True)
class Problem:
    """RFC 9457 problem details; ``errors`` lists field errors on a 400."""

    status: int
    title: str
    type: str = "about:blank"
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] = field(default_factory=list)

    @classmethod
    def from_response(cls, response: httpx.Response) -> Problem:
        """Build a problem from any error response, problem+json or not."""
        body = _json_or_none(response)
        status = response.status_code
        fallback_title = response.reason_phrase or f"HTTP {status}"
        if not isinstance(body, dict):
            text = response.text.strip() if body is None else json.dumps(body)
            return cls(
                status=status,
                title=fallback_title,
                detail=text[:_MAX_DETAIL_CHARS] or None,
                instance=response.request.url.path,
            )
        return cls(
            status=status,
            title=_str_or_none(body.get("title")) or fallback_title,
            type=_str_or_none(body.get("type")) or "about:blank",
            detail=_detail_of(body),
            instance=_str_or_none(body.get("instance")) or response.request.url.path,
            errors=_field_errors_of(body.get("errors")),
        )

    def __str__(self) -> str:
        text = f"{self.status} {self.title}"
        if self.detail:
            text += f": {self.detail}"
        for error in self.errors:
            text += f"\n  {error.field}: {error.message} ({error.code})"
        return text


class DocSpaceOAuthError(Exception):
    """Base class of every error raised by the SDK."""


class TransportError(DocSpaceOAuthError):
    """The server could not be reached, or the connection failed or timed out."""


class UnexpectedResponseError(DocSpaceOAuthError):
    """A successful response whose body is not what the contract promises."""

    def __init__(self, message: str, response: httpx.Response | None = None) -> None:
        super().__init__(message)
        self.response = response


class APIError(DocSpaceOAuthError):
    """The server answered with an HTTP error status."""

    def __init__(
        self,
        status: int,
        problem: Problem,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(str(problem))
        self.status = status
        self.problem = problem
        self.response = response


class ValidationError(APIError):
    """400 (or 422): the request was rejected; see :attr:`errors`."""

    @property
    def errors(self) -> list[FieldError]:
        return self.problem.errors


class AuthenticationError(APIError):
    """Missing, unknown or expired credentials: a 401, or the 403 that the DocSpace API
    answers for them (this server marks it with the problem type
    ``urn:docspace-oauth:problem:authentication-required``)."""


class PermissionDeniedError(APIError):
    """403: the caller's role may not do this (a guest, or a user asking for an admin's
    operation)."""


class NotFoundError(APIError):
    """404: absent, or not visible to the caller (the server does not say which)."""


class ConflictError(APIError):
    """409: the request conflicts with the resource's current state."""


class UnsupportedMediaTypeError(APIError):
    """415: the server did not accept the request's content type."""


class RateLimitError(APIError):
    """429: too many requests; :attr:`retry_after` is in seconds, if the server said."""

    def __init__(
        self,
        status: int,
        problem: Problem,
        response: httpx.Response | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(status, problem, response)
        self.retry_after = retry_after


class ServerError(APIError):
    """5xx: the server failed; retrying later may help."""


AUTHENTICATION_REQUIRED = "urn:docspace-oauth:problem:authentication-required"
_BY_STATUS: dict[int, type[APIError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    415: UnsupportedMediaTypeError,
    422: ValidationError,
}


def error_from_response(response: httpx.Response, retry_after: float | None = None) -> APIError:
    """Map an error response to the most specific :class:`APIError`."""
    status = response.status_code
    problem = Problem.from_response(response)
    if status == 429:
        return RateLimitError(status, problem, response, retry_after)
    if status >= 500:
        return ServerError(status, problem, response)
    if status == 403 and problem.type == AUTHENTICATION_REQUIRED:
        return AuthenticationError(status, problem, response)
    return _BY_STATUS.get(status, APIError)(status, problem, response)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _detail_of(body: dict[str, Any]) -> str | None:
    # Problem+json says "detail"; DocSpace's ASP.NET side nests
    # {"error": {"message": ...}}, its Java side and OAuth endpoints use
    # "message", "reason" or "error_description".
    for key in ("detail", "message", "reason", "error_description"):
        value = _str_or_none(body.get(key))
        if value:
            return value
    error = body.get("error")
    if isinstance(error, dict):
        return _str_or_none(error.get("message"))
    return _str_or_none(error)


def _field_errors_of(raw: Any) -> list[FieldError]:
    if not isinstance(raw, list):
        return []
    return [
        FieldError(
            field=str(item.get("field", "")),
            code=str(item.get("code", "")),
            message=str(item.get("message", "")),
        )
        for item in raw
        if isinstance(item, dict)
    ]
