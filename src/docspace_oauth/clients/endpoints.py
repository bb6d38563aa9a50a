"""HTTP for client management: thin; the rules live in service.py.

Every route is served under both /api/2.0/clients and /api/2.0/oauth2/clients, as DocSpace does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from docspace_oauth.api.dependencies import (
    CursorInstant,
    JsonBody,
    Limit,
    RateLimit,
    as_utc,
)
from docspace_oauth.api.responses import json_response
from docspace_oauth.audit.actions import Action
from docspace_oauth.audit.dependencies import audit_refusals
from docspace_oauth.callers.dependencies import AdminCaller, CurrentCaller, MemberCaller
from docspace_oauth.clients import service
from docspace_oauth.clients.schemas import (
    ActivationResponse,
    ChangeClientActivationRequest,
    ClientIdResponse,
    ClientInfoPage,
    ClientInfoResponse,
    ClientPage,
    ClientResponse,
    ClientSecretResponse,
    CreateClientRequest,
    DeletedClientsResponse,
    UpdateClientRequest,
)
from docspace_oauth.consents import service as consents
from docspace_oauth.errors import PROBLEM_JSON
from docspace_oauth.registration import repository as registration_repository
from docspace_oauth.registration.service import METADATA
from docspace_oauth.runtime import RuntimeDep, SessionDep, runtime_of

_PROBLEM = {"content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _problems(*statuses: int) -> dict[int | str, dict[str, object]]:
    return {
        status: {"description": "Problem details (RFC 9457)", **_PROBLEM} for status in statuses
    }


_AUTH = (403, 429)
LastCreatedOn = Annotated[
    CursorInstant | None, Query(description="Cursor: created_on of the last item.")
]
LastClientId = Annotated[
    str | None, Query(max_length=64, description="Cursor: the last item's id.")
]
GracePeriod = Annotated[
    int | None,
    Query(
        ge=0,
        le=int(service.MAX_GRACE_PERIOD.total_seconds()),
        description="Extension: seconds the replaced secret stays valid (at most 7 days). "
        "Left out or 0: the old secret dies at once.",
    ),
]


def build_router(base: str, *, alias: bool) -> APIRouter:
    suffix = "_oauth2_alias" if alias else ""
    router = APIRouter(prefix=base, tags=["clients"], dependencies=[RateLimit])

    @router.post(
        "",
        status_code=201,
        operation_id=f"create_client{suffix}",
        summary="Create a client (the secret is shown this once)",
        dependencies=[JsonBody, audit_refusals(Action.CLIENT_CREATE)],
        responses=_problems(400, 403, 413, 415, *_AUTH),
    )
    async def create_client(
        body: CreateClientRequest,
        caller: MemberCaller,
        session: SessionDep,
        runtime: RuntimeDep,
    ) -> ClientResponse:
        created = await service.create(session, runtime.keys.hash_key, caller, body)
        return ClientResponse.of(created.client, secret=created.secret)

    @router.get(
        "",
        operation_id=f"get_clients{suffix}",
        summary="List clients, newest first (keyset-paged)",
        response_model=ClientPage,
        responses=_problems(400, *_AUTH),
    )
    async def get_clients(
        caller: MemberCaller,
        request: Request,
        limit: Limit = 30,
        last_client_id: LastClientId = None,
        last_created_on: LastCreatedOn = None,
    ) -> Response:
        page = await service.list_page(
            runtime_of(request).direct,
            caller,
            limit=limit,
            last_client_id=last_client_id,
            last_created_on=as_utc(last_created_on),
        )
        return json_response(
            ClientPage(
                data=[ClientResponse.of(c) for c in page.items],
                limit=page.limit,
                last_client_id=page.last_client_id,
                last_created_on=page.last_created_on,
            )
        )

    @router.delete(
        "",
        operation_id=f"delete_user_clients{suffix}",
        dependencies=[audit_refusals(Action.CLIENTS_DELETE_OWN)],
        summary="Delete every client the caller created",
        responses=_problems(*_AUTH),
    )
    async def delete_user_clients(
        caller: MemberCaller, session: SessionDep
    ) -> DeletedClientsResponse:
        return DeletedClientsResponse(deleted=await service.delete_own(session, caller))

    @router.delete(
        "/tenant",
        operation_id=f"delete_tenant_clients{suffix}",
        dependencies=[audit_refusals(Action.CLIENTS_DELETE_TENANT)],
        summary="Delete every client of the caller's tenant (admins)",
        responses=_problems(403, *_AUTH),
    )
    async def delete_tenant_clients(
        caller: AdminCaller, session: SessionDep
    ) -> DeletedClientsResponse:
        return DeletedClientsResponse(deleted=await service.delete_tenant(session, caller))

    @router.get(
        "/info",
        operation_id=f"get_clients_info{suffix}",
        summary="List clients' public views, newest first (keyset-paged)",
        responses=_problems(400, *_AUTH),
    )
    async def get_clients_info(
        caller: MemberCaller,
        runtime: RuntimeDep,
        limit: Limit = 30,
        last_client_id: LastClientId = None,
        last_created_on: LastCreatedOn = None,
    ) -> ClientInfoPage:
        page = await service.list_page(
            runtime.direct,
            caller,
            limit=limit,
            last_client_id=last_client_id,
            last_created_on=as_utc(last_created_on),
        )
        return ClientInfoPage(
            data=[ClientInfoResponse.of(c) for c in page.items],
            limit=page.limit,
            last_client_id=page.last_client_id,
            last_created_on=page.last_created_on,
        )

    @router.get(
        "/{client_id}",
        operation_id=f"get_client{suffix}",
        summary="Get a client (never its secret)",
        response_model=ClientResponse,
        responses=_problems(404, *_AUTH),
    )
    async def get_client(client_id: str, caller: MemberCaller, request: Request) -> Response:
        db = runtime_of(request).direct
        client = await service.view_managed(db, caller, client_id)
        answer = ClientResponse.of(client)
        if client.registration == METADATA:
            url = await registration_repository.document_url(db, client.client_id)
            answer = answer.model_copy(update={"client_id_metadata_document": url or ""})
        return json_response(answer)

    @router.put(
        "/{client_id}",
        operation_id=f"update_client{suffix}",
        summary="Update a client; fields left out keep their value",
        dependencies=[JsonBody, audit_refusals(Action.CLIENT_UPDATE)],
        responses=_problems(400, 404, 413, 415, *_AUTH),
    )
    async def update_client(
        client_id: str, body: UpdateClientRequest, caller: MemberCaller, session: SessionDep
    ) -> ClientResponse:
        return ClientResponse.of(await service.update(session, caller, client_id, body))

    @router.delete(
        "/{client_id}",
        operation_id=f"delete_client{suffix}",
        dependencies=[audit_refusals(Action.CLIENT_DELETE)],
        summary="Delete a client; every token it holds dies at once",
        responses=_problems(404, *_AUTH),
    )
    async def delete_client(
        client_id: str, caller: MemberCaller, session: SessionDep
    ) -> ClientIdResponse:
        return ClientIdResponse(client_id=await service.delete(session, caller, client_id))

    @router.patch(
        "/{client_id}/activation",
        operation_id=f"change_activation{suffix}",
        summary="Enable or disable a client; issued tokens stay valid until they expire",
        dependencies=[JsonBody, audit_refusals(Action.CLIENT_ACTIVATION)],
        responses=_problems(400, 404, 415, *_AUTH),
    )
    async def change_activation(
        client_id: str,
        body: ChangeClientActivationRequest,
        caller: MemberCaller,
        session: SessionDep,
    ) -> ActivationResponse:
        client = await service.change_activation(session, caller, client_id, body.status)
        return ActivationResponse(client_id=client.client_id, enabled=client.enabled)

    @router.patch(
        "/{client_id}/regenerate",
        operation_id=f"regenerate_secret{suffix}",
        dependencies=[audit_refusals(Action.CLIENT_REGENERATE_SECRET)],
        summary="Regenerate the secret; the old one dies at once unless grace_period is given",
        responses=_problems(400, 404, *_AUTH),
    )
    async def regenerate_secret(
        client_id: str,
        caller: MemberCaller,
        session: SessionDep,
        runtime: RuntimeDep,
        response: Response,
        grace_period: GracePeriod = None,
    ) -> ClientSecretResponse:
        rotated = await service.regenerate_secret(
            session,
            runtime.keys.hash_key,
            caller,
            client_id,
            timedelta(seconds=grace_period) if grace_period else None,
        )
        response.headers["Cache-Control"] = "no-store"
        return ClientSecretResponse(
            client_secret=rotated.secret,
            previous_secret_expires_at=rotated.previous_valid_until,
        )

    @router.delete(
        "/{client_id}/revoke",
        operation_id=f"revoke_user_client{suffix}",
        dependencies=[audit_refusals(Action.CONSENT_REVOKE)],
        summary="Revoke the caller's own consent; its tokens for this client die at once. "
        "The client is not looked up: 200 whether or not it exists, as in DocSpace",
        responses=_problems(*_AUTH),
    )
    async def revoke_user_client(
        client_id: str, caller: CurrentCaller, session: SessionDep
    ) -> ClientIdResponse:
        return ClientIdResponse(client_id=await consents.revoke_own(session, caller, client_id))

    @router.get(
        "/{client_id}/info",
        operation_id=f"get_client_info{suffix}",
        summary="A client's public view, for its creator and the tenant's admins",
        responses=_problems(404, *_AUTH),
    )
    async def get_client_info(
        client_id: str, caller: MemberCaller, session: SessionDep
    ) -> ClientInfoResponse:
        return ClientInfoResponse.of(await service.get_managed(session, caller, client_id))

    return router


def build_public_router(base: str, *, alias: bool) -> APIRouter:
    suffix = "_oauth2_alias" if alias else ""
    router = APIRouter(prefix=base, tags=["clients"], dependencies=[RateLimit])

    @router.get(
        "/{client_id}/public/info",
        operation_id=f"get_public_client_info{suffix}",
        summary="A client's public view, without authentication",
        responses=_problems(404, 429),
    )
    async def get_public_client_info(client_id: str, session: SessionDep) -> ClientInfoResponse:
        return ClientInfoResponse.of(await service.get_public(session, client_id))

    return router
