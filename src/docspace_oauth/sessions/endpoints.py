"""/api/2.0/sessions: the sign-in sessions a user has open ("Where you're signed in"), and
the tenant's for its admins; either may end one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from docspace_oauth.api.dependencies import RateLimit
from docspace_oauth.callers.dependencies import CurrentCaller
from docspace_oauth.errors import PROBLEM_JSON
from docspace_oauth.runtime import SessionDep
from docspace_oauth.sessions import service
from docspace_oauth.sessions.schemas import EndedSession, SessionList, SessionResponse

router = APIRouter(prefix="/api/2.0/sessions", tags=["sessions"], dependencies=[RateLimit])


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": f"Problem details (RFC 9457): {description}",
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


@router.get("", summary="The caller's live sign-in sessions, newest first")
async def get_sessions(caller: CurrentCaller, session: SessionDep) -> SessionList:
    current = caller.session.id if caller.session else None
    views = await service.own(session, caller)
    return SessionList(data=[SessionResponse.of(v, current) for v in views])


@router.get(
    "/tenant",
    summary="The tenant's live sign-in sessions, newest first (admins)",
    responses={403: _problem("only admins list the tenant's sessions")},
)
async def get_tenant_sessions(caller: CurrentCaller, session: SessionDep) -> SessionList:
    current = caller.session.id if caller.session else None
    views = await service.of_tenant(session, caller)
    return SessionList(data=[SessionResponse.of(v, current) for v in views])


@router.delete(
    "/{session_id}",
    summary="End a sign-in session: the caller's own, or (admins) any of the tenant's",
    description="Its cookie stops working at once, on every instance. The caller's own "
    "current session may be ended too (a sign-out).",
    responses={404: _problem("no such live session that the caller may end")},
)
async def end_session(
    session_id: Annotated[str, Path(max_length=64)], caller: CurrentCaller, session: SessionDep
) -> EndedSession:
    return EndedSession(session_id=await service.end(session, caller, session_id))
