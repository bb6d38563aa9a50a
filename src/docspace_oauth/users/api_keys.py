"""A user's API keys, as `users keys list|issue|revoke` manages them.

A key is named by the first characters of its keyed hash: that identifies it without
revealing anything that would let someone use it (the key itself is shown once, at issue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.callers.service import issue_api_key
from docspace_oauth.errors import Conflict, NotFound
from docspace_oauth.models import ApiKey, User

KEY_ID_LENGTH = 12


@dataclass(frozen=True, slots=True)
class KeyInfo:
    id: str
    kind: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(
        id=row.key_hash[:KEY_ID_LENGTH],
        kind=row.kind,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


async def list_keys(session: AsyncSession, user: User, *, sessions: bool = False) -> list[KeyInfo]:
    """API keys, oldest first; console sign-in sessions (keys too) only when asked for."""
    query = select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.created_at)
    if not sessions:
        query = query.where(ApiKey.kind == "api")
    return [_info(row) for row in (await session.scalars(query)).all()]


async def issue_key(session: AsyncSession, hash_key: bytes, user: User) -> str:
    return await issue_api_key(session, hash_key, user.id)


async def revoke_key(session: AsyncSession, user: User, key_id: str) -> KeyInfo:
    """Revoke the user's key (or session) whose id starts with key_id."""
    prefix = key_id.strip().lower()
    rows = (
        []
        if len(prefix) < 6
        else [
            row
            for row in (
                await session.scalars(select(ApiKey).where(ApiKey.user_id == user.id))
            ).all()
            if row.key_hash.startswith(prefix)
        ]
    )
    if not rows:
        raise NotFound(f"{user.email} has no key {key_id} (give at least 6 characters of its id).")
    if len(rows) > 1:
        raise Conflict(f"{key_id} names {len(rows)} keys of {user.email}: give more of the id.")
    row = rows[0]
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        await session.flush()
    return _info(row)
