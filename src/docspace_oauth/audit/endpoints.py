from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from docspace_oauth.api.dependencies import Limit, RateLimit
from docspace_oauth.audit import service
from docspace_oauth.audit.actions import Action
from docspace_oauth.audit.schemas import AuditEventResponse, AuditPage
from docspace_oauth.callers.dependencies import CurrentCaller
from docspace_oauth.clients.service import parse_client_id
from docspace_oauth.errors import PROBLEM_JSON
from docspace_oauth.runtime import SessionDep
from docspace_oauth.validation import StoredText

router = APIRouter(tags=["audit"], dependencies=[RateLimit])


@router.get(
    "/api/2.0/audit",
    summary="The tenant's audit trail, newest first (admins; keyset-paged)",
    responses={
        403: {
            "description": "Problem details (RFC 9457): only admins read the audit trail",
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    },
)
async def get_audit_events(
    caller: CurrentCaller,
    session: SessionDep,
    limit: Limit = 30,
    last_id: Annotated[
        # le: event ids are BIGINT; a larger cursor is a 400, not a database error.
        int | None, Query(ge=1, le=2**63 - 1, description="Cursor: the last event's id.")
    ] = None,
    client_id: Annotated[StoredText | None, Query(max_length=64)] = None,
    action: Annotated[Action | None, Query()] = None,
) -> AuditPage:
    events = await service.read_page(
        session,
        caller,
        limit=limit + 1,
        before_id=last_id,
        client_id=(parse_client_id(client_id) or client_id) if client_id else None,
        action=action,
    )
    has_more = len(events) > limit
    events = events[:limit]
    return AuditPage(
        data=[AuditEventResponse.of(e) for e in events],
        limit=limit,
        last_id=events[-1].id if has_more else None,
    )
