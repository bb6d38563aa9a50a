"""Turning a presented credential into a Caller, or refusing it."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.callers.credentials import API_KEY_PREFIX
from docspace_oauth.callers.principal import Caller, Scheme, SessionInfo
from docspace_oauth.db.direct import DirectDB, Statement, as_utc
from docspace_oauth.models import ApiKey, EndReason, Role, SignInSession, User
from docspace_oauth.parsing import ascii_int, flag
from docspace_oauth.security.hashing import keyed_hash

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
    key_hash = keyed_hash(hash_key, raw)
    now = datetime.now(UTC)
    result = await session.execute(
        update(ApiKey)
        .where(
            ApiKey.key_hash == key_hash,
            ApiKey.kind == "session",
            ApiKey.revoked_at.is_(None),
        )
        .values(revoked_at=now),
        execution_options={"synchronize_session": False},
    )
    # The session it stood for ends with it (models.session), as signed out.
    await session.execute(
        update(SignInSession)
        .where(SignInSession.key_hash == key_hash, SignInSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=EndReason.SIGNED_OUT.value),
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
        User.disabled_at,
        SignInSession.id,
        SignInSession.auth_time,
        SignInSession.amr,
        SignInSession.ended_at,
    )
    .join(ApiKey, ApiKey.user_id == User.id)
    .outerjoin(SignInSession, SignInSession.key_hash == ApiKey.key_hash)
    .where(ApiKey.key_hash == bindparam("key_hash"))
)


async def caller_from_api_key(db: DirectDB, hash_key: bytes, raw: str) -> Caller | None:
    if not raw or len(raw) > 256:
        return None
    row = await db.fetchrow(_CALLER_BY_KEY, key_hash=keyed_hash(hash_key, raw))
    if row is None:
        return None
    user_id, tenant_id, role, name, email, kind, expires_at, revoked_at, disabled_at = row[:9]
    session_id, auth_time, amr, ended_at = row[9:]
    expires = as_utc(expires_at)
    if revoked_at is not None or disabled_at is not None or ended_at is not None:
        return None
    if expires is not None and expires <= datetime.now(UTC):
        return None
    return Caller(
        user_id=user_id,
        tenant_id=tenant_id,
        role=Role(role),
        name=name,
        email=email,
        scheme=Scheme.SESSION if kind == "session" else Scheme.API_KEY,
        session=None
        if session_id is None
        else SessionInfo(session_id, _utc(auth_time), tuple(str(amr).split())),
    )


def _utc(value: datetime | str | None) -> datetime:
    converted = as_utc(value)
    assert converted is not None  # auth_time is NOT NULL
    return converted


def caller_from_signature(secret: str | None, token: str) -> Caller | None:
    """Verify a DocSpace portal's HS256 x-signature; its user need not exist here.

    A portal mints it from .NET claims, so values arrive as strings ("7", "True"); the JSON
    types are read too. A claim of any other shape makes the whole signature invalid.
    """
    if not secret or not token or len(token) > 8192:
        return None
    try:
        decoded = jwt.decode(token, OctKey.import_key(secret), algorithms=["HS256"])
        claims = decoded.claims
        jwt.JWTClaimsRegistry(leeway=_CLOCK_SKEW_SECONDS, exp={"essential": True}).validate(claims)
    except (JoseError, ValueError, TypeError):
        return None
    user_id = claims.get("user_id")
    if not isinstance(user_id, str) or not user_id or len(user_id) > 64:
        return None
    tenant_id = ascii_int(claims.get("tenant_id"), minimum=1)
    role = _portal_role(claims)
    # As DocSpace's identity service does, a signature without the user's name and email
    # or the portal's address is refused: each is always minted, and tokens need them.
    name, email, url = (_text_claim(claims, n) for n in ("user_name", "user_email", "tenant_url"))
    if tenant_id is None or role is None or not (name and email and url):
        return None
    return Caller(
        user_id=user_id,
        tenant_id=tenant_id,
        role=role,
        name=name,
        email=email,
        scheme=Scheme.SIGNATURE,
        tenant_url=url,
    )


def _portal_role(claims: dict[str, object]) -> Role | None:
    """DocSpace's reading (its SignatureAuthenticationProvider): an admin is an admin;
    otherwise a guest is a guest, and so is a member the portal does not make public (a
    portal whose developer tools are closed to users mints is_public "" or "false"). An absent
    or empty flag is false; any other value than a boolean makes the signature invalid."""
    flags: dict[str, bool] = {}
    for name in ("is_admin", "is_guest", "is_public"):
        raw = claims.get(name)
        value = False if raw is None or raw == "" else flag(raw)
        if value is None:
            return None
        flags[name] = value
    if flags["is_admin"]:
        return Role.ADMIN
    if flags["is_guest"] or not flags["is_public"]:
        return Role.GUEST
    return Role.USER


def _text_claim(claims: dict[str, object], name: str) -> str:
    value = claims.get(name)
    return value.strip()[:2048] if isinstance(value, str) else ""
