"""The token endpoint's grants: authorization_code, refresh_token, client_credentials.

A disabled client gets nothing new from any grant; its refresh tokens are left untouched
(the check comes before a token is spent), so they work again once it is re-enabled.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.audit.actions import Action, Outcome
from docspace_oauth.audit.service import record_event
from docspace_oauth.clients.schemas import GrantType
from docspace_oauth.models import RefreshToken, TokenFamily, utcnow
from docspace_oauth.oauth2 import pkce, repository
from docspace_oauth.oauth2.authorize import ordered
from docspace_oauth.oauth2.client_auth import AuthenticatedClient, AuthMethod
from docspace_oauth.oauth2.errors import (
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    UnauthorizedClient,
)
from docspace_oauth.oauth2.repository import ClientRecord
from docspace_oauth.oauth2.state import AuthServer
from docspace_oauth.oauth2.tokens import Grant, mint_access_token, mint_id_token, opaque_token
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


def _require(record: ClientRecord, grant: GrantType) -> None:
    if not record.enabled:
        raise UnauthorizedClient("This client is disabled.")
    if grant.value not in record.grant_types:
        raise UnauthorizedClient(f"This client is not registered for the {grant.value} grant.")


def _param(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    if not value:
        raise InvalidRequest(f"{name} is required.")
    return value


def _mint(
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
    access = mint_access_token(key, issuer=server.issuer, grant=grant, ttl=ttl, now=now)
    id_token = None
    if identity is not None and OPENID in grant.scopes:
        id_token = mint_id_token(
            key,
            issuer=server.issuer,
            client_id=record.client_id,
            subject=grant.subject,
            tenant_id=grant.tenant_id,
            name=identity.name,
            email=identity.email,
            nonce=identity.nonce,
            access_token=access.value,
            ttl=ttl,
            now=now,
        )
    return TokenResult(
        access_token=access.value,
        expires_in=ttl,
        scope=" ".join(grant.scopes),
        refresh_token=refresh_token,
        id_token=id_token,
    )


def _new_refresh(
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
    )
    return raw, row


def _narrowed(form: Mapping[str, str], allowed: Sequence[str], *, persist: bool) -> list[str]:
    raw = form.get("scope")
    if raw is None or not raw.strip():
        return list(allowed)
    requested = ordered(raw.split())
    extra = [s for s in requested if s not in allowed]
    if extra:
        raise InvalidScope(f"Not granted: {' '.join(extra)}.", persist=persist)
    return requested


async def authorization_code(
    server: AuthServer, session: AsyncSession, client: AuthenticatedClient, form: Mapping[str, str]
) -> TokenResult:
    record = client.record
    _require(record, GrantType.AUTHORIZATION_CODE)
    code = _param(form, "code")
    redirect_uri = form.get("redirect_uri")
    verifier = form.get("code_verifier")
    now = utcnow()
    code_hash = keyed_hash(server.hash_key, code)
    family_id = str(uuid.uuid4())
    row = await repository.claim_code(session, code_hash, family_id=family_id, now=now)
    if row is None:
        status = await repository.code_status(session, code_hash)
        if status is not None and status.used and status.client_id == record.client_id:
            if status.family_id:
                await repository.revoke_family(session, status.family_id, now)
            await record_event(
                session,
                Action.AUTHORIZATION_CODE_REPLAY,
                Outcome.DENIED,
                tenant_id=record.tenant_id,
                ip=client.ip,
                client_id=record.client_id,
                details={"family_revoked": bool(status.family_id)},
            )
            raise InvalidGrant(
                "This code was already used; the tokens it issued are revoked.", persist=True
            )
        raise InvalidGrant("Unknown code.")

    # The code is spent from here on, whatever happens next.
    def refuse(message: str) -> InvalidGrant:
        return InvalidGrant(message, persist=True)

    if row.client_id != record.client_id:
        raise refuse("This code was issued to another client.")
    if row.expires_at <= now:
        raise refuse("This code has expired.")
    if redirect_uri != row.redirect_uri:
        raise refuse("redirect_uri differs from the one in the authorization request.")
    if row.code_challenge is not None:
        if not verifier or not pkce.verify(verifier, row.code_challenge):
            raise refuse("code_verifier does not match the code_challenge.")
    elif verifier is not None:
        raise refuse("code_verifier sent, but the authorization request had no code_challenge.")
    elif client.method is AuthMethod.NONE:
        raise refuse("A client without a secret must use PKCE.")
    generation = await repository.consent_generation(session, record.client_id, row.user_id)
    if generation is None or generation != row.generation:
        raise refuse("The user's consent was withdrawn.")

    scopes = row.scopes.split()
    family = TokenFamily(
        id=family_id,
        client_id=record.client_id,
        user_id=row.user_id,
        tenant_id=row.tenant_id,
        scopes=row.scopes,
        generation=row.generation,
        nonce=row.nonce,
        user_name=row.user_name,
        user_email=row.user_email,
        audience=row.audience,
        created_at=now,
        revoked_at=None,
    )
    refresh = _new_refresh(server, record, family_id, now)
    await repository.add_family(session, family, refresh[1] if refresh else None)
    return _mint(
        server,
        record,
        Grant(
            client_id=record.client_id,
            tenant_id=row.tenant_id,
            subject=row.user_id,
            audience=row.audience,
            scopes=scopes,
            generation=row.generation,
            family_id=family_id,
        ),
        refresh_token=refresh[0] if refresh else None,
        identity=Identity(row.user_name, row.user_email, row.nonce),
    )


async def refresh_token(
    server: AuthServer, session: AsyncSession, client: AuthenticatedClient, form: Mapping[str, str]
) -> TokenResult:
    record = client.record
    _require(record, GrantType.REFRESH_TOKEN)
    raw = _param(form, "refresh_token")
    now = utcnow()
    token_hash = keyed_hash(server.hash_key, raw)
    claimed = await repository.claim_refresh_token(
        session, token_hash, client_id=record.client_id, now=now
    )
    if claimed is None:
        status = await repository.refresh_token_status(session, token_hash)
        if status is not None and status.used and status.client_id == record.client_id:
            assert status.family_id is not None
            await repository.revoke_family(session, status.family_id, now)
            await record_event(
                session,
                Action.REFRESH_TOKEN_REUSE,
                Outcome.DENIED,
                tenant_id=record.tenant_id,
                ip=client.ip,
                client_id=record.client_id,
                details={"family_revoked": True},
            )
            raise InvalidGrant(
                "This refresh token was already used; every token of its grant is revoked.",
                persist=True,
            )
        raise InvalidGrant("Unknown refresh token.")
    if claimed.expires_at <= now:
        raise InvalidGrant("This refresh token has expired.", persist=True)
    state = await repository.family_state(session, claimed.family_id)
    if state is None or not state.live:
        raise InvalidGrant("This grant was revoked.", persist=True)
    family = state.family
    scopes = _narrowed(form, family.scopes.split(), persist=True)
    refresh = _new_refresh(server, record, family.id, now)
    if refresh is not None:
        await repository.add_refresh_token(session, refresh[1])
    name, email = family.user_name, family.user_email
    if OPENID in scopes:  # a local user's current name and email, when there is one
        profile = await repository.local_profile(session, family.user_id, family.tenant_id)
        if profile is not None:
            name, email = profile
    return _mint(
        server,
        record,
        Grant(
            client_id=record.client_id,
            tenant_id=family.tenant_id,
            subject=family.user_id,
            audience=family.audience,
            scopes=scopes,
            generation=family.generation,
            family_id=family.id,
        ),
        refresh_token=refresh[0] if refresh else None,
        # OIDC Core 12.2: a refreshed id_token carries no nonce.
        identity=Identity(name, email, None),
    )


def client_credentials(
    server: AuthServer, client: AuthenticatedClient, form: Mapping[str, str]
) -> TokenResult:
    record = client.record
    if client.method is AuthMethod.NONE:
        raise UnauthorizedClient("client_credentials needs the client's secret.")
    _require(record, GrantType.CLIENT_CREDENTIALS)
    allowed = [s for s in record.scopes if s != OPENID]  # no user, so no identity scope
    scopes = _narrowed(form, allowed, persist=False)
    return _mint(
        server,
        record,
        Grant(
            client_id=record.client_id,
            tenant_id=record.tenant_id,
            subject=record.client_id,
            audience=(record.tenant_url or server.issuer).rstrip("/"),
            scopes=scopes,
        ),
        refresh_token=None,
        identity=None,
    )
