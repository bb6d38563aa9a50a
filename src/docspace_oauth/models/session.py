"""Sign-in sessions: what a browser's asc_auth_key cookie stands for.

A sign-in creates one row; the cookie is an API key of kind "session" (`key_hash`) that
refers to it. The row's `id` is the OpenID Connect `sid`, public in id_tokens. Every
instance reads the row on every request (callers.service), so a session ended anywhere is
refused everywhere at once; nothing about it is cached in a process.

`session_clients` records which clients got a code through the session: what a logout (RP- or
back-channel) has to tell, and what the "Where you're signed in" page shows.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from docspace_oauth.models.base import Base


class EndReason(StrEnum):
    """Why a session ended (`sessions.end_reason`)."""

    SIGNED_OUT = "signed-out"
    REPLACED = "replaced"  # another user signed in in the same browser
    BY_USER = "ended-by-user"
    BY_ADMIN = "ended-by-admin"
    EXPIRED = "expired"  # ran out unended; the janitor ends it so that its apps are told


class SignInSession(Base):
    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_user", "user_id", "created_at"),
        Index("ix_sessions_tenant", "tenant_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The cookie's key; rotated (the row keeps its id) when the same user signs in again.
    key_hash: Mapped[str] = mapped_column(
        String(64), ForeignKey("api_keys.key_hash", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    tenant_id: Mapped[int] = mapped_column(Integer)
    # When the user last proved who they are (OIDC auth_time), and how (RFC 8176 amr values,
    # space-separated).
    auth_time: Mapped[datetime]
    amr: Mapped[str] = mapped_column(String(64), default="pwd")
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    # Why it ended (EndReason).
    end_reason: Mapped[str | None] = mapped_column(String(32), default=None)


class SessionClient(Base):
    """A client that received a code through a session (no foreign key to clients: see
    models.token)."""

    __tablename__ = "session_clients"

    session_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]


class BackchannelLogout(Base):
    """A Back-Channel Logout 1.0 delivery owed to a client: one logout_token (its `jti` is
    the row's id, the same on every attempt, so the client can tell a repeat) until the client
    answers 2xx (the row goes) or the tries run out (`given_up_at`; the janitor prunes it).

    The token itself is signed when it is sent, so a row holds nothing that could sign anyone
    out if it leaked: only whom to tell what."""

    __tablename__ = "backchannel_logouts"
    __table_args__ = (Index("ix_backchannel_logouts_due", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36))
    uri: Mapped[str] = mapped_column(String(2048))
    subject: Mapped[str] = mapped_column(String(64))  # the id_token's sub
    session_id: Mapped[str | None] = mapped_column(String(64), default=None)  # its sid
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When it may be tried (again); a sender claims a row by moving this past its timeout.
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    last_error: Mapped[str] = mapped_column(String(256), default="")
    given_up_at: Mapped[datetime | None] = mapped_column(default=None)
