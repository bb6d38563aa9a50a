"""HTTP for protected resources: the admins' registry (problem+json) and each resource's
RFC 9728 metadata (public: a resource server fetches it, or copies it, to serve as its own)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from docspace_oauth import parsing
from docspace_oauth.api.dependencies import JsonBody, RateLimit
from docspace_oauth.api.openapi import problem_response
from docspace_oauth.callers.dependencies import AdminCaller
from docspace_oauth.errors import Conflict, NotFound
from docspace_oauth.models import Resource, TokenFamily
from docspace_oauth.resources.schemas import (
    CreateResourceRequest,
    ProtectedResourceMetadata,
    ResourceResponse,
)
from docspace_oauth.runtime import RuntimeDep, SessionDep

admin_router = APIRouter(prefix="/api/2.0/resources", tags=["resources"], dependencies=[RateLimit])
router = APIRouter(tags=["resources"])


@admin_router.post(
    "",
    status_code=201,
    summary="Register a protected resource",
    dependencies=[JsonBody],
    responses={409: problem_response("the tenant already has a resource with this URL")},
)
async def create_resource(
    body: CreateResourceRequest, caller: AdminCaller, session: SessionDep, runtime: RuntimeDep
) -> ResourceResponse:
    resource = Resource(
        id=str(uuid.uuid4()),
        tenant_id=caller.tenant_id,
        url=body.url,
        name=body.name,
        scopes=[str(s) for s in body.scopes],
        introspection_requires_resource=body.introspection_requires_resource,
        created_on=datetime.now(UTC),
        created_by=caller.user_id,
    )
    session.add(resource)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict("This tenant already has a resource with this URL.") from None
    return ResourceResponse.of(resource, runtime.settings.issuer_url)


@admin_router.get("", summary="The tenant's protected resources")
async def list_resources(
    caller: AdminCaller, session: SessionDep, runtime: RuntimeDep
) -> list[ResourceResponse]:
    rows = await session.scalars(
        select(Resource).where(Resource.tenant_id == caller.tenant_id).order_by(Resource.url)
    )
    return [ResourceResponse.of(r, runtime.settings.issuer_url) for r in rows]


@admin_router.delete(
    "/{resource_id}",
    status_code=204,
    summary="Remove a protected resource; every grant for it dies at once",
    responses={404: problem_response("no such resource in the caller's tenant")},
)
async def delete_resource(resource_id: str, caller: AdminCaller, session: SessionDep) -> None:
    canonical = parsing.uuid_id(resource_id)
    url = canonical and await session.scalar(
        delete(Resource)
        .where(Resource.tenant_id == caller.tenant_id, Resource.id == canonical)
        .returning(Resource.url)
    )
    if url is None:
        raise NotFound("No such resource.")
    # Its grants could otherwise refresh into tokens for the tenant at large (a refresh keeps
    # a resource's audience only while the resource exists): revoke them, one row each.
    await session.execute(
        update(TokenFamily)
        .where(
            TokenFamily.tenant_id == caller.tenant_id,
            TokenFamily.audience == url,
            TokenFamily.revoked_at.is_(None),
        )
        .values(revoked_at=datetime.now(UTC)),
        execution_options={"synchronize_session": False},
    )


@router.get(
    "/oauth2/resources/{resource_id}/metadata",
    summary="A registered resource's protected-resource metadata (RFC 9728)",
    responses={404: problem_response("no such resource")},
)
async def resource_metadata(
    resource_id: str, session: SessionDep, runtime: RuntimeDep
) -> ProtectedResourceMetadata:
    canonical = parsing.uuid_id(resource_id)
    resource = await session.get(Resource, canonical) if canonical else None
    if resource is None:
        raise NotFound("No such resource.")
    return ProtectedResourceMetadata.of(resource, runtime.settings.issuer_url)
