from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from docspace_oauth.models.base import Base, utcnow


def default_tenant_url(issuer: str, tenant_id: int) -> str:
    """A tenant's URL when nobody named one: distinct per tenant, so that a resource server
    checking `aud` never accepts another tenant's token. Tenant 1 (the quickstart's) keeps
    the issuer itself, which no other tenant can get (docs/security.md, Decisions)."""
    issuer = issuer.rstrip("/")
    return issuer if tenant_id == 1 else f"{issuer}/tenants/{tenant_id}"


class Tenant(Base):
    __tablename__ = "tenants"
    # Two tenants with one URL would accept each other's access tokens.
    __table_args__ = (Index("uq_tenants_url", "url", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(256))
    # The portal address; access tokens name it as their audience, as DocSpace's do.
    url: Mapped[str] = mapped_column(String(2048))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
