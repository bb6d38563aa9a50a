"""Protected resources a tenant accepts as a token's audience (RFC 8707 resource indicators)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from docspace_oauth.models.base import Base, JSONList


class Resource(Base):
    __tablename__ = "resources"
    # A URL names one resource per tenant: it becomes the tokens' `aud`.
    __table_args__ = (Index("uq_resources_tenant_url", "tenant_id", "url", unique=True),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(String(2048))
    name: Mapped[str] = mapped_column(String(256))
    scopes: Mapped[list[str]] = mapped_column(JSONList)
    # Introspection answers active only when the caller names this resource (resource=).
    introspection_requires_resource: Mapped[bool] = mapped_column(Boolean, default=False)
    created_on: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
