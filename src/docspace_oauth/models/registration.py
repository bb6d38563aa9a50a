"""Dynamic client registration (RFC 7591/7592): tokens and each tenant's policy."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from docspace_oauth.models.base import Base


class ClientRegistration(Base):
    """A self-registered client's registration access token (its keyed hash: the token
    itself is shown once, in the 201) and where the registration came from."""

    __tablename__ = "client_registrations"
    __table_args__ = (Index("ix_client_registrations_ip", "tenant_id", "ip", "created_at"),)

    client_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    token_hash: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class RegistrationPolicy(Base):
    """A tenant's registration policy; a tenant without a row is closed."""

    __tablename__ = "registration_policies"

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    mode: Mapped[str] = mapped_column(String(8))  # closed | token | open
    max_clients: Mapped[int] = mapped_column(Integer)
    per_address_per_hour: Mapped[int] = mapped_column(Integer)
    modified_on: Mapped[datetime]
    modified_by: Mapped[str] = mapped_column(String(64))


class RegistrationToken(Base):
    """An initial access token (RFC 7591 §3): an admin's permission to register clients in
    the tenant, a given number of times, until it expires."""

    __tablename__ = "registration_tokens"
    __table_args__ = (Index("uq_registration_tokens_hash", "token_hash", unique=True),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    token_hash: Mapped[str] = mapped_column(String(64))
    uses_left: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime]
    created_on: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
