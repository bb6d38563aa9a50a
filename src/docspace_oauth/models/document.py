"""Client ID metadata documents: the URL a document-backed client is known by, and how long
its fetched document may be used (registration/documents.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from docspace_oauth.models.base import Base


class ClientDocument(Base):
    """The client's row in `clients` has a derived id (uuid5 over the URL): `clients.client_id`
    is a 36-character key that many tables point at, which a URL cannot be. Deleting the
    client deletes this row with it."""

    __tablename__ = "client_documents"
    __table_args__ = (Index("uq_client_documents_url", "url", unique=True),)

    client_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("clients.client_id", ondelete="CASCADE"), primary_key=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    fetched_at: Mapped[datetime]
    expires_at: Mapped[datetime]
