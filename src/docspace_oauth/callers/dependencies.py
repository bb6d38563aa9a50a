"""Request dependencies: the authenticated caller, or a 401.

Where credentials come from, in order: the Authorization header (bare key or `Bearer`), the
`asc_auth_key` cookie, then `x-signature` (header or cookie). A credential that is present
but wrong is refused rather than skipped, so a stale key never silently downgrades to
another identity.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Request

from docspace_oauth.callers.principal import Caller
from docspace_oauth.callers.service import caller_from_api_key, caller_from_signature
from docspace_oauth.errors import Unauthenticated
from docspace_oauth.runtime import runtime_of

AUTH_COOKIE = "asc_auth_key"
SIGNATURE = "x-signature"
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="docspace-oauth"'}


def _api_key_from(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.strip().partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value else header.strip()
    return request.cookies.get(AUTH_COOKIE)


async def optional_caller(request: Request) -> Caller | None:
    runtime = runtime_of(request)
    cached: Caller | None = getattr(request.state, "caller", None)
    if cached is not None:
        return cached
    api_key = _api_key_from(request)
    signature = request.headers.get(SIGNATURE) or request.cookies.get(SIGNATURE)
    if api_key is None and signature is None:
        return None
    if api_key is not None:
        caller = await caller_from_api_key(runtime.direct, runtime.keys.hash_key, api_key)
    else:
        assert signature is not None
        caller = caller_from_signature(runtime.settings.signature_secret, signature)
    if caller is None:
        raise Unauthenticated("The credentials given are invalid or expired.", headers=_CHALLENGE)
    caller = replace(caller, ip=request.client.host if request.client else "")
    request.state.caller = caller
    return caller


async def current_caller(caller: Annotated[Caller | None, Depends(optional_caller)]) -> Caller:
    if caller is None:
        raise Unauthenticated(
            "Send an API key (Authorization header or asc_auth_key cookie) or an x-signature.",
            headers=_CHALLENGE,
        )
    return caller


OptionalCaller = Annotated[Caller | None, Depends(optional_caller)]
CurrentCaller = Annotated[Caller, Depends(current_caller)]
