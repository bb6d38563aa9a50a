"""A local account's life after `users create`: password, disabling, deletion.

Disabling or deleting a user also ends their OAuth grants: every token family they hold is
revoked (its refresh tokens die and, through the `fam` claim checked at introspection, its
access tokens), and codes or consent requests still in flight are dropped so that none of
them turns into a new grant afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.errors import Conflict, NotFound
from docspace_oauth.models import (
    AuthorizationCode,
    AuthorizationRequest,
    Consent,
    Role,
    TokenFamily,
    User,
)
from docspace_oauth.security.hashing import hash_password
from docspace_oauth.users import repository
from docspace_oauth.users.service import check_password, normalise_email


async def find_user(session: AsyncSession, tenant_id: int, email: str) -> User:
    user = await repository.get_by_email(session, tenant_id, normalise_email(email))
    if user is None:
        raise NotFound(f"No user {email} in tenant {tenant_id}.")
    return user


async def set_password(session: AsyncSession, user: User, password: str | None) -> None:
    """None removes the password: the account can then use API keys only."""
    if password is not None:
        check_password(password)
    user.password_hash = None if password is None else hash_password(password)
    await session.flush()


@dataclass(frozen=True, slots=True)
class EndedGrants:
    families: int
    pending: int


async def end_grants(session: AsyncSession, user: User) -> EndedGrants:
    now = datetime.now(UTC)
    families = await session.execute(
        update(TokenFamily)
        .where(
            TokenFamily.tenant_id == user.tenant_id,
            TokenFamily.user_id == user.id,
            TokenFamily.revoked_at.is_(None),
        )
        .values(revoked_at=now),
        execution_options={"synchronize_session": False},
    )
    pending = 0
    for table in (AuthorizationCode, AuthorizationRequest):
        result = await session.execute(
            delete(table).where(table.tenant_id == user.tenant_id, table.user_id == user.id),
            execution_options={"synchronize_session": False},
        )
        pending += int(getattr(result, "rowcount", 0) or 0)
    return EndedGrants(int(getattr(families, "rowcount", 0) or 0), pending)


async def _refuse_last_owner(session: AsyncSession, user: User, doing: str) -> None:
    # A tenant without a working owner can only be repaired from the shell; refuse to make one.
    if (
        user.role == Role.OWNER.value
        and user.disabled_at is None
        and await repository.enabled_owners(session, user.tenant_id) <= 1
    ):
        raise Conflict(
            f"{user.email} is the only enabled owner of tenant {user.tenant_id}: "
            f"make another owner before you {doing} this one."
        )


async def set_disabled(session: AsyncSession, user: User, disabled: bool) -> EndedGrants:
    if not disabled:
        user.disabled_at = None
        await session.flush()
        return EndedGrants(0, 0)
    await _refuse_last_owner(session, user, "disable")
    if user.disabled_at is None:
        user.disabled_at = datetime.now(UTC)
    await session.flush()
    return await end_grants(session, user)


async def delete_user(session: AsyncSession, user: User) -> EndedGrants:
    """The user and their API keys and consents go; the clients they created stay, for the
    tenant's admins to keep or delete, and so does the audit trail, which is append-only."""
    await _refuse_last_owner(session, user, "delete")
    ended = await end_grants(session, user)
    await session.execute(
        delete(Consent).where(Consent.tenant_id == user.tenant_id, Consent.user_id == user.id),
        execution_options={"synchronize_session": False},
    )
    await session.delete(user)
    await session.flush()
    return ended
