"""What the sync and async clients share: routes, settings, request bodies,
response parsing and the retry decision. None of it does I/O, so both clients
call it as it is and all of the wire knowledge lives here once; the clients
themselves only send (see :mod:`._async_client` for how the two are kept one).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from ._auth import DocSpaceAuth
from ._errors import UnexpectedResponseError, error_from_response
from ._retry import RetryPolicy, retry_after_seconds

__all__ = [
    "DEFAULT_CLIENTS_PATH",
    "DEFAULT_SCOPES_PATH",
    "DEFAULT_TIMEOUT",
    "MAX_GRACE_PERIOD",
    "Call",
    "Settings",
    "grace_period_params",
    "parse_data_list",
    "parse_json",
    "parse_list",
    "parse_model",
    "request_body",
    "retry_delay",
    "try_parse_model",
]

DEFAULT_CLIENTS_PATH = "/api/2.0/clients"
DEFAULT_SCOPES_PATH = "/api/2.0/scopes"
AUDIT_PATH = "/api/2.0/audit"
SESSIONS_PATH = "/api/2.0/sessions"
# The server's accepted range for regenerate_secret's grace period: one week.
MAX_GRACE_PERIOD = 604_800
DEFAULT_TIMEOUT = 30.0

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class Call:
    """One HTTP request to make, independent of sync or async sending."""

    method: str
    path: str
    params: Mapping[str, str] | None = None
    json: Any = None
    authenticated: bool = True


class Settings:
    """Routes, credentials and retry policy of one client instance."""

    def __init__(
        self,
        *,
        api_key: str | None,
        signature: str | None,
        max_retries: int | None,
        retry: RetryPolicy | None,
        clients_path: str,
        scopes_path: str,
    ) -> None:
        self.auth = DocSpaceAuth(api_key, signature)
        policy = retry or RetryPolicy()
        if max_retries is not None:
            policy = dataclasses.replace(policy, max_retries=max_retries)
        self.retry = policy
        self.clients_path = "/" + clients_path.strip("/")
        self.scopes_path = "/" + scopes_path.strip("/")
        self.audit_path = AUDIT_PATH

    @staticmethod
    def sessions_path(*suffix: str) -> str:
        """A session's path; its id is quoted, like a client's."""
        return "/".join((SESSIONS_PATH, *(quote(part, safe="") for part in suffix)))

    def client_path(self, client_id: str, *suffix: str) -> str:
        # Quote the id so that a hostile or mistaken id cannot reach another route.
        return "/".join((self.clients_path, quote(client_id, safe=""), *suffix))

    def collection_path(self, *suffix: str) -> str:
        return "/".join((self.clients_path, *suffix))

    @staticmethod
    def default_headers(extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": "docspace-oauth-python"}
        headers.update(extra or {})
        return headers


def retry_delay(response: httpx.Response, policy: RetryPolicy, retries_done: int) -> float:
    """Seconds to wait before sending a failed call again; raises its error when it is final."""
    delay = policy.delay_before_retry(response, retries_done)
    if delay is None:
        raise error_from_response(response, retry_after_seconds(response, policy.clock))
    return delay


def request_body(request: BaseModel | Mapping[str, Any], model: type[ModelT]) -> dict[str, Any]:
    """Validate a request (model or mapping) and dump it as the wire wants it.

    Fields left None are omitted, so optional extensions (such as
    ``grant_types``) never reach a server that does not know them.
    """
    validated = request if isinstance(request, model) else model.model_validate(request)
    return validated.model_dump(mode="json", exclude_none=True)


def grace_period_params(grace_period: int | None) -> dict[str, str] | None:
    if grace_period is None:
        return None
    if not 0 <= grace_period <= MAX_GRACE_PERIOD:
        raise ValueError(f"grace_period must be between 0 and {MAX_GRACE_PERIOD} seconds")
    return {"grace_period": str(grace_period)}


def parse_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnexpectedResponseError(
            f"expected JSON from {response.request.method} {response.request.url.path}, "
            f"got {response.headers.get('Content-Type', 'no content type')}",
            response,
        ) from exc


def parse_model(response: httpx.Response, model: type[ModelT]) -> ModelT:
    try:
        return model.model_validate(parse_json(response))
    except PydanticValidationError as exc:
        raise UnexpectedResponseError(
            f"unexpected {model.__name__} from {response.request.url.path}: {exc}", response
        ) from exc


def try_parse_model(response: httpx.Response, model: type[ModelT]) -> ModelT | None:
    """The body as ``model``, or None when the server sent something else."""
    try:
        return parse_model(response, model)
    except UnexpectedResponseError:
        return None


def parse_list(response: httpx.Response, model: type[ModelT]) -> list[ModelT]:
    body = parse_json(response)
    if not isinstance(body, list):
        raise UnexpectedResponseError(
            f"expected a JSON array from {response.request.url.path}", response
        )
    try:
        return [model.model_validate(item) for item in body]
    except PydanticValidationError as exc:
        raise UnexpectedResponseError(
            f"unexpected {model.__name__} from {response.request.url.path}: {exc}", response
        ) from exc


def parse_data_list(response: httpx.Response, model: type[ModelT]) -> list[ModelT]:
    """An unpaged list in a ``{"data": [...]}`` envelope (this server's sessions)."""
    body = parse_json(response)
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise UnexpectedResponseError(
            f"expected {{'data': [...]}} from {response.request.url.path}", response
        )
    try:
        return [model.model_validate(item) for item in data]
    except PydanticValidationError as exc:
        raise UnexpectedResponseError(
            f"unexpected {model.__name__} from {response.request.url.path}: {exc}", response
        ) from exc
