from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from docspace_oauth.models.base import Base, utcnow


class ServerSecret(Base):
    """Keys generated on first start so the quickstart needs no configuration.

    Production mode refuses to rely on these and requires DOCSPACE_OAUTH_SECRET_KEY.
    """

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
