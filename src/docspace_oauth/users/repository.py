from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.models import ApiKey, Role, Tenant, User


async def get_tenant(session: AsyncSession, tenant_id: int) -> Tenant | None:
    return await session.get(Tenant, tenant_id)


async def tenant_with_url(session: AsyncSession, url: str) -> Tenant | None:
    return await session.scalar(select(Tenant).where(Tenant.url == url))


async def all_tenants(session: AsyncSession) -> list[Tenant]:
    return list((await session.scalars(select(Tenant).order_by(Tenant.id))).all())


async def enabled_owners(session: AsyncSession, tenant_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(User)
            .where(
                User.tenant_id == tenant_id,
                User.role == Role.OWNER.value,
                User.disabled_at.is_(None),
            )
        )
        or 0
    )


async def list_users(session: AsyncSession, tenant_id: int | None) -> list[tuple[User, int]]:
    """Users by tenant and email, each with its number of live API keys (sessions aside)."""
    live_keys = (
        select(ApiKey.user_id, func.count().label("keys"))
        .where(ApiKey.kind == "api", ApiKey.revoked_at.is_(None))
        .group_by(ApiKey.user_id)
        .subquery()
    )
    query = (
        select(User, func.coalesce(live_keys.c["keys"], 0))
        .outerjoin(live_keys, live_keys.c.user_id == User.id)
        .order_by(User.tenant_id, User.email)
    )
    if tenant_id is not None:
        query = query.where(User.tenant_id == tenant_id)
    return [(user, int(keys)) for user, keys in (await session.execute(query)).all()]


async def get_by_email(session: AsyncSession, tenant_id: int, email: str) -> User | None:
    return await session.scalar(
        select(User).where(User.tenant_id == tenant_id, User.email == email)
    )


async def get_by_id(session: AsyncSession, user_id: str) -> User | None:
    return await session.get(User, user_id)


async def first_with_password(session: AsyncSession, email: str) -> User | None:
    """The account with this email that can sign in, in the lowest-numbered tenant."""
    return await session.scalar(
        select(User)
        .where(User.email == email, User.password_hash.is_not(None), User.disabled_at.is_(None))
        .order_by(User.tenant_id)
        .limit(1)
    )
