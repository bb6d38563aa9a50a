"""Writing and reading the audit trail.

Successful operations are recorded in the operation's own transaction, so the trail says
exactly what committed. Denials and security events are recorded in a transaction of their
own, because the request that caused them rolls back.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from docspace_oauth.audit import repository
from docspace_oauth.audit.actions import Action, Outcome
from docspace_oauth.callers.principal import Caller
from docspace_oauth.errors import Forbidden
from docspace_oauth.models import utcnow
from docspace_oauth.models.audit import AuditEvent

logger = logging.getLogger("docspace_oauth.audit")

# Events of a request whose transaction will roll back, written once it has ended: writing
# them in a second transaction while the first still holds SQLite's write lock would wait on
# ourselves.
_deferred: ContextVar[list[AuditEvent | UnknownClientFailure] | None] = ContextVar(
    "audit_deferred", default=None
)


@dataclass(frozen=True, slots=True)
class UnknownClientFailure:
    """A failed authentication of a client_id that does not exist: counted per address and
    hour (models.janitor.AuthFailureWindow), not recorded one row each, because anyone can
    send them and no tenant owns them."""

    ip: str
    client_id: str
    at: datetime

    @property
    def window_start(self) -> datetime:
        return self.at.replace(minute=0, second=0, microsecond=0)


def _event(
    action: Action,
    outcome: Outcome,
    *,
    tenant_id: int | None,
    user_id: str | None,
    ip: str | None,
    client_id: str | None,
    details: Mapping[str, Any] | None,
) -> AuditEvent:
    return AuditEvent(
        occurred_at=datetime.now(UTC),
        tenant_id=tenant_id,
        actor_user_id=_storable(user_id),
        actor_ip=_storable(ip),
        action=action.value,
        client_id=_storable(client_id),
        outcome=outcome.value,
        details=dict(details or {}),
    )


def _storable(value: str | None) -> str | None:
    # Values that come from the request (a client_id a prober made up) may hold NUL, which
    # PostgreSQL refuses in text: the event must still be written.
    return value.replace("\x00", "\ufffd") if value else value


async def record(
    session: AsyncSession,
    caller: Caller,
    action: Action,
    *,
    client_id: str | None = None,
    outcome: Outcome = Outcome.SUCCESS,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Record an API caller's operation in its own transaction."""
    await record_event(
        session,
        action,
        outcome,
        tenant_id=caller.tenant_id,
        user_id=caller.user_id,
        ip=caller.ip,
        client_id=client_id,
        details=details,
    )


async def record_event(
    session: AsyncSession,
    action: Action,
    outcome: Outcome,
    *,
    tenant_id: int | None,
    user_id: str | None = None,
    ip: str | None = None,
    client_id: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Record in the current transaction, for protocol events that have no API caller."""
    await repository.append(
        session,
        _event(
            action,
            outcome,
            tenant_id=tenant_id,
            user_id=user_id,
            ip=ip,
            client_id=client_id,
            details=details,
        ),
    )


def defer(
    action: Action,
    outcome: Outcome,
    *,
    tenant_id: int | None,
    user_id: str | None = None,
    ip: str | None = None,
    client_id: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Queue an event for `flush_deferred`, which whoever owns the transaction calls once it
    has ended (the event records a failure, and the transaction rolls back)."""
    _queue(
        _event(
            action,
            outcome,
            tenant_id=tenant_id,
            user_id=user_id,
            ip=ip,
            client_id=client_id,
            details=details,
        )
    )


def defer_unknown_client_failure(*, ip: str, client_id: str) -> None:
    """Queue one more failure of an unknown client from `ip` for `flush_deferred`."""
    _queue(UnknownClientFailure(_storable(ip) or "", _storable(client_id[:64]) or "", utcnow()))


def _queue(item: AuditEvent | UnknownClientFailure) -> None:
    events = _deferred.get()
    if events is None:
        events = []
        _deferred.set(events)
    events.append(item)


async def flush_deferred(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Write the deferred events in a transaction of their own; a failure to write them is
    logged, never allowed to hide the error the request is answering with."""
    events = _deferred.get()
    if not events:
        return
    _deferred.set(None)
    try:
        async with sessions() as session:
            for event in events:
                if isinstance(event, UnknownClientFailure):
                    await repository.count_unknown_client_failure(
                        session, event.ip, event.client_id, event.at, event.window_start
                    )
                else:
                    await repository.append(session, event)
            await session.commit()
    except Exception:
        logger.exception("could not append %d audit event(s)", len(events))


async def read_page(
    session: AsyncSession,
    caller: Caller,
    *,
    limit: int,
    before_id: int | None,
    client_id: str | None,
    action: Action | None,
) -> list[AuditEvent]:
    if not caller.is_admin:
        raise Forbidden("Only the portal's admins may read the audit trail.")
    return list(
        await repository.page(
            session,
            tenant_id=caller.tenant_id,
            limit=limit,
            before_id=before_id,
            client_id=client_id,
            action=action.value if action else None,
        )
    )
