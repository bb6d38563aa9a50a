"""Queries of the authorization server. Never commits: the functions that take a session
work in the caller's transaction; those that take a `DirectTransaction` in the one the token
endpoint opened (db.direct); those that take a `DirectDB` read committed state.

Every revocation here is one row write (a family, a jti, a consent generation); nothing
scans or updates tokens in bulk. Single-use rows (codes, refresh tokens, pending requests)
are claimed with one conditional UPDATE or DELETE ... RETURNING, so that of any number of
concurrent attempts exactly one wins, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.db.direct import DirectDB, DirectTransaction, Statement, as_list, as_utc
from docspace_oauth.db.engine import dialect_insert
from docspace_oauth.models import (
    AuthorizationCode,
    AuthorizationRequest,
    Client,
    ClientDocument,
    Consent,
    RefreshToken,
    Tenant,
    TokenFamily,
    User,
)
from docspace_oauth.oauth2 import keys

_NO_SYNC = {"synchronize_session": False}


# Clients, as the token, introspection and revocation endpoints need them: a handful of
# columns (never the logo), the tenant's URL and the newest signing key, in one statement.


@dataclass(frozen=True, slots=True)
class ClientRecord:
    client_id: str
    tenant_id: int
    enabled: bool
    allow_pkce: bool
    grant_types: tuple[str, ...]
    scopes: tuple[str, ...]
    redirect_uris: tuple[str, ...]
    allowed_origins: tuple[str, ...]
    secret_hash: str
    previous_secret_hash: str | None
    previous_secret_expires_at: datetime | None
    tenant_url: str | None
    key_version: int | None
    application_type: str = "web"
    # A metadata document's client: its URL, the client_id it is known by outside.
    metadata_url: str | None = None

    @property
    def public_id(self) -> str:
        """The client_id every answer names the client by (the id_token's aud and azp)."""
        return self.metadata_url or self.client_id


_CLIENT_RECORD = Statement(
    select(
        Client.client_id,
        Client.tenant_id,
        Client.enabled,
        Client.allow_pkce,
        Client.grant_types,
        Client.scopes,
        Client.redirect_uris,
        Client.allowed_origins,
        Client.secret_hash,
        Client.previous_secret_hash,
        Client.previous_secret_expires_at,
        Tenant.url,
        keys.version_subquery(),
        Client.application_type,
        ClientDocument.url,
    )
    .outerjoin(Tenant, Tenant.id == Client.tenant_id)
    .outerjoin(ClientDocument, ClientDocument.client_id == Client.client_id)
    .where(Client.client_id == bindparam("client_id"))
)


async def client_record(db: DirectDB, client_id: str) -> ClientRecord | None:
    row = await db.fetchrow(_CLIENT_RECORD, client_id=client_id)
    if row is None:
        return None
    return ClientRecord(
        client_id=row[0],
        tenant_id=row[1],
        enabled=bool(row[2]),
        allow_pkce=bool(row[3]),
        grant_types=as_list(row[4]),
        scopes=as_list(row[5]),
        redirect_uris=as_list(row[6]),
        allowed_origins=as_list(row[7]),
        secret_hash=row[8],
        previous_secret_hash=row[9],
        previous_secret_expires_at=as_utc(row[10]),
        tenant_url=row[11],
        key_version=row[12],
        application_type=row[13],
        metadata_url=row[14],
    )


async def full_client(session: AsyncSession, client_id: str) -> Client | None:
    """The whole row, for the pages that show the client (name, logo, links)."""
    return await session.get(Client, client_id)


async def tenant_url(session: AsyncSession, tenant_id: int) -> str | None:
    return await session.scalar(select(Tenant.url).where(Tenant.id == tenant_id))


# Pending authorization requests.


async def put_pending(session: AsyncSession, values: dict[str, Any]) -> None:
    """Insert or replace the pending request for (user, client, state)."""
    stmt = (await dialect_insert(session, AuthorizationRequest)).values(**values)
    changes = {k: v for k, v in values.items() if k != "id"}
    await session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=changes))


async def get_pending(session: AsyncSession, request_id: str) -> AuthorizationRequest | None:
    return await session.get(AuthorizationRequest, request_id)


async def claim_pending(session: AsyncSession, request_id: str) -> AuthorizationRequest | None:
    """Take the pending request away; of two concurrent consents only one gets it."""
    result = await session.execute(
        delete(AuthorizationRequest)
        .where(AuthorizationRequest.id == request_id)
        .returning(AuthorizationRequest),
        execution_options=_NO_SYNC,
    )
    return result.scalars().one_or_none()


# Codes.


async def add_code(session: AsyncSession, code: AuthorizationCode) -> None:
    session.add(code)
    await session.flush()


# The token endpoint's writes: short transactions through db.direct (DirectTransaction), each
# a handful of prebuilt statements.

_CODES = cast(Table, AuthorizationCode.__table__)
_FAMILIES = cast(Table, TokenFamily.__table__)
_REFRESH_TOKENS = cast(Table, RefreshToken.__table__)


@dataclass(frozen=True, slots=True)
class ClaimedCode:
    client_id: str
    user_id: str
    tenant_id: int
    redirect_uri: str
    scopes: str
    nonce: str | None
    code_challenge: str | None
    generation: int
    user_name: str
    user_email: str
    audience: str
    expires_at: datetime
    session_id: str | None
    auth_time: datetime | None
    amr: str | None


_CLAIM_CODE = Statement(
    update(_CODES)
    .where(_CODES.c.code_hash == bindparam("code_hash"), _CODES.c.used_at.is_(None))
    .values(used_at=bindparam("now"), family_id=bindparam("family_id"))
    .returning(*(_CODES.c[name] for name in ClaimedCode.__dataclass_fields__))
)


async def claim_code(
    tx: DirectTransaction, db: DirectDB, code_hash: str, *, family_id: str, now: datetime
) -> ClaimedCode | None:
    """Mark the code used and name the family it issues, if nobody did before."""
    row = await tx.fetchrow(
        _CLAIM_CODE, code_hash=code_hash, now=db.timestamp(now), family_id=family_id
    )
    if row is None:
        return None
    claimed = ClaimedCode(*row)
    expires_at = as_utc(claimed.expires_at)
    assert expires_at is not None
    return replace(claimed, expires_at=expires_at, auth_time=as_utc(claimed.auth_time))


@dataclass(frozen=True, slots=True)
class UsedStatus:
    client_id: str
    family_id: str | None
    used: bool


async def code_status(session: AsyncSession, code_hash: str) -> UsedStatus | None:
    row = (
        await session.execute(
            select(
                AuthorizationCode.client_id,
                AuthorizationCode.family_id,
                AuthorizationCode.used_at,
            ).where(AuthorizationCode.code_hash == code_hash)
        )
    ).one_or_none()
    return None if row is None else UsedStatus(row[0], row[1], row[2] is not None)


# Families and refresh tokens.


async def revoke_family(session: AsyncSession, family_id: str, now: datetime) -> int:
    """One row: the family's refresh tokens and access tokens all die with it."""
    result = await session.execute(
        update(TokenFamily)
        .where(TokenFamily.id == family_id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=now),
        execution_options=_NO_SYNC,
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _insert(table: Table) -> Statement:
    return Statement(insert(table).values({c.key: bindparam(c.key) for c in table.columns}))


_INSERT_FAMILY = _insert(_FAMILIES)
_INSERT_REFRESH_TOKEN = _insert(_REFRESH_TOKENS)


def _values(db: DirectDB, entity: TokenFamily | RefreshToken) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column in entity.__table__.columns:
        value = getattr(entity, column.key)
        values[column.key] = db.timestamp(value) if isinstance(value, datetime) else value
    return values


async def add_family(
    tx: DirectTransaction, db: DirectDB, family: TokenFamily, refresh: RefreshToken | None
) -> None:
    await tx.execute(_INSERT_FAMILY, **_values(db, family))
    if refresh is not None:
        await add_refresh_token(tx, db, refresh)


async def add_refresh_token(tx: DirectTransaction, db: DirectDB, refresh: RefreshToken) -> None:
    await tx.execute(_INSERT_REFRESH_TOKEN, **_values(db, refresh))


@dataclass(frozen=True, slots=True)
class ClaimedRefresh:
    family_id: str
    expires_at: datetime


_CLAIM_REFRESH_TOKEN = Statement(
    update(_REFRESH_TOKENS)
    .where(
        _REFRESH_TOKENS.c.token_hash == bindparam("token_hash"),
        _REFRESH_TOKENS.c.client_id == bindparam("client_id"),
        _REFRESH_TOKENS.c.used_at.is_(None),
    )
    .values(used_at=bindparam("now"))
    .returning(_REFRESH_TOKENS.c.family_id, _REFRESH_TOKENS.c.expires_at)
)


async def claim_refresh_token(
    tx: DirectTransaction, db: DirectDB, token_hash: str, *, client_id: str, now: datetime
) -> ClaimedRefresh | None:
    """Rotate: mark the token used if it is this client's and unused. Race-safe: of any
    number of concurrent uses exactly one sees a row come back."""
    row = await tx.fetchrow(
        _CLAIM_REFRESH_TOKEN, token_hash=token_hash, client_id=client_id, now=db.timestamp(now)
    )
    if row is None:
        return None
    expires_at = as_utc(row[1])
    assert expires_at is not None
    return ClaimedRefresh(row[0], expires_at)


async def refresh_token_status(session: AsyncSession, token_hash: str) -> UsedStatus | None:
    row = (
        await session.execute(
            select(RefreshToken.client_id, RefreshToken.family_id, RefreshToken.used_at).where(
                RefreshToken.token_hash == token_hash
            )
        )
    ).one_or_none()
    return None if row is None else UsedStatus(row[0], row[1], row[2] is not None)


@dataclass(frozen=True, slots=True)
class Family:
    id: str
    user_id: str
    tenant_id: int
    scopes: str
    generation: int
    user_name: str
    user_email: str
    audience: str
    revoked_at: datetime | None
    session_id: str | None
    auth_time: datetime | None
    amr: str | None


@dataclass(frozen=True, slots=True)
class FamilyState:
    family: Family
    consent_generation: int | None  # None: no consent, or a revoked one

    @property
    def live(self) -> bool:
        return (
            self.family.revoked_at is None
            and self.consent_generation is not None
            and self.consent_generation == self.family.generation
        )


_FAMILY_STATE = Statement(
    select(
        *(_FAMILIES.c[name] for name in Family.__dataclass_fields__),
        select(Consent.generation)
        .where(
            Consent.client_id == _FAMILIES.c.client_id,
            Consent.user_id == _FAMILIES.c.user_id,
            Consent.revoked.is_(False),
        )
        .scalar_subquery(),
    ).where(_FAMILIES.c.id == bindparam("family_id"))
)


async def family_state(tx: DirectTransaction, family_id: str) -> FamilyState | None:
    row = await tx.fetchrow(_FAMILY_STATE, family_id=family_id)
    if row is None:
        return None
    family = Family(*row[:-1])
    family = replace(
        family, revoked_at=as_utc(family.revoked_at), auth_time=as_utc(family.auth_time)
    )
    return FamilyState(family, row[-1])


_CONSENT_GENERATION = Statement(
    select(Consent.generation).where(
        Consent.client_id == bindparam("client_id"),
        Consent.user_id == bindparam("user_id"),
        Consent.revoked.is_(False),
    )
)


async def consent_generation(tx: DirectTransaction, client_id: str, user_id: str) -> int | None:
    """The pair's current generation, or None when there is no live consent."""
    row = await tx.fetchrow(_CONSENT_GENERATION, client_id=client_id, user_id=user_id)
    return None if row is None else int(row[0])


# Profiles for userinfo and id_tokens.


_LOCAL_PROFILE = Statement(
    select(User.name, User.email).where(
        User.id == bindparam("user_id"), User.tenant_id == bindparam("tenant_id")
    )
)
_FAMILY_PROFILE = Statement(
    select(_FAMILIES.c.user_name, _FAMILIES.c.user_email).where(
        _FAMILIES.c.id == bindparam("family_id")
    )
)


async def local_profile(
    db: DirectDB | DirectTransaction, user_id: str, tenant_id: int
) -> tuple[str, str] | None:
    row = await db.fetchrow(_LOCAL_PROFILE, user_id=user_id, tenant_id=tenant_id)
    return None if row is None else (row[0], row[1])


async def family_profile(db: DirectDB, family_id: str) -> tuple[str, str] | None:
    row = await db.fetchrow(_FAMILY_PROFILE, family_id=family_id)
    return None if row is None else (row[0], row[1])
