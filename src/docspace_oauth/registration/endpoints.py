"""HTTP for dynamic registration: thin; the rules live in service.py.

The protocol side (RFC 7591 `/oauth2/register`, RFC 7592 on each client's
registration_client_uri) answers RFC 7591/6750 JSON errors; the admins' side
(`/api/2.0/registration/...`: the tenant's policy, initial access tokens) answers problem+json
like the rest of the management API.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth import parsing
from docspace_oauth.api.dependencies import JsonBody, RateLimit
from docspace_oauth.api.openapi import problem_response
from docspace_oauth.callers.dependencies import AdminCaller
from docspace_oauth.errors import NotFound
from docspace_oauth.oauth2.errors import NO_STORE
from docspace_oauth.ops.middleware import client_ip
from docspace_oauth.registration import docs, repository, service
from docspace_oauth.registration.schemas import (
    InvalidClientMetadata,
    Metadata,
    RegistrationResponse,
    parse,
)
from docspace_oauth.registration.wire import (
    IssuedTokenResponse,
    IssueTokenRequest,
    PolicyBody,
    TokenInfo,
)
from docspace_oauth.runtime import RuntimeDep, SessionDep, runtime_of

router = APIRouter(tags=["registration"])
admin_router = APIRouter(
    prefix="/api/2.0/registration", tags=["registration"], dependencies=[RateLimit]
)

TenantId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def client_uri(request: Request, client_id: str) -> str:
    return f"{runtime_of(request).settings.issuer_url}/oauth2/register/{client_id}"


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").strip().partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


async def _metadata(request: Request) -> Metadata:
    return parse(await _metadata_body(request))


def _answer(registered: RegistrationResponse, status: int) -> Response:
    # Metadata never set is left out, not null (RFC 7591 §3.2.1), and so are the secrets
    # outside the answer to registration.
    return Response(
        registered.model_dump_json(exclude_none=True),
        status_code=status,
        media_type="application/json",
        headers=NO_STORE,
    )


async def _register(request: Request, session: AsyncSession, tenant_id: int | None) -> Response:
    metadata = await _metadata(request)
    runtime = runtime_of(request)
    done = await service.register(
        session,
        runtime.keys.hash_key,
        metadata,
        bearer=_bearer(request),
        tenant_id=tenant_id,
        ip=client_ip(request),
    )
    body = RegistrationResponse.of(
        done.client,
        uri=client_uri(request, done.client.client_id),
        auth_method=metadata.token_endpoint_auth_method,
        secret=done.secret,
        token=done.token,
    )
    return _answer(body, 201)


_REGISTER_DOC = {
    "summary": "Register a client (RFC 7591); the secrets are shown this once",
    "response_model": RegistrationResponse,
    "status_code": 201,
    "openapi_extra": {"requestBody": docs.METADATA_BODY, "security": docs.REGISTER_SECURITY},
}
_MANAGE = {"security": docs.MANAGE_SECURITY}


@router.post("/oauth2/register", responses=docs.REGISTER, **_REGISTER_DOC)  # type: ignore[arg-type]
async def register(request: Request, session: SessionDep) -> Response:
    return await _register(request, session, None)


@router.post(
    "/oauth2/tenants/{tenant_id}/register",
    responses=docs.REGISTER_IN_TENANT,
    **_REGISTER_DOC,  # type: ignore[arg-type]
)
async def register_in_tenant(
    tenant_id: TenantId, request: Request, session: SessionDep
) -> Response:
    return await _register(request, session, tenant_id)


def _auth_method(allow_pkce: bool) -> str:
    # Confidential clients may send their secret either way; RFC 7591's default is named.
    return "none" if allow_pkce else "client_secret_basic"


@router.get(
    "/oauth2/register/{client_id}",
    summary="Read a registration (RFC 7592)",
    response_model=RegistrationResponse,
    responses=docs.READ,
    openapi_extra=_MANAGE,
)
async def read_registration(
    client_id: str, request: Request, session: SessionDep, runtime: RuntimeDep
) -> Response:
    client = await service.authorized(session, runtime.keys.hash_key, client_id, _bearer(request))
    body = RegistrationResponse.of(
        client,
        uri=client_uri(request, client.client_id),
        auth_method=_auth_method(client.allow_pkce),
    )
    return _answer(body, 200)


@router.put(
    "/oauth2/register/{client_id}",
    summary="Replace a registration (RFC 7592)",
    response_model=RegistrationResponse,
    responses=docs.REPLACE,
    openapi_extra={**_MANAGE, "requestBody": docs.METADATA_BODY},
)
async def update_registration(
    client_id: str, request: Request, session: SessionDep, runtime: RuntimeDep
) -> Response:
    client = await service.authorized(session, runtime.keys.hash_key, client_id, _bearer(request))
    raw = await _metadata_body(request)
    if raw.get("client_id", client.client_id) != client.client_id:
        raise InvalidClientMetadata("client_id does not match the registration.")
    updated = await service.update(session, client, parse(raw), client_ip(request))
    body = RegistrationResponse.of(
        updated,
        uri=client_uri(request, updated.client_id),
        auth_method=_auth_method(updated.allow_pkce),
    )
    return _answer(body, 200)


async def _metadata_body(request: Request) -> dict[str, object]:
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise InvalidClientMetadata("The body must be a JSON object.") from None
    if not isinstance(body, dict):
        raise InvalidClientMetadata("The body must be a JSON object.")
    # RFC 7592 §2.2: these are the server's to set; sending them back is allowed and ignored.
    for name in ("registration_access_token", "registration_client_uri", "client_secret"):
        body.pop(name, None)
    for name in ("client_id_issued_at", "client_secret_expires_at"):
        body.pop(name, None)
    return body


@router.delete(
    "/oauth2/register/{client_id}",
    status_code=204,
    summary="Delete a registration (RFC 7592); every token the client holds dies at once",
    responses=docs.DELETE,
    openapi_extra=_MANAGE,
)
async def delete_registration(
    client_id: str, request: Request, session: SessionDep, runtime: RuntimeDep
) -> Response:
    client = await service.authorized(session, runtime.keys.hash_key, client_id, _bearer(request))
    await service.delete(session, client, client_ip(request))
    return Response(status_code=204, headers=NO_STORE)


# The admins' side: the tenant's policy and its initial access tokens.


@admin_router.get("/policy", summary="The tenant's registration policy")
async def get_policy(caller: AdminCaller, session: SessionDep) -> PolicyBody:
    return PolicyBody.of(await service.policy_of(session, caller.tenant_id))


@admin_router.put(
    "/policy", summary="Set the tenant's registration policy", dependencies=[JsonBody]
)
async def put_policy(body: PolicyBody, caller: AdminCaller, session: SessionDep) -> PolicyBody:
    return PolicyBody.of(await service.set_policy(session, caller, body.policy(caller.tenant_id)))


@admin_router.post(
    "/tokens",
    status_code=201,
    summary="Issue an initial access token (RFC 7591 §3); shown this once",
    dependencies=[JsonBody],
)
async def issue_token(
    body: IssueTokenRequest, caller: AdminCaller, session: SessionDep, runtime: RuntimeDep
) -> IssuedTokenResponse:
    issued = await service.issue_token(
        session, runtime.keys.hash_key, caller, uses=body.uses, ttl=body.ttl
    )
    return IssuedTokenResponse.of(issued)


@admin_router.get("/tokens", summary="The tenant's initial access tokens (never the tokens)")
async def list_tokens(caller: AdminCaller, session: SessionDep) -> list[TokenInfo]:
    return [TokenInfo.of(row) for row in await repository.tokens(session, caller.tenant_id)]


@admin_router.delete(
    "/tokens/{token_id}",
    status_code=204,
    summary="Withdraw an initial access token",
    responses={404: problem_response("no such initial access token in the caller's tenant")},
)
async def delete_token(token_id: str, caller: AdminCaller, session: SessionDep) -> Response:
    canonical = parsing.uuid_id(token_id)
    if canonical is None or not await service.withdraw_token(session, caller, canonical):
        raise NotFound("No such initial access token.")
    return Response(status_code=204)
