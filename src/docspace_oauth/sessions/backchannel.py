"""The Back-Channel Logout 1.0 queue: what is owed to which client, in the database.

A delivery is queued in the same transaction as what caused it (a session ending, a consent
revoked), so it exists exactly when that happened, on whichever instance; sessions.delivery
sends it later, outside any user's request, and at least once: a sender claims a row by
moving `next_attempt_at` past its timeout, so a sender that dies mid-way leaves the row to be
tried again, and two senders never hold the same row at once.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.models import (
    BackchannelLogout,
    Client,
    SessionClient,
    SignInSession,
    utcnow,
)

_NO_SYNC = {"synchronize_session": False}
_ERROR_LENGTH = 256


def _queue(
    session: AsyncSession, client_id: str, uri: str, subject: str, sid: str | None, now: datetime
) -> None:
    session.add(
        BackchannelLogout(
            id=secrets.token_urlsafe(24),  # the logout_token's jti
            client_id=client_id,
            uri=uri,
            subject=subject,
            session_id=sid,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            last_error="",
        )
    )


async def session_ended(session: AsyncSession, session_id: str, subject: str) -> int:
    """Queue a logout_token for each client that got a code through the session and
    registered a backchannel_logout_uri; how many."""
    rows = (
        await session.execute(
            select(Client.client_id, Client.backchannel_logout_uri)
            .join(SessionClient, SessionClient.client_id == Client.client_id)
            .where(SessionClient.session_id == session_id, Client.backchannel_logout_uri != "")
        )
    ).all()
    now = utcnow()
    for client_id, uri in rows:
        _queue(session, client_id, uri, subject, session_id, now)
    return len(rows)


async def consent_revoked(session: AsyncSession, client_id: str, user_id: str) -> int:
    """The user withdrew the client's access: the client is told to end the user's sessions
    with it, each live session by its sid. With none (the user came through a portal's
    x-signature, not our sign-in page), one token for the user alone, unless the client said
    it needs a sid."""
    client = await session.get(Client, client_id)
    if client is None or not client.backchannel_logout_uri:
        return 0
    now = utcnow()
    sids = (
        await session.scalars(
            select(SignInSession.id)
            .join(SessionClient, SessionClient.session_id == SignInSession.id)
            .where(
                SessionClient.client_id == client_id,
                SignInSession.user_id == user_id,
                SignInSession.ended_at.is_(None),
                SignInSession.expires_at > now,
            )
        )
    ).all()
    if not sids and client.backchannel_logout_session_required:
        return 0
    targets: list[str | None] = [*sids] if sids else [None]
    for sid in targets:
        _queue(session, client_id, client.backchannel_logout_uri, user_id, sid, now)
    return max(len(sids), 1)


@dataclass(frozen=True, slots=True)
class Claimed:
    id: str
    client_id: str
    uri: str
    subject: str
    session_id: str | None
    attempts: int  # this one included


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(BackchannelLogout.given_up_at.is_(None), BackchannelLogout.next_attempt_at <= now)


async def any_due(session: AsyncSession) -> bool:
    """A read, so that an idle poll never takes SQLite's write lock."""
    found = await session.scalar(select(BackchannelLogout.id).where(_due(utcnow())).limit(1))
    return found is not None


async def claim_due(session: AsyncSession, *, lease: timedelta, limit: int = 20) -> list[Claimed]:
    """Take up to `limit` deliveries that are due, for `lease`: none is taken by two
    senders (each claim is a compare-and-set on the row's next_attempt_at). Commits."""
    now = utcnow()
    due = (
        await session.execute(
            select(BackchannelLogout)
            .where(_due(now))
            .order_by(BackchannelLogout.next_attempt_at)
            .limit(limit)
        )
    ).scalars()
    claimed: list[Claimed] = []
    for row in list(due):
        result = await session.execute(
            update(BackchannelLogout)
            .where(
                BackchannelLogout.id == row.id,
                BackchannelLogout.next_attempt_at == row.next_attempt_at,
                BackchannelLogout.attempts == row.attempts,
            )
            .values(next_attempt_at=now + lease, attempts=row.attempts + 1),
            execution_options=_NO_SYNC,
        )
        if getattr(result, "rowcount", 0) == 1:
            claimed.append(
                Claimed(
                    row.id, row.client_id, row.uri, row.subject, row.session_id, row.attempts + 1
                )
            )
    await session.commit()
    return claimed


async def delivered(session: AsyncSession, ids: Sequence[str]) -> None:
    if ids:
        await session.execute(
            delete(BackchannelLogout).where(BackchannelLogout.id.in_(ids)),
            execution_options=_NO_SYNC,
        )


async def failed(
    session: AsyncSession, item: Claimed, error: str, *, retry_in: timedelta | None
) -> None:
    """A try that failed: again after `retry_in`, or (None) given up."""
    now = utcnow()
    values: dict[str, object] = {"last_error": error[:_ERROR_LENGTH]}
    if retry_in is None:
        values["given_up_at"] = now
    else:
        values["next_attempt_at"] = now + retry_in
    await session.execute(
        update(BackchannelLogout).where(BackchannelLogout.id == item.id).values(**values),
        execution_options=_NO_SYNC,
    )


async def pending(session: AsyncSession) -> Sequence[BackchannelLogout]:
    """Every delivery still in the queue (given up ones too), oldest first."""
    return (
        await session.scalars(select(BackchannelLogout).order_by(BackchannelLogout.created_at))
    ).all()
