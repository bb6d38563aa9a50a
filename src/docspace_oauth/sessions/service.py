"""Who may see and end which sessions: a user their own, an admin any of their tenant's.

The API, the CLI (through the API) and the console all come here. A session that is not the
caller's to see, has ended, or never existed is the same 404: the answer never tells another
user's session id from a made-up one.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.audit.actions import Action
from docspace_oauth.audit.service import record
from docspace_oauth.callers import roles
from docspace_oauth.callers.principal import Caller
from docspace_oauth.errors import NotFound
from docspace_oauth.models import EndReason, utcnow
from docspace_oauth.parsing import storable
from docspace_oauth.sessions import repository
from docspace_oauth.sessions.repository import SessionView

_NOT_FOUND = "There is no such session (or it has ended)."


async def own(session: AsyncSession, caller: Caller) -> list[SessionView]:
    """The caller's live sessions. A caller known only by an x-signature has none here."""
    return await repository.live_sessions(
        session, tenant_id=caller.tenant_id, user_id=caller.user_id
    )


async def of_tenant(session: AsyncSession, caller: Caller) -> list[SessionView]:
    roles.require_admin(caller)
    return await repository.live_sessions(session, tenant_id=caller.tenant_id)


async def end(session: AsyncSession, caller: Caller, session_id: str) -> str:
    """End one session: the caller's own, or (an admin) any of the tenant's."""
    # Text no database can hold (a NUL: PostgreSQL refuses it) names no session either.
    row = await repository.get(session, session_id) if storable(session_id) else None
    now = utcnow()
    if (
        row is None
        or row.tenant_id != caller.tenant_id
        or (row.user_id != caller.user_id and not caller.is_admin)
        or row.ended_at is not None
        or row.expires_at <= now
    ):
        raise NotFound(_NOT_FOUND)
    reason = EndReason.BY_USER if row.user_id == caller.user_id else EndReason.BY_ADMIN
    if not await repository.end(session, row.id, reason, now=now):
        raise NotFound(_NOT_FOUND)  # ended by someone else in the meantime
    await record(
        session,
        caller,
        Action.SESSION_END,
        details={"session_id": row.id, "user_id": row.user_id, "reason": reason.value},
    )
    return row.id
