"""What introspection, userinfo and revocation read of a token's state: everything that can
have revoked it, in one statement (see oauth2.repository for the rules these queries keep:
never a commit, one row per revocation)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.db.direct import DirectDB, Statement, as_list
from docspace_oauth.db.engine import dialect_insert
from docspace_oauth.models import (
    Client,
    ClientDocument,
    Consent,
    RefreshToken,
    RevokedAccessToken,
    TokenFamily,
)

# Introspection: everything that can have revoked a token, in one statement.


@dataclass(frozen=True, slots=True)
class AccessTokenState:
    client_tenant: int | None  # None: the client is gone
    jti_revoked: bool
    family_revoked: bool
    consent_generation: int | None
    client_scopes: tuple[str, ...] = ()  # what the client may have now (narrowing applies)


# One statement for every kind of access token: a client's own token has no family (the
# parameter is NULL, so that EXISTS is false) and its consent column is ignored.
_ACCESS_TOKEN_STATE = Statement(
    select(
        select(Client.tenant_id)
        .where(Client.client_id == bindparam("client_id"))
        .scalar_subquery(),
        exists().where(RevokedAccessToken.jti == bindparam("jti")),
        exists().where(
            TokenFamily.id == bindparam("family_id"), TokenFamily.revoked_at.is_not(None)
        ),
        select(Consent.generation)
        .where(
            Consent.client_id == bindparam("client_id"),
            Consent.user_id == bindparam("subject"),
            Consent.revoked.is_(False),
        )
        .scalar_subquery(),
        select(Client.scopes).where(Client.client_id == bindparam("client_id")).scalar_subquery(),
    )
)


async def access_token_state(
    db: DirectDB,
    *,
    client_id: str,
    subject: str,
    jti: str,
    family_id: str | None,
    with_consent: bool,
) -> AccessTokenState:
    row = await db.fetchrow(
        _ACCESS_TOKEN_STATE, client_id=client_id, subject=subject, jti=jti, family_id=family_id
    )
    assert row is not None  # a SELECT without FROM always has its one row
    generation = row[3] if with_consent else None
    return AccessTokenState(
        client_tenant=row[0],
        jti_revoked=bool(row[1]),
        family_revoked=bool(row[2]),
        consent_generation=None if generation is None else int(generation),
        client_scopes=as_list(row[4]),
    )


@dataclass(frozen=True, slots=True)
class RefreshTokenState:
    token: RefreshToken
    family: TokenFamily
    consent_generation: int | None
    client_tenant: int | None
    client_scopes: tuple[str, ...]
    client_url: str | None = None  # a metadata document's client: the client_id it uses


async def refresh_token_state(session: AsyncSession, token_hash: str) -> RefreshTokenState | None:
    row = (
        await session.execute(
            select(
                RefreshToken,
                TokenFamily,
                Consent.generation,
                select(Client.tenant_id)
                .where(Client.client_id == RefreshToken.client_id)
                .scalar_subquery(),
                select(Client.scopes)
                .where(Client.client_id == RefreshToken.client_id)
                .scalar_subquery(),
                select(ClientDocument.url)
                .where(ClientDocument.client_id == RefreshToken.client_id)
                .scalar_subquery(),
            )
            .join(TokenFamily, TokenFamily.id == RefreshToken.family_id)
            .outerjoin(
                Consent,
                (Consent.client_id == TokenFamily.client_id)
                & (Consent.user_id == TokenFamily.user_id)
                & Consent.revoked.is_(False),
            )
            .where(RefreshToken.token_hash == token_hash)
        )
    ).one_or_none()
    if row is None:
        return None
    return RefreshTokenState(row[0], row[1], row[2], row[3], as_list(row[4]), row[5])


async def revoke_access_token(session: AsyncSession, jti: str, expires_at: datetime) -> None:
    stmt = (await dialect_insert(session, RevokedAccessToken)).values(
        jti=jti, expires_at=expires_at
    )
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["jti"]))
