"""The authorization server's tables: signing keys, pending requests, codes and token state.

None of these tables has a foreign key to `clients`: deleting a client must not cascade over
its tokens (that would cost a write per token). A client id is a random UUID that is never
reused, so a token whose client row is gone is dead for good, at no cost.

Access tokens are never stored: they are self-contained JWTs. What revokes them is state
checked at introspection: the client row, the consent's generation, the token's family and,
for RFC 7009 revocation of one access token, its jti.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from docspace_oauth.models.base import Base, JSONList


class SigningKey(Base):
    """A token-signing key. The newest (highest seq) signs; older ones are retired.

    `seq` is the primary key so that two instances creating the first key, or two rotations
    racing, collide on the same value and one of them rereads instead of both signing.
    """

    __tablename__ = "signing_keys"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    alg: Mapped[str] = mapped_column(String(16))
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSONList)
    # AES-GCM under ServerKeys.encryption_key, the kid as associated data: "v1.<base64>".
    private_jwk_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    # When a newer key took over; the key stays in the JWKS for one token lifetime more.
    retired_at: Mapped[datetime | None] = mapped_column(default=None)


class AuthorizationRequest(Base):
    """An /authorize request waiting for the user's consent.

    Keyed by a keyed hash of (user, client_id, state), which is exactly what the consent
    form posts back, so any instance can complete it.
    """

    __tablename__ = "authorization_requests"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(1024), default="")
    redirect_uri: Mapped[str] = mapped_column(String(2048))
    scopes: Mapped[str] = mapped_column(String(2048))
    nonce: Mapped[str | None] = mapped_column(String(512), default=None)
    code_challenge: Mapped[str | None] = mapped_column(String(128), default=None)
    user_name: Mapped[str] = mapped_column(String(256), default="")
    user_email: Mapped[str] = mapped_column(String(320), default="")
    audience: Mapped[str] = mapped_column(String(2048))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class AuthorizationCode(Base):
    """An issued code, stored only as a keyed hash. Single use: `used_at` is set by the one
    exchange that wins; `family_id` names what that exchange issued, so a replay can revoke it.
    """

    __tablename__ = "authorization_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[int] = mapped_column(Integer)
    redirect_uri: Mapped[str] = mapped_column(String(2048))
    scopes: Mapped[str] = mapped_column(String(2048))
    nonce: Mapped[str | None] = mapped_column(String(512), default=None)
    code_challenge: Mapped[str | None] = mapped_column(String(128), default=None)
    generation: Mapped[int] = mapped_column(Integer)
    user_name: Mapped[str] = mapped_column(String(256), default="")
    user_email: Mapped[str] = mapped_column(String(320), default="")
    audience: Mapped[str] = mapped_column(String(2048))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    family_id: Mapped[str | None] = mapped_column(String(36), default=None)
    # The sign-in session the code was issued through (None for a caller authenticated by
    # a header), and what its id_tokens say of the authentication (OIDC auth_time, amr).
    session_id: Mapped[str | None] = mapped_column(String(64), default=None)
    auth_time: Mapped[datetime | None] = mapped_column(default=None)
    amr: Mapped[str | None] = mapped_column(String(64), default=None)


class TokenFamily(Base):
    """One grant: what a code exchange issued and every rotation of its refresh token.

    Revoking the family (one row write) kills its refresh tokens and, through the `fam` claim
    checked at introspection, its access tokens.
    """

    __tablename__ = "token_families"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[int] = mapped_column(Integer)
    scopes: Mapped[str] = mapped_column(String(2048))
    # The consent generation the grant was made under; a revocation moves the consent on.
    generation: Mapped[int] = mapped_column(Integer)
    nonce: Mapped[str | None] = mapped_column(String(512), default=None)
    # For users known only through an x-signature (no local row): userinfo and id_tokens.
    user_name: Mapped[str] = mapped_column(String(256), default="")
    user_email: Mapped[str] = mapped_column(String(320), default="")
    audience: Mapped[str] = mapped_column(String(2048))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    # From the code: a refreshed id_token keeps the original authentication's auth_time and
    # sid (OIDC Core 12.2).
    session_id: Mapped[str | None] = mapped_column(String(64), default=None)
    auth_time: Mapped[datetime | None] = mapped_column(default=None)
    amr: Mapped[str | None] = mapped_column(String(64), default=None)


class RefreshToken(Base):
    """A refresh token, stored only as a keyed hash; rotated on every use."""

    __tablename__ = "refresh_tokens"
    # The janitor asks "does this family still have a refresh token?" per family.
    __table_args__ = (Index("ix_refresh_tokens_family", "family_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(String(36))
    client_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    # Refresh reuse grace only (oauth2/grace.py; NULL and 0 when it is off): the response the
    # rotation gave, AES-GCM under ServerKeys.encryption_key with this row's hash as
    # associated data, and how many retries it has answered.
    successor_sealed: Mapped[str | None] = mapped_column(Text, default=None)
    reuse_count: Mapped[int] = mapped_column(Integer, default=0)


class RevokedAccessToken(Base):
    """An access token revoked one by one (RFC 7009), until it would have expired anyway."""

    __tablename__ = "revoked_access_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime]


__all__ = [
    "AuthorizationCode",
    "AuthorizationRequest",
    "RefreshToken",
    "RevokedAccessToken",
    "SigningKey",
    "TokenFamily",
]
