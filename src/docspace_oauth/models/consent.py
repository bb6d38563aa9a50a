from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from docspace_oauth.models.base import Base


class Consent(Base):
    """A user's grant of scopes to a client, and the pair's token watermark.

    The row outlives a revocation: `revoked` hides it from the consent list while
    `generation` goes up, so every token minted under an older generation is dead without
    touching a single token row (O(1) revocation, durable across restarts).
    """

    __tablename__ = "consents"
    __table_args__ = (
        Index("ix_consents_user_page", "tenant_id", "user_id", "modified_at", "client_id"),
        Index("ix_consents_client", "client_id"),
    )

    client_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("clients.client_id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    scopes: Mapped[str] = mapped_column(String(2048), default="")
    revoked: Mapped[bool] = mapped_column(default=False)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    modified_at: Mapped[datetime]
