from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.audit.actions import Action
from docspace_oauth.audit.service import record
from docspace_oauth.callers.principal import Caller
from docspace_oauth.clients.service import parse_client_id
from docspace_oauth.consents import repository
from docspace_oauth.models import Client, Consent
from docspace_oauth.sessions import backchannel


async def revoke_own(session: AsyncSession, caller: Caller, client_id: str) -> str:
    """The caller withdraws its own consent; any role may, whoever owns the client.

    As DocSpace does, the client is not looked up: revoking by (tenant, user, client id)
    when there is nothing to revoke succeeds, so the answer says nothing about whether such
    a client exists. Every token minted under the consent dies with it (its generation).
    """
    canonical = parse_client_id(client_id)
    revoked = 0
    if canonical is not None:
        revoked = await repository.revoke(
            session, canonical, caller.user_id, caller.tenant_id, datetime.now(UTC)
        )
        if revoked:
            # The app is told to end the user's sessions with it (Back-Channel Logout).
            await backchannel.consent_revoked(session, canonical, caller.user_id)
    await record(
        session,
        caller,
        Action.CONSENT_REVOKE,
        client_id=canonical or client_id[:64],
        details={"had_consent": bool(revoked)},
    )
    return canonical or client_id


@dataclass(frozen=True, slots=True)
class ConsentPage:
    items: list[tuple[Consent, Client]]
    limit: int
    last_modified_on: datetime | None
    last_client_id: str | None


async def list_page(
    session: AsyncSession,
    caller: Caller,
    *,
    limit: int,
    last_modified_on: datetime | None,
    last_client_id: str | None,
) -> ConsentPage:
    after = None
    if last_modified_on is not None:
        after = (last_modified_on, parse_client_id(last_client_id) if last_client_id else None)
    rows = list(
        await repository.page_for_user(
            session,
            tenant_id=caller.tenant_id,
            user_id=caller.user_id,
            limit=limit + 1,
            after=after,
        )
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1][0] if has_more else None
    return ConsentPage(
        rows, limit, last.modified_at if last else None, last.client_id if last else None
    )
