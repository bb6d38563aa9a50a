from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from docspace_oauth.models.base import Base, JSONList


class Client(Base):
    """An OAuth client. The secret is never stored, only its keyed hash."""

    __tablename__ = "clients"
    __table_args__ = (
        # Keyset paging, newest first, for an admin's tenant-wide list and a user's own list.
        Index("ix_clients_tenant_page", "tenant_id", "created_on", "client_id"),
        Index("ix_clients_owner_page", "tenant_id", "created_by", "created_on", "client_id"),
    )

    client_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(256))
    description: Mapped[str] = mapped_column(String(255), default="")
    logo: Mapped[str] = mapped_column(Text, default="")
    website_url: Mapped[str] = mapped_column(String(2048), default="")
    terms_url: Mapped[str] = mapped_column(String(2048), default="")
    policy_url: Mapped[str] = mapped_column(String(2048), default="")
    logout_redirect_uri: Mapped[str] = mapped_column(String(2048), default="")
    # Back-Channel Logout 1.0 (an extension of the DocSpace contract): where to POST a
    # logout_token when a session the client took part in ends ("" for none), and whether
    # the client needs the token's sid.
    backchannel_logout_uri: Mapped[str] = mapped_column(String(2048), default="")
    backchannel_logout_session_required: Mapped[bool] = mapped_column(Boolean, default=False)
    redirect_uris: Mapped[list[str]] = mapped_column(JSONList)
    allowed_origins: Mapped[list[str]] = mapped_column(JSONList)
    scopes: Mapped[list[str]] = mapped_column(JSONList)
    grant_types: Mapped[list[str]] = mapped_column(JSONList)
    allow_pkce: Mapped[bool] = mapped_column(Boolean, default=False)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # "" by hand (API, console, CLI); "dynamic": self-registered through RFC 7591.
    registration: Mapped[str] = mapped_column(String(16), default="", server_default="")
    # "native" clients' loopback redirect URIs match on any port (RFC 8252 §7.3).
    application_type: Mapped[str] = mapped_column(String(8), default="web", server_default="web")

    secret_hash: Mapped[str] = mapped_column(String(64))
    # Zero-downtime rotation: the replaced secret stays valid until this instant.
    previous_secret_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(default=None)

    created_on: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    modified_on: Mapped[datetime]
    modified_by: Mapped[str] = mapped_column(String(64))


class ClientRow(NamedTuple):
    """A client as read for display, detached from any session: what the GET routes and the
    console's list build their answers from. Building ORM objects for a page of 30 cost more
    than everything else in the request (each attribute set goes through instrumentation);
    a named tuple is built in one call."""

    client_id: str
    tenant_id: int
    name: str
    description: str
    logo: str
    website_url: str
    terms_url: str
    policy_url: str
    logout_redirect_uri: str
    backchannel_logout_uri: str
    backchannel_logout_session_required: bool
    redirect_uris: list[str]
    allowed_origins: list[str]
    scopes: list[str]
    grant_types: list[str]
    allow_pkce: bool
    is_public: bool
    enabled: bool
    secret_hash: str
    previous_secret_hash: str | None
    previous_secret_expires_at: datetime | None
    created_on: datetime
    created_by: str
    modified_on: datetime
    modified_by: str
    registration: str
    application_type: str


ClientData = Client | ClientRow
