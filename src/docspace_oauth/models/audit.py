from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from docspace_oauth.models.base import Base


class AuditEvent(Base):
    """An append-only record of a management operation or a token-security event.

    The database refuses UPDATE and DELETE on this table (triggers in the migration), so not
    even a bug in this server can rewrite history. Secrets never go in `details`.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_tenant_page", "tenant_id", "id"),
        Index("ix_audit_tenant_client", "tenant_id", "client_id", "id"),
        Index("ix_audit_tenant_action", "tenant_id", "action", "id"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    occurred_at: Mapped[datetime]
    tenant_id: Mapped[int | None] = mapped_column(Integer)
    actor_user_id: Mapped[str | None] = mapped_column(String(64))
    actor_ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
