from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.callers.service import issue_api_key
from docspace_oauth.errors import Conflict, ValidationFailed
from docspace_oauth.errors import FieldError as FieldProblem
from docspace_oauth.models import Role, Tenant, User
from docspace_oauth.models.tenant import default_tenant_url
from docspace_oauth.security.hashing import hash_password, verify_password
from docspace_oauth.users import repository

MIN_PASSWORD_LENGTH = 8


def normalise_email(email: str) -> str:
    email = email.strip()
    local, at, domain = email.rpartition("@")
    if (
        not at
        or not local
        or "." not in domain
        or len(email) > 320
        or any(c.isspace() for c in email)
    ):
        raise ValidationFailed(
            "Not an email address.", errors=[FieldProblem("email", "ErrorPattern", "not an email")]
        )
    # Compared case-insensitively, as every mail provider in practice treats them.
    return email.lower()


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Passwords have at least {MIN_PASSWORD_LENGTH} characters.",
            errors=[FieldProblem("password", "ErrorPattern", "too short")],
        )


async def ensure_tenant(
    session: AsyncSession, tenant_id: int, issuer: str, *, url: str | None = None
) -> Tenant:
    tenant = await repository.get_tenant(session, tenant_id)
    if tenant is None:
        url = url or default_tenant_url(issuer, tenant_id)
        await _refuse_taken_url(session, tenant_id, url)
        tenant = Tenant(
            id=tenant_id,
            name=f"Tenant {tenant_id}",
            # A local portal's address: the audience of the tokens its users get.
            url=url,
            created_at=datetime.now(UTC),
        )
        session.add(tenant)
        await session.flush()
    return tenant


async def _refuse_taken_url(session: AsyncSession, tenant_id: int, url: str) -> None:
    owner = await repository.tenant_with_url(session, url)
    if owner is not None and owner.id != tenant_id:
        raise Conflict(f"Tenant {owner.id} has the URL {url} already; audiences must differ.")


async def set_tenant_url(session: AsyncSession, tenant_id: int, url: str, issuer: str) -> Tenant:
    """Name a tenant's URL (the `aud` of its access tokens from now on, refreshed ones too);
    a tenant not yet known here is created with it."""
    url = url.rstrip("/")
    await _refuse_taken_url(session, tenant_id, url)
    tenant = await ensure_tenant(session, tenant_id, issuer, url=url)
    tenant.url = url
    await session.flush()
    return tenant


@dataclass(frozen=True, slots=True)
class CreatedUser:
    user: User
    api_key: str


async def create_user(
    session: AsyncSession,
    hash_key: bytes,
    *,
    email: str,
    role: Role,
    tenant_id: int,
    issuer: str,
    name: str | None = None,
    password: str | None = None,
) -> CreatedUser:
    email = normalise_email(email)
    if password is not None:
        check_password(password)
    await ensure_tenant(session, tenant_id, issuer)
    if await repository.get_by_email(session, tenant_id, email) is not None:
        raise Conflict(f"{email} already exists in tenant {tenant_id}.")
    user = User(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        email=email,
        name=name or email.split("@", 1)[0],
        role=role.value,
        password_hash=hash_password(password) if password is not None else None,
        created_at=datetime.now(UTC),
    )
    session.add(user)
    await session.flush()
    return CreatedUser(user=user, api_key=await issue_api_key(session, hash_key, user.id))


async def authenticate(
    session: AsyncSession, *, tenant_id: int | None, email: str, password: str
) -> User | None:
    """With no tenant (the console's sign-in), the account with that email in the
    lowest-numbered tenant that has a password: deterministic, and one password check."""
    try:
        email = normalise_email(email)
    except ValidationFailed:
        await asyncio.to_thread(verify_password, password, None)
        return None
    if tenant_id is None:
        user = await repository.first_with_password(session, email)
    else:
        user = await repository.get_by_email(session, tenant_id, email)
    # scrypt takes ~50 ms of CPU: off the event loop, so other requests keep flowing.
    stored = user.password_hash if user else None
    if not await asyncio.to_thread(verify_password, password, stored):
        return None
    # Checked after the password, so a disabled account costs as long as any other failure.
    return user if user is not None and user.disabled_at is None else None


async def bootstrap_owner(
    session: AsyncSession, hash_key: bytes, issuer: str
) -> CreatedUser | None:
    """When tenant 1 has no enabled owner (a first start, or its owner was deleted or
    disabled): create one, so a newcomer can call the API at once. None when it has one."""
    if await repository.enabled_owners(session, 1) > 0:
        return None
    email = "owner@example.com"
    if await repository.get_by_email(session, 1, email) is not None:
        # That address is taken (say, a disabled former owner): a fresh one, never a takeover.
        email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    return await create_user(
        session,
        hash_key,
        email=email,
        role=Role.OWNER,
        tenant_id=1,
        issuer=issuer,
        name="Owner",
    )
