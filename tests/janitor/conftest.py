"""A database of its own for each janitor test, so that what it counts is what it seeded."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from docspace_oauth.db.engine import create_engine, session_factory
from docspace_oauth.db.migrate import upgrade
from docspace_oauth.models import (
    ApiKey,
    AuditEvent,
    AuthFailureWindow,
    AuthorizationCode,
    AuthorizationRequest,
    DeviceAuthorization,
    RefreshToken,
    RegistrationToken,
    RevokedAccessToken,
    SigningKey,
    SignInSession,
    Tenant,
    TokenFamily,
    User,
    utcnow,
)
from docspace_oauth.settings import Settings
from tests.conftest import POSTGRES_ADMIN_URL, postgres_admin

ACCESS_TTL = timedelta(seconds=Settings().access_token_ttl_seconds)
LONG_AGO = timedelta(days=3)  # past every margin but the audit trail's
ANCIENT = timedelta(days=401)  # past the audit trail's default retention


@pytest.fixture
def empty_url(database_kind: str, tmp_path: Path) -> Iterator[str]:
    if database_kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'janitor.db'}"
        return
    name = f"dso_janitor_{secrets.token_hex(6)}"
    postgres_admin(f'CREATE DATABASE "{name}"')
    yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def sessions(empty_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(empty_url)
    await upgrade(engine)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@dataclass
class Seeded:
    """What was put in, by table: the keys that must go and the keys that must stay."""

    gone: dict[str, set[Any]] = field(default_factory=dict)
    kept: dict[str, set[Any]] = field(default_factory=dict)

    def add(self, table: str, key: Any, *, prunable: bool) -> None:
        (self.gone if prunable else self.kept).setdefault(table, set()).add(key)


def _hex() -> str:
    return secrets.token_hex(32)


def _grant(now: datetime, created: datetime, expires: datetime) -> dict[str, Any]:
    return {
        "client_id": str(uuid.uuid4()),
        "user_id": "u1",
        "tenant_id": 1,
        "redirect_uri": "https://app.example/cb",
        "scopes": "openid",
        "audience": "http://127.0.0.1:8000",
        "created_at": created,
        "expires_at": expires,
    }


def rows_of_every_kind(now: datetime, copies: int = 1) -> tuple[list[Any], Seeded]:
    """For each table, rows just past what the rules keep and rows just inside it."""
    rows: list[Any] = [Tenant(id=1, name="t", url="http://127.0.0.1:8000")]
    user = User(id="u1", tenant_id=1, email="u@example.com", name="u", role="owner")
    rows.append(user)
    seeded = Seeded()
    for _ in range(copies):
        _pending_and_codes(now, rows, seeded)
        _families(now, rows, seeded)
        _keys_and_jtis(now, rows, seeded)
        _devices_and_registration(now, rows, seeded)
        _audit(now, rows, seeded)
    return rows, seeded


def _pending_and_codes(now: datetime, rows: list[Any], seeded: Seeded) -> None:
    for expires, prunable in (
        (now - timedelta(seconds=5), True),
        (now + timedelta(minutes=5), False),
    ):
        key = _hex()
        rows.append(
            AuthorizationRequest(id=key, **_grant(now, now - timedelta(minutes=10), expires))
        )
        seeded.add("authorization_requests", key, prunable=prunable)
    # A code is kept for one access-token lifetime after it expired (late replays).
    for expires, prunable in ((now - LONG_AGO, True), (now - ACCESS_TTL / 2, False)):
        key = _hex()
        rows.append(AuthorizationCode(code_hash=key, generation=0, **_grant(now, expires, expires)))
        seeded.add("authorization_codes", key, prunable=prunable)


def _devices_and_registration(now: datetime, rows: list[Any], seeded: Seeded) -> None:
    # A device authorization, like a code, stays one access-token lifetime after it expired.
    for expires, prunable in ((now - LONG_AGO, True), (now - ACCESS_TTL / 2, False)):
        key = _hex()
        rows.append(
            DeviceAuthorization(
                device_code_hash=key,
                user_code_hash=_hex(),
                client_id=str(uuid.uuid4()),
                tenant_id=1,
                scopes="openid",
                interval=5,
                created_at=expires - timedelta(minutes=10),
                expires_at=expires,
                status="used",
            )
        )
        seeded.add("device_authorizations", key, prunable=prunable)
    # An initial access token goes once it expired; one used up but unexpired stays listed.
    for expires, uses, prunable in (
        (now - timedelta(seconds=5), 3, True),
        (now + timedelta(days=1), 0, False),
    ):
        key = str(uuid.uuid4())
        rows.append(
            RegistrationToken(
                id=key,
                tenant_id=1,
                token_hash=_hex(),
                uses_left=uses,
                expires_at=expires,
                created_on=now - timedelta(days=2),
                created_by="u1",
            )
        )
        seeded.add("registration_tokens", key, prunable=prunable)


def _family(now: datetime, created: datetime, revoked: datetime | None) -> TokenFamily:
    return TokenFamily(
        id=str(uuid.uuid4()),
        client_id=str(uuid.uuid4()),
        user_id="u1",
        tenant_id=1,
        scopes="openid",
        generation=0,
        audience="http://127.0.0.1:8000",
        created_at=created,
        revoked_at=revoked,
    )


def _refresh(family: TokenFamily, expires: datetime, used: datetime | None = None) -> RefreshToken:
    return RefreshToken(
        token_hash=_hex(),
        family_id=family.id,
        client_id=family.client_id,
        created_at=expires - timedelta(days=60),
        expires_at=expires,
        used_at=used,
    )


def _families(now: datetime, rows: list[Any], seeded: Seeded) -> None:
    # Gone: an old family whose only refresh token expired long ago (spent, too).
    old = _family(now, now - timedelta(days=90), None)
    old_token = _refresh(old, now - LONG_AGO, used=now - LONG_AGO)
    # Kept: an old, revoked family with no refresh token, revoked a moment ago: an access
    # token it issued at its last rotation may still be presented, and must stay revoked...
    # which only its row says. (Its created_at is recent enough: the rule's margin.)
    revoked = _family(now, now - ACCESS_TTL / 2, now - timedelta(minutes=1))
    # Kept: an old family that still has a live refresh token.
    alive = _family(now, now - timedelta(days=90), None)
    alive_token = _refresh(alive, now + timedelta(days=10))
    # Kept: a refresh token expired less than an access-token lifetime ago (and its family).
    recent = _family(now, now - timedelta(days=90), None)
    recent_token = _refresh(recent, now - ACCESS_TTL / 2)
    rows += [old, revoked, alive, recent, old_token, alive_token, recent_token]
    seeded.add("token_families", old.id, prunable=True)
    for family in (revoked, alive, recent):
        seeded.add("token_families", family.id, prunable=False)
    seeded.add("refresh_tokens", old_token.token_hash, prunable=True)
    seeded.add("refresh_tokens", alive_token.token_hash, prunable=False)
    seeded.add("refresh_tokens", recent_token.token_hash, prunable=False)


def _keys_and_jtis(now: datetime, rows: list[Any], seeded: Seeded) -> None:
    for expires, prunable in ((now - timedelta(minutes=5), True), (now + ACCESS_TTL, False)):
        jti = _hex()
        rows.append(RevokedAccessToken(jti=jti, expires_at=expires))
        seeded.add("revoked_access_tokens", jti, prunable=prunable)
    sessions = (
        ("session", now - timedelta(seconds=1), None, True),  # expired
        ("session", now + timedelta(hours=1), now - timedelta(hours=1), True),  # signed out
        ("session", now + timedelta(hours=1), None, False),  # live
        ("api", now - timedelta(days=1), now - timedelta(days=1), False),  # kept: listed
    )
    for kind, expires, revoked_at, prunable in sessions:
        key = _hex()
        rows.append(
            ApiKey(key_hash=key, user_id="u1", kind=kind, expires_at=expires, revoked_at=revoked_at)
        )
        seeded.add("api_keys", key, prunable=prunable)
        if kind == "session":
            # The sign-in session the cookie stands for goes with its key (ON DELETE CASCADE).
            sid = secrets.token_hex(16)
            rows.append(
                SignInSession(
                    id=sid,
                    key_hash=key,
                    user_id="u1",
                    tenant_id=1,
                    auth_time=now - timedelta(hours=2),
                    created_at=now - timedelta(hours=2),
                    expires_at=expires,
                    ended_at=revoked_at,
                )
            )
            seeded.add("sessions", sid, prunable=prunable)
            if revoked_at is None and expires < now:  # ran out unended: ended, apps told
                seeded.add("sessions_expired", sid, prunable=True)


def _audit(now: datetime, rows: list[Any], seeded: Seeded) -> None:
    for at, prunable in ((now - ANCIENT, True), (now - timedelta(days=399), False)):
        rows.append(
            AuditEvent(
                occurred_at=at,
                tenant_id=1,
                action="client.create",
                outcome="success",
                details={},
            )
        )
        rows.append(
            AuthFailureWindow(
                ip=f"192.0.2.{len(rows) % 250}",
                window_start=at.replace(minute=0, second=0, microsecond=0),
                failures=3,
                last_at=at,
                last_client_id="nobody",
            )
        )
        # Their ids are given by the database: counted, not named.
        seeded.add("audit_events", (at, len(rows)), prunable=prunable)
        seeded.add("auth_failure_windows", (at, len(rows)), prunable=prunable)


def signing_keys(now: datetime) -> tuple[list[SigningKey], Seeded]:
    seeded = Seeded()
    keys = []
    for seq, retired, prunable in (
        (1, now - LONG_AGO, True),
        (2, now - timedelta(minutes=5), False),  # still published
        (3, None, False),  # the signing key
    ):
        keys.append(
            SigningKey(
                seq=seq,
                kid=f"k{seq}-{secrets.token_hex(4)}",
                alg="ES256",
                public_jwk={"kty": "EC"},
                private_jwk_encrypted="v1.x",
                created_at=now - timedelta(days=30),
                retired_at=retired,
            )
        )
        seeded.add("signing_keys", seq, prunable=prunable)
    return keys, seeded


async def seed(sessions: async_sessionmaker[AsyncSession], rows: list[Any]) -> None:
    # Tenants and users first: the models declare no relationships for the ORM to order by.
    order = (Tenant | User, ApiKey, object)  # what a row refers to goes in first
    async with sessions() as session:
        for kind in order:
            session.add_all([row for row in rows if isinstance(row, kind)])
            await session.flush()
            rows = [row for row in rows if not isinstance(row, kind)]
        await session.commit()


__all__ = ["ACCESS_TTL", "Seeded", "rows_of_every_kind", "seed", "signing_keys", "utcnow"]
