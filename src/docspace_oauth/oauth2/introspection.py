"""Introspection (RFC 7662), revocation (RFC 7009) and userinfo (OIDC Core 5.3).

An access token is active when its signature, issuer and expiry check out and nothing has
revoked it since: its client still exists (a deleted client's row is gone), its jti was not
revoked, its family was not revoked (code replay, refresh-token reuse, RFC 7009), and, for a
user's token, the consent generation it carries is the pair's current one. All of that is
one SELECT. A disabled client's tokens stay active until they expire, as the seed says.

Scopes the client has lost since (an admin narrowed it) are left out of what introspection
and userinfo report, and a token left with none is inactive (tokens.still_allowed).

A client may introspect any token of its own tenant (a resource server needs that); tokens
of other tenants are simply inactive to it.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.audit.actions import Action, Outcome
from docspace_oauth.audit.service import record_event
from docspace_oauth.models import utcnow
from docspace_oauth.oauth2 import repository, resources, token_state
from docspace_oauth.oauth2.client_auth import AuthenticatedClient
from docspace_oauth.oauth2.errors import InsufficientScope, InvalidToken
from docspace_oauth.oauth2.state import AuthServer
from docspace_oauth.oauth2.token_state import AccessTokenState
from docspace_oauth.oauth2.tokens import (
    VerifiedAccessToken,
    looks_like_jwt,
    still_allowed,
    verify_with_reload,
)
from docspace_oauth.security.hashing import keyed_hash

INACTIVE: dict[str, Any] = {"active": False}
OPENID = "openid"


async def verified(server: AuthServer, token: str) -> VerifiedAccessToken | None:
    return await verify_with_reload(
        server.keys,
        token,
        issuer=server.issuer,
        now=int(time.time()),
        reload=server.reload_keys,
        cache=server.verified_tokens,
    )


def _is_user_token(token: VerifiedAccessToken) -> bool:
    return token.generation is not None


def _active(token: VerifiedAccessToken, state: AccessTokenState) -> bool:
    if state.client_tenant is None or state.client_tenant != token.tenant_id:
        return False  # the client was deleted
    if state.jti_revoked or state.family_revoked:
        return False
    if _is_user_token(token):
        return state.consent_generation == token.generation
    # Without a generation, only a client's own client_credentials token is valid.
    return token.subject == token.client_id and token.family_id is None


async def access_token_state(server: AuthServer, token: VerifiedAccessToken) -> AccessTokenState:
    return await token_state.access_token_state(
        server.runtime.direct,
        client_id=token.client_id,
        subject=token.subject,
        jti=token.jti,
        family_id=token.family_id,
        with_consent=_is_user_token(token),
    )


def _timestamp(value: datetime) -> int:
    return int(value.timestamp())


async def introspect(
    server: AuthServer, caller: AuthenticatedClient, token: str, resource: str | None = None
) -> dict[str, Any]:
    """`resource` (RFC 8707) names the resource the caller serves: a token for a resource
    registered as requiring it is active only to a caller that names it."""
    if not token or len(token) > 8192:
        return INACTIVE
    if looks_like_jwt(token):
        access = await verified(server, token)
        if access is None or access.tenant_id != caller.record.tenant_id:
            return INACTIVE
        access_state = await access_token_state(server, access)
        scopes = still_allowed(access.scopes, access_state.client_scopes)
        if not scopes or not _active(access, access_state):
            return INACTIVE
        claims = access.claims
        bound = await _resource_of(server, caller, access.tenant_id, claims.get("aud"))
        if bound is not None and bound.introspection_requires_resource and resource != bound.url:
            return INACTIVE
        return {
            "active": True,
            "token_type": "Bearer",
            "scope": " ".join(scopes),
            # As minted: a metadata document's client sees its URL, as it sent it.
            "client_id": claims.get("client_id", access.client_id),
            "sub": access.subject,
            "aud": claims.get("aud"),
            "iss": claims.get("iss"),
            "exp": access.expires_at,
            "iat": access.issued_at,
            "jti": access.jti,
            "tid": access.tenant_id,
            "cid": access.client_id,
            **({"resource": bound.url} if bound else {}),
        }
    async with server.transaction(write=False) as session:
        state = await token_state.refresh_token_state(session, keyed_hash(server.hash_key, token))
    if state is None:
        return INACTIVE
    family, refresh = state.family, state.token
    scopes = still_allowed(family.scopes.split(), state.client_scopes)
    live = (
        bool(scopes)
        and refresh.used_at is None
        and refresh.expires_at > utcnow()
        and family.revoked_at is None
        and state.consent_generation == family.generation
        and state.client_tenant is not None
        and state.client_tenant == caller.record.tenant_id
    )
    if not live:
        return INACTIVE
    return {
        "active": True,
        "token_type": "refresh_token",
        "scope": " ".join(scopes),
        "client_id": state.client_url or refresh.client_id,
        "sub": family.user_id,
        "exp": _timestamp(refresh.expires_at),
        "iat": _timestamp(refresh.created_at),
        "tid": family.tenant_id,
        "cid": refresh.client_id,
    }


async def _resource_of(
    server: AuthServer, caller: AuthenticatedClient, tenant_id: int, audience: Any
) -> resources.Bound | None:
    # A token for the tenant's own URL (nearly all) costs no query.
    if not isinstance(audience, str) or audience == caller.record.tenant_url:
        return None
    return await resources.bound(server.runtime.direct, tenant_id, audience)


async def revoke(
    server: AuthServer, session: AsyncSession, caller: AuthenticatedClient, token: str
) -> None:
    """RFC 7009: revoke a token the caller holds. Unknown tokens and tokens of other clients
    are answered the same way (200) so that nothing can be learnt by probing."""
    if not token or len(token) > 8192:
        return
    if looks_like_jwt(token):
        access = await verified(server, token)
        if access is not None and access.client_id == caller.client_id:
            await token_state.revoke_access_token(
                session, access.jti, datetime.fromtimestamp(access.expires_at, UTC)
            )
            await _audit_revoke(session, caller, "access_token")
        return
    status = await repository.refresh_token_status(session, keyed_hash(server.hash_key, token))
    if status is not None and status.client_id == caller.client_id and status.family_id:
        # RFC 7009 2.1: revoking a refresh token also ends the access tokens of its grant.
        await repository.revoke_family(session, status.family_id, utcnow())
        await _audit_revoke(session, caller, "refresh_token")


async def _audit_revoke(session: AsyncSession, caller: AuthenticatedClient, kind: str) -> None:
    await record_event(
        session,
        Action.TOKEN_REVOKE,
        Outcome.SUCCESS,
        tenant_id=caller.record.tenant_id,
        ip=caller.ip,
        client_id=caller.client_id,
        details={"token_type": kind},
    )


async def live_user_token(server: AuthServer, token: str) -> VerifiedAccessToken | None:
    """A user's access token that verifies and that nothing has revoked, with the scopes its
    client still has; None otherwise."""
    access = await verified(server, token)
    if access is None or not _is_user_token(access):
        return None
    state = await access_token_state(server, access)
    if not _active(access, state):
        return None
    return replace(access, scopes=tuple(still_allowed(access.scopes, state.client_scopes)))


async def userinfo(server: AuthServer, token: str) -> dict[str, Any]:
    access = await verified(server, token)
    if access is None:
        raise InvalidToken("The access token is invalid or expired.")
    state = await access_token_state(server, access)
    if not _active(access, state):
        raise InvalidToken("The access token was revoked.")
    scopes = still_allowed(access.scopes, state.client_scopes)
    if OPENID not in scopes or not _is_user_token(access):
        raise InsufficientScope("The access token lacks the openid scope.")
    profile = await repository.local_profile(
        server.runtime.direct, access.subject, access.tenant_id
    )
    if profile is None and access.family_id is not None:
        profile = await repository.family_profile(server.runtime.direct, access.family_id)
    name, email = profile or ("", "")
    body: dict[str, Any] = {"sub": access.subject, "tid": access.tenant_id}
    if name:
        body["name"] = name
    if email:
        body["email"] = email
    return body
