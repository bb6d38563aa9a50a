"""What every grant issues: the token response, minted from a Grant, and a new refresh token
(stored only as its keyed hash)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from docspace_oauth.clients.schemas import GrantType
from docspace_oauth.models import RefreshToken
from docspace_oauth.oauth2.repository import ClientRecord
from docspace_oauth.oauth2.state import AuthServer
from docspace_oauth.oauth2.tokens import (
    Authentication,
    Grant,
    mint_access_token,
    mint_id_token,
    opaque_token,
)
from docspace_oauth.security.hashing import keyed_hash

OPENID = "openid"


@dataclass(frozen=True, slots=True)
class TokenResult:
    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None = None
    id_token: str | None = None

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": self.scope,
        }
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        if self.id_token is not None:
            body["id_token"] = self.id_token
        return body


@dataclass(frozen=True, slots=True)
class Identity:
    """The user, as an id_token names them."""

    name: str
    email: str
    nonce: str | None
    authentication: Authentication | None = None


def authentication_of(
    session_id: str | None, auth_time: datetime | None, amr: str | None
) -> Authentication | None:
    """What an id_token says of the sign-in (auth_time, sid, amr), when there was one."""
    if session_id is None or auth_time is None:
        return None
    return Authentication(int(auth_time.timestamp()), session_id, tuple((amr or "").split()))


def mint(
    server: AuthServer,
    record: ClientRecord,
    grant: Grant,
    *,
    refresh_token: str | None,
    identity: Identity | None,
) -> TokenResult:
    settings = server.settings
    key = server.keys.current()
    now = int(time.time())
    ttl = settings.access_token_ttl_seconds
    access = mint_access_token(
        key, issuer=server.issuer, grant=grant, ttl=ttl, now=now, public_client_id=record.public_id
    )
    id_token = None
    if identity is not None and OPENID in grant.scopes:
        id_token = mint_id_token(
            key,
            issuer=server.issuer,
            client_id=record.public_id,  # the RP checks aud against the client_id it sent
            subject=grant.subject,
            tenant_id=grant.tenant_id,
            name=identity.name,
            email=identity.email,
            nonce=identity.nonce,
            access_token=access.value,
            ttl=ttl,
            now=now,
            authentication=identity.authentication,
        )
    return TokenResult(
        access_token=access.value,
        expires_in=ttl,
        scope=" ".join(grant.scopes),
        refresh_token=refresh_token,
        id_token=id_token,
    )


def new_refresh(
    server: AuthServer, record: ClientRecord, family_id: str, now: datetime
) -> tuple[str, RefreshToken] | None:
    if GrantType.REFRESH_TOKEN.value not in record.grant_types:
        return None
    raw = opaque_token()
    row = RefreshToken(
        token_hash=keyed_hash(server.hash_key, raw),
        family_id=family_id,
        client_id=record.client_id,
        created_at=now,
        expires_at=now + timedelta(seconds=server.settings.refresh_token_ttl_seconds),
        used_at=None,
        successor_sealed=None,
        reuse_count=0,
    )
    return raw, row
