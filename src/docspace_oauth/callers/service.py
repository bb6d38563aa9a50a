"""Turning a presented credential into a Caller, or refusing it."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.callers.principal import Caller, Scheme
from docspace_oauth.db.direct import DirectDB, Statement, as_utc
from docspace_oauth.models import ApiKey, Role, User
from docspace_oauth.security.hashing import keyed_hash

API_KEY_PREFIX = "dso_"
_CLOCK_SKEW_SECONDS = 30


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


async def issue_api_key(
    session: AsyncSession,
    hash_key: bytes,
    user_id: str,
    *,
    kind: str = "api",
    lifetime: timedelta | None = None,
) -> str:
    raw = new_api_key()
    now = datetime.now(UTC)
    session.add(
        ApiKey(
            key_hash=keyed_hash(hash_key, raw),
            user_id=user_id,
            kind=kind,
            created_at=now,
            expires_at=now + lifetime if lifetime else None,
        )
    )
    await session.flush()
    return raw


async def revoke_session_key(session: AsyncSession, hash_key: bytes, raw: str) -> bool:
    """Sign-out: the session key stops working at once, on every instance. Only keys of kind
    "session" are revoked; an API key someone put in the cookie is left alone."""
    if not raw or len(raw) > 256:
        return False
    result = await session.execute(
        update(ApiKey)
        .where(
            ApiKey.key_hash == keyed_hash(hash_key, raw),
            ApiKey.kind == "session",
            ApiKey.revoked_at.is_(None),
        )
        .values(revoked_at=datetime.now(UTC)),
        execution_options={"synchronize_session": False},
    )
    return bool(getattr(result, "rowcount", 0))


_CALLER_BY_KEY = Statement(
    select(
        User.id,
        User.tenant_id,
        User.role,
        User.name,
        User.email,
        ApiKey.kind,
        ApiKey.expires_at,
        ApiKey.revoked_at,
    )
    .join(ApiKey, ApiKey.user_id == User.id)
    .where(ApiKey.key_hash == bindparam("key_hash"))
)


async def caller_from_api_key(db: DirectDB, hash_key: bytes, raw: str) -> Caller | None:
    if not raw or len(raw) > 256:
        return None
    row = await db.fetchrow(_CALLER_BY_KEY, key_hash=keyed_hash(hash_key, raw))
    if row is None:
        return None
    user_id, tenant_id, role, name, email, kind, expires_at, revoked_at = row
    expires = as_utc(expires_at)
    if revoked_at is not None or (expires is not None and expires <= datetime.now(UTC)):
        return None
    return Caller(
        user_id=user_id,
        tenant_id=tenant_id,
        role=Role(role),
        name=name,
        email=email,
        scheme=Scheme.SESSION if kind == "session" else Scheme.API_KEY,
    )


def caller_from_signature(secret: str | None, token: str) -> Caller | None:
    """Verify a DocSpace portal's HS256 x-signature; its user need not exist here."""
    if not secret or not token or len(token) > 8192:
        return None
    try:
        decoded = jwt.decode(token, OctKey.import_key(secret), algorithms=["HS256"])
        claims = decoded.claims
        jwt.JWTClaimsRegistry(leeway=_CLOCK_SKEW_SECONDS, exp={"essential": True}).validate(claims)
    except (JoseError, ValueError, TypeError):
        return None
    user_id = claims.get("user_id")
    tenant_id = claims.get("tenant_id")
    if not isinstance(user_id, str) or not user_id or len(user_id) > 64:
        return None
    if isinstance(tenant_id, str) and tenant_id.isdigit():
        tenant_id = int(tenant_id)
    if not isinstance(tenant_id, int) or isinstance(tenant_id, bool):
        return None
    if claims.get("is_admin") is True:
        role = Role.ADMIN
    elif claims.get("is_guest") is True:
        role = Role.GUEST
    else:
        role = Role.USER
    return Caller(
        user_id=user_id,
        tenant_id=tenant_id,
        role=role,
        name=str(claims.get("user_name") or ""),
        email=str(claims.get("user_email") or ""),
        scheme=Scheme.SIGNATURE,
        tenant_url=str(claims.get("tenant_url") or ""),
    )
