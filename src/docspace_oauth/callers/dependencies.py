"""Request dependencies: the authenticated caller, with the role a route requires.

Credentials are read by `callers.credentials` (header, cookies, a nameless cookie); the first
one present is the caller's, and a wrong one is refused rather than skipped, so a stale key
never silently downgrades to another identity. As DocSpace answers: no credentials, wrong
credentials and a role the route does not admit are all 403 problems on /api/2.0, and the
role is checked before anything else about the request (its body included) is looked at.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Request

from docspace_oauth.callers import roles
from docspace_oauth.callers.credentials import Kind, presented
from docspace_oauth.callers.principal import Caller
from docspace_oauth.callers.service import caller_from_api_key, caller_from_signature
from docspace_oauth.errors import Unauthenticated
from docspace_oauth.ops.middleware import client_ip
from docspace_oauth.runtime import runtime_of


async def optional_caller(request: Request) -> Caller | None:
    cached: Caller | None = getattr(request.state, "caller", None)
    if cached is not None:
        return cached
    credentials = presented(request)
    if not credentials:
        return None
    runtime = runtime_of(request)
    first = credentials[0]
    if first.kind is Kind.API_KEY:
        caller = await caller_from_api_key(runtime.direct, runtime.keys.hash_key, first.value)
    elif first.kind is Kind.ACCESS_TOKEN:
        # Imported here: the authorization server sits above the callers it serves.
        from docspace_oauth.oauth2.api_tokens import caller_from_access_token

        caller = await caller_from_access_token(request.app.state.oauth2, first.value)
    else:
        caller = caller_from_signature(runtime.settings.signature_secret, first.value)
    if caller is None:
        raise Unauthenticated("The credentials given are invalid or expired.")
    caller = replace(caller, ip=client_ip(request))
    request.state.caller = caller
    return caller


async def current_caller(caller: Annotated[Caller | None, Depends(optional_caller)]) -> Caller:
    if caller is None:
        raise Unauthenticated(
            "Send an API key (Authorization header or asc_auth_key cookie) or an x-signature."
        )
    return caller


async def member_caller(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
    roles.require_member(caller)
    return caller


async def admin_caller(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
    roles.require_admin(caller)
    return caller


OptionalCaller = Annotated[Caller | None, Depends(optional_caller)]
CurrentCaller = Annotated[Caller, Depends(current_caller)]
"""Any authenticated caller, guests included."""
MemberCaller = Annotated[Caller, Depends(member_caller)]
"""A user or an admin: DocSpace's identity controllers refuse guests before anything else."""
AdminCaller = Annotated[Caller, Depends(admin_caller)]
