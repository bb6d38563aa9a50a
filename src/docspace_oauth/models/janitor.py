"""The tables that housekeeping needs: who is pruning, the audit trail's deletion window, and
the aggregated failures of clients nobody knows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from docspace_oauth.models.base import Base


class JanitorLease(Base):
    """One row per job: the instance that may run it until `expires_at`. Several instances
    (or `serve --workers N`) share the database, and only the holder prunes."""

    __tablename__ = "janitor_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]


class AuditPruneWindow(Base):
    """Exists only inside a prune's own transaction: the database's append-only trigger lets
    audit rows older than `cutoff` be deleted while it does, and nothing else, ever."""

    __tablename__ = "audit_prune_window"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cutoff: Mapped[datetime]


class AuthFailureWindow(Base):
    """Failed client authentications for client_ids that do not exist, counted per address
    and hour. One row each would let anyone grow the audit trail without limit, and no
    tenant's admin could read them (they belong to no tenant)."""

    __tablename__ = "auth_failure_windows"
    __table_args__ = (
        Index("uq_auth_failure_windows_ip_window", "ip", "window_start", unique=True),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    ip: Mapped[str] = mapped_column(String(64))
    window_start: Mapped[datetime]
    failures: Mapped[int] = mapped_column(Integer)
    last_at: Mapped[datetime]
    # The last client_id tried (cut to 64 characters), which is often enough to see the mistake.
    last_client_id: Mapped[str] = mapped_column(String(64))


__all__ = ["AuditPruneWindow", "AuthFailureWindow", "JanitorLease"]
