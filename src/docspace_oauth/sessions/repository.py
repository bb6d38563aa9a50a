"""Queries of sign-in sessions. Never commits: every function works in the caller's
transaction.

Ending a session is two row writes in one transaction: the session's `ended_at` (what the
record says) and its cookie key's `revoked_at`. Every instance reads both on every request
(callers.service), so the end holds everywhere before any instance answers again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.callers.service import issue_api_key
from docspace_oauth.db.engine import dialect_insert
from docspace_oauth.models import (
    ApiKey,
    Client,
    EndReason,
    SessionClient,
    SignInSession,
    User,
    utcnow,
)
from docspace_oauth.security.hashing import keyed_hash
from docspace_oauth.sessions import backchannel

_NO_SYNC = {"synchronize_session": False}


@dataclass(frozen=True, slots=True)
class NewSignIn:
    user_id: str
    tenant_id: int
    amr: str
    ip: str
    user_agent: str
    lifetime: timedelta


async def by_cookie(session: AsyncSession, hash_key: bytes, raw: str) -> SignInSession | None:
    if not raw or len(raw) > 256:
        return None
    return await session.scalar(
        select(SignInSession).where(SignInSession.key_hash == keyed_hash(hash_key, raw))
    )


def _live(row: SignInSession | None, now: datetime) -> bool:
    return row is not None and row.ended_at is None and row.expires_at > now


async def sign_in(
    session: AsyncSession, hash_key: bytes, new: NewSignIn, previous_cookie: str
) -> tuple[str, SignInSession]:
    """A successful sign-in: the cookie to set and its session.

    The same user signing in again in this browser (prompt=login, max_age) keeps the session
    and its sid, with a fresh auth_time and a new cookie key (the old one stops working: no
    session fixation). Another user's session in this browser ends, as replaced."""
    now = utcnow()
    raw = await issue_api_key(session, hash_key, new.user_id, kind="session", lifetime=new.lifetime)
    key_hash = keyed_hash(hash_key, raw)
    old = await by_cookie(session, hash_key, previous_cookie)
    if old is not None and _live(old, now) and old.user_id == new.user_id:
        await _revoke_key(session, old.key_hash, now)
        old.key_hash = key_hash
        old.auth_time = now
        old.amr = new.amr
        old.ip = new.ip[:64]
        old.user_agent = new.user_agent[:256]
        old.expires_at = now + new.lifetime
        await session.flush()
        return raw, old
    if old is not None and _live(old, now):
        await end(session, old.id, EndReason.REPLACED, now=now)
    row = SignInSession(
        # 160 random bits in hex: an id that never starts with "-", so that it is never taken
        # for an option on a command line (`docspace-oauth sessions end ID`).
        id=secrets.token_hex(20),
        key_hash=key_hash,
        user_id=new.user_id,
        tenant_id=new.tenant_id,
        auth_time=now,
        amr=new.amr,
        ip=new.ip[:64],
        user_agent=new.user_agent[:256],
        created_at=now,
        expires_at=now + new.lifetime,
    )
    session.add(row)
    await session.flush()
    return raw, row


async def _revoke_key(session: AsyncSession, key_hash: str, now: datetime) -> None:
    await session.execute(
        update(ApiKey)
        .where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now),
        execution_options=_NO_SYNC,
    )


async def end(
    session: AsyncSession, session_id: str, reason: EndReason, *, now: datetime | None = None
) -> bool:
    """End a live session; False when it had ended (or expired) already."""
    now = now or utcnow()
    ended = (
        await session.execute(
            update(SignInSession)
            .where(
                SignInSession.id == session_id,
                SignInSession.ended_at.is_(None),
                SignInSession.expires_at > now,
            )
            .values(ended_at=now, end_reason=reason.value)
            .returning(SignInSession.key_hash, SignInSession.user_id),
            execution_options=_NO_SYNC,
        )
    ).first()
    if ended is None:
        return False
    await _revoke_key(session, ended.key_hash, now)
    # The clients that took part hear of it by back-channel, after this commits.
    await backchannel.session_ended(session, session_id, ended.user_id)
    return True


async def end_expired(session: AsyncSession, *, now: datetime, limit: int) -> int:
    """End up to `limit` sessions that ran out with nobody ending them, and queue their
    back-channel logouts: a session's expiry ends it for its apps too (Back-Channel Logout
    1.0 §2.7). The janitor calls this before it deletes expired sessions' keys."""
    due = (
        select(SignInSession.id)
        .where(SignInSession.ended_at.is_(None), SignInSession.expires_at <= now)
        .limit(limit)
    )
    ended = (
        await session.execute(
            update(SignInSession)
            .where(SignInSession.id.in_(due), SignInSession.ended_at.is_(None))
            .values(ended_at=now, end_reason=EndReason.EXPIRED.value)
            .returning(SignInSession.id, SignInSession.user_id),
            execution_options=_NO_SYNC,
        )
    ).all()
    for session_id, user_id in ended:
        await backchannel.session_ended(session, session_id, user_id)
    return len(ended)


async def served(session: AsyncSession, session_id: str, client_id: str) -> None:
    """Note that a client got a code through this session (first and latest time)."""
    now = utcnow()
    stmt = (await dialect_insert(session, SessionClient)).values(
        session_id=session_id, client_id=client_id, first_at=now, last_at=now
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["session_id", "client_id"], set_={"last_at": now}
        )
    )


@dataclass(frozen=True, slots=True)
class ServedClient:
    client_id: str
    name: str  # "" when the client is gone
    first_at: datetime
    last_at: datetime


@dataclass(frozen=True, slots=True)
class SessionView:
    row: SignInSession
    user_email: str
    user_name: str
    clients: tuple[ServedClient, ...]


_LIST_LIMIT = 200  # a user has a handful; a tenant's newest are what an admin looks for


async def live_sessions(
    session: AsyncSession, *, tenant_id: int, user_id: str | None = None
) -> list[SessionView]:
    """The tenant's (or one user's in it) sessions that have not ended or expired, newest
    first, with the clients each served."""
    now = utcnow()
    query = (
        select(SignInSession, User.email, User.name)
        .join(User, User.id == SignInSession.user_id)
        .where(
            SignInSession.tenant_id == tenant_id,
            SignInSession.ended_at.is_(None),
            SignInSession.expires_at > now,
        )
        .order_by(SignInSession.created_at.desc(), SignInSession.id)
        .limit(_LIST_LIMIT)
    )
    if user_id is not None:
        query = query.where(SignInSession.user_id == user_id)
    rows = (await session.execute(query)).all()
    clients = await _clients_of(session, [row[0].id for row in rows])
    return [SessionView(row[0], row[1], row[2], clients.get(row[0].id, ())) for row in rows]


async def _clients_of(
    session: AsyncSession, session_ids: list[str]
) -> dict[str, tuple[ServedClient, ...]]:
    if not session_ids:
        return {}
    rows = (
        await session.execute(
            select(SessionClient, Client.name)
            .outerjoin(Client, Client.client_id == SessionClient.client_id)
            .where(SessionClient.session_id.in_(session_ids))
            .order_by(SessionClient.first_at, SessionClient.client_id)
        )
    ).all()
    found: dict[str, list[ServedClient]] = {}
    for link, name in rows:
        found.setdefault(link.session_id, []).append(
            ServedClient(link.client_id, name or "", link.first_at, link.last_at)
        )
    return {key: tuple(value) for key, value in found.items()}


async def get(session: AsyncSession, session_id: str) -> SignInSession | None:
    if not session_id or len(session_id) > 64:
        return None
    return await session.get(SignInSession, session_id)
