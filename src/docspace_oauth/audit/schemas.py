from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from docspace_oauth.models.audit import AuditEvent


class AuditEventResponse(BaseModel):
    id: int
    occurred_at: datetime
    tenant_id: int | None
    actor_user_id: str | None
    actor_ip: str | None
    action: str
    client_id: str | None
    outcome: str
    details: dict[str, Any]

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventResponse:
        return cls(
            id=event.id,
            occurred_at=event.occurred_at,
            tenant_id=event.tenant_id,
            actor_user_id=event.actor_user_id,
            actor_ip=event.actor_ip,
            action=event.action,
            client_id=event.client_id,
            outcome=event.outcome,
            details=event.details,
        )


class AuditPage(BaseModel):
    data: list[AuditEventResponse]
    limit: int
    last_id: int | None
