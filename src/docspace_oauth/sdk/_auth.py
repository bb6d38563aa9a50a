"""Credentials for management calls: an API key, an x-signature JWT, or both."""

from __future__ import annotations

from collections.abc import Generator

import httpx

__all__ = ["DocSpaceAuth"]


class DocSpaceAuth(httpx.Auth):
    """Adds the caller's credentials to each request.

    The API key goes in ``Authorization`` verbatim: this server takes it bare
    or after ``Bearer``, and a real DocSpace takes its ``asc_auth_key`` value
    there, so the SDK adds no prefix of its own. The signature is the portal's
    HS256 JWT, sent as the ``x-signature`` header DocSpace reads.
    """

    def __init__(self, api_key: str | None = None, signature: str | None = None) -> None:
        self._api_key = api_key
        self._signature = signature

    def __repr__(self) -> str:
        # Never echo secrets into logs or tracebacks.
        return (
            f"DocSpaceAuth(api_key={'***' if self._api_key else None}, "
            f"signature={'***' if self._signature else None})"
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._api_key:
            request.headers["Authorization"] = self._api_key
        if self._signature:
            request.headers["x-signature"] = self._signature
        yield request
