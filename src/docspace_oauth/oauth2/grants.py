"""The token endpoint's grants: authorization_code, refresh_token, client_credentials.

A disabled client gets nothing new from any grant; its refresh tokens are left untouched
(the check comes before a token is spent), so they work again once it is re-enabled.

Codes and refresh tokens are spent in one short write transaction on the driver
(db.direct): claim, check, write the new rows. A refusal is raised once that transaction has
committed, so a refused code or token stays spent. When nothing could be claimed, a session
transaction tells a replay (which revokes the grant's tokens and is audited) from an unknown
value. client_credentials needs nothing but the client's row and opens no transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import NoReturn

from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.audit.actions import Action, Outcome
from docspace_oauth.audit.service import record_event
from docspace_oauth.clients.schemas import GrantType
from docspace_oauth.db.direct import DirectTransaction
from docspace_oauth.models import RefreshToken, TokenFamily, utcnow
from docspace_oauth.models.tenant import default_tenant_url
from docspace_oauth.oauth2 import grace, pkce, repository, resources
from docspace_oauth.oauth2.api_tokens import api_audience
from docspace_oauth.oauth2.authorize import ordered
from docspace_oauth.oauth2.client_auth import AuthenticatedClient, AuthMethod
from docspace_oauth.oauth2.errors import (
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    OAuth2Error,
    UnauthorizedClient,
)
from docspace_oauth.oauth2.issue import (
    OPENID,
    Identity,
    TokenResult,
    authentication_of,
    mint,
    new_refresh,
)
from docspace_oauth.oauth2.repository import ClaimedCode, ClientRecord
from docspace_oauth.oauth2.state import AuthServer
from docspace_oauth.oauth2.tokens import (
    Grant,
    still_allowed,
)
from docspace_oauth.scopes.catalogue import CATALOGUE
from docspace_oauth.security.hashing import keyed_hash

# A machine token (client_credentials) has no user, so it never carries a scope that speaks
# for one: the identity scope, nor the "your profile" ones (docs/security.md, Decisions).
MACHINE_SCOPES = frozenset(s.name for s in CATALOGUE if s.group not in {"openid", "profiles"})


def _require(record: ClientRecord, grant: GrantType) -> None:
    if not record.enabled:
        raise UnauthorizedClient("This client is disabled.")
    if grant.value not in record.grant_types:
        raise UnauthorizedClient(f"This client is not registered for the {grant.value} grant.")


def _param(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    if not value:
        raise InvalidRequest(f"{name} is required.")
    return value


def _narrowed(form: Mapping[str, str], allowed: Sequence[str]) -> list[str]:
    raw = form.get("scope")
    if raw is None or not raw.strip():
        return list(allowed)
    requested = ordered(raw.split())
    extra = [s for s in requested if s not in allowed]
    if extra:
        raise InvalidScope(f"Not granted: {' '.join(extra)}.")
    return requested


def _refreshed_scopes(form: Mapping[str, str], granted: str, record: ClientRecord) -> list[str]:
    """What a refresh yields: the granted scopes the client still has, narrowed by `scope=`."""
    kept = still_allowed(granted.split(), record.scopes)
    if not kept:
        raise InvalidGrant("The client no longer has any scope of this grant.")
    return _narrowed(form, kept)


async def _refreshed_resource(
    tx: DirectTransaction, family: repository.Family, asked: str | None
) -> resources.Bound | None:
    """RFC 8707 on refresh: the grant's resource, which `resource=` may repeat but never
    change, so a refresh narrows at most (to the same one) and never widens."""
    bound = await resources.bound(tx, family.tenant_id, family.audience)
    if resources.names_other(asked, family.audience if bound else ""):
        raise resources.wrong_target()
    return bound


def _code_refusal(
    code: ClaimedCode,
    record: ClientRecord,
    method: AuthMethod,
    *,
    redirect_uri: str | None,
    verifier: str | None,
    generation: int | None,
    now: datetime,
) -> str | None:
    """Why a claimed code issues nothing, or None when it is good."""
    if code.client_id != record.client_id:
        return "This code was issued to another client."
    if code.expires_at <= now:
        return "This code has expired."
    if redirect_uri != code.redirect_uri:
        return "redirect_uri differs from the one in the authorization request."
    if code.code_challenge is not None:
        if not verifier or not pkce.verify(verifier, code.code_challenge):
            return "code_verifier does not match the code_challenge."
    elif verifier is not None:
        return "code_verifier sent, but the authorization request had no code_challenge."
    elif method is AuthMethod.NONE:
        return "A client without a secret must use PKCE."
    if generation is None or generation != code.generation:
        return "The user's consent was withdrawn."
    if not code.scopes:
        return "The client no longer has any scope of this request."
    return None


async def authorization_code(
    server: AuthServer, client: AuthenticatedClient, form: Mapping[str, str]
) -> TokenResult:
    record = client.record
    _require(record, GrantType.AUTHORIZATION_CODE)
    code = _param(form, "code")
    redirect_uri = form.get("redirect_uri")
    verifier = form.get("code_verifier")
    asked = resources.requested(form)
    now = utcnow()
    code_hash = keyed_hash(server.hash_key, code)
    family_id = str(uuid.uuid4())
    db = server.runtime.direct
    refusal: str | None = None
    refresh: tuple[str, RefreshToken] | None = None
    # One short transaction: spend the code, check it, write the family. A refused code stays
    # spent (the transaction commits, then the refusal is raised).
    async with db.transaction() as tx:
        claimed = await repository.claim_code(tx, db, code_hash, family_id=family_id, now=now)
        if claimed is not None:
            # Scopes narrowed since the code was issued are not granted (still_allowed).
            scopes = still_allowed(claimed.scopes.split(), record.scopes)
            claimed = replace(claimed, scopes=" ".join(scopes))
            generation = await repository.consent_generation(tx, record.client_id, claimed.user_id)
            refusal = _code_refusal(
                claimed,
                record,
                client.method,
                redirect_uri=redirect_uri,
                verifier=verifier,
                generation=generation,
                now=now,
            )
            if refusal is None and resources.names_other(asked, claimed.audience):
                refusal = resources.WRONG_TARGET
            if refusal is None:
                refresh = new_refresh(server, record, family_id, now)
                family = TokenFamily(
                    id=family_id,
                    client_id=record.client_id,
                    user_id=claimed.user_id,
                    tenant_id=claimed.tenant_id,
                    scopes=claimed.scopes,
                    generation=claimed.generation,
                    nonce=claimed.nonce,
                    user_name=claimed.user_name,
                    user_email=claimed.user_email,
                    audience=claimed.audience,
                    created_at=now,
                    revoked_at=None,
                    session_id=claimed.session_id,
                    auth_time=claimed.auth_time,
                    amr=claimed.amr,
                )
                await repository.add_family(tx, db, family, refresh[1] if refresh else None)
    if claimed is None:
        await _unclaimable(
            server,
            client,
            code_hash,
            now,
            status_of=repository.code_status,
            replay=Action.AUTHORIZATION_CODE_REPLAY,
            replay_message="This code was already used; the tokens it issued are revoked.",
            unknown_message="Unknown code.",
        )
    if refusal is not None:
        raise (
            resources.wrong_target() if refusal == resources.WRONG_TARGET else InvalidGrant(refusal)
        )
    assert claimed is not None
    return mint(
        server,
        record,
        Grant(
            client_id=record.client_id,
            tenant_id=claimed.tenant_id,
            subject=claimed.user_id,
            audience=claimed.audience,
            scopes=claimed.scopes.split(),
            generation=claimed.generation,
            family_id=family_id,
        ),
        refresh_token=refresh[0] if refresh else None,
        identity=Identity(
            claimed.user_name,
            claimed.user_email,
            claimed.nonce,
            authentication_of(claimed.session_id, claimed.auth_time, claimed.amr),
        ),
    )


async def _unclaimable(
    server: AuthServer,
    client: AuthenticatedClient,
    value_hash: str,
    now: datetime,
    *,
    status_of: Callable[[AsyncSession, str], Awaitable[repository.UsedStatus | None]],
    replay: Action,
    replay_message: str,
    unknown_message: str,
) -> NoReturn:
    """A code or refresh token nobody could claim: unknown, or spent already. A second use of
    this client's code is a replay (RFC 6749 4.1.2), of its refresh token a reuse (RFC 9700
    4.14.2): either revokes every token of the grant, and is audited."""
    record = client.record
    async with server.transaction(write=True) as session:
        status = await status_of(session, value_hash)
        if status is not None and status.used and status.client_id == record.client_id:
            if status.family_id:
                await repository.revoke_family(session, status.family_id, now)
            await record_event(
                session,
                replay,
                Outcome.DENIED,
                tenant_id=record.tenant_id,
                ip=client.ip,
                client_id=record.client_id,
                details={"family_revoked": bool(status.family_id)},
            )
            raise InvalidGrant(replay_message, persist=True)
    raise InvalidGrant(unknown_message)


async def refresh_token(
    server: AuthServer, client: AuthenticatedClient, form: Mapping[str, str]
) -> TokenResult:
    record = client.record
    _require(record, GrantType.REFRESH_TOKEN)
    raw = _param(form, "refresh_token")
    now = utcnow()
    token_hash = keyed_hash(server.hash_key, raw)
    db = server.runtime.direct
    refusal: OAuth2Error | None = None
    rotation: _Rotation | None = None
    result: TokenResult | None = None
    # As for codes: a refused refresh token stays spent.
    async with db.transaction() as tx:
        claimed = await repository.claim_refresh_token(
            tx, db, token_hash, client_id=record.client_id, now=now
        )
        if claimed is not None:
            if claimed.expires_at <= now:
                refusal = InvalidGrant("This refresh token has expired.")
            else:
                try:
                    rotation = await _rotate(server, tx, record, form, claimed.family_id, now)
                except OAuth2Error as exc:
                    refusal = exc
            # Grace on: the response is minted and kept, sealed, before any retry can see
            # this token spent (oauth2/grace.py). Off, nothing more happens in here.
            if rotation is not None and grace.enabled(server):
                result = await _issue(server, record, rotation, tx)
                await grace.store(server, tx, token_hash, result.as_dict())
    if claimed is None:
        if grace.enabled(server):
            again = await grace.retry(server, db, token_hash, record.client_id, now)
            if again is not None:  # the body as_dict gave, token_type aside
                return TokenResult(**{k: v for k, v in again.items() if k != "token_type"})
        await _unclaimable(
            server,
            client,
            token_hash,
            now,
            status_of=repository.refresh_token_status,
            replay=Action.REFRESH_TOKEN_REUSE,
            replay_message="This refresh token was already used; every token of its grant is "
            "revoked.",
            unknown_message="Unknown refresh token.",
        )
    if refusal is not None:
        raise refusal
    assert rotation is not None
    return result or await _issue(server, record, rotation)


@dataclass(frozen=True, slots=True)
class _Rotation:
    family: repository.Family
    scopes: list[str]
    refresh: tuple[str, RefreshToken] | None
    bound: resources.Bound | None = None  # the grant's resource (RFC 8707), if it has one


async def _rotate(
    server: AuthServer,
    tx: DirectTransaction,
    record: ClientRecord,
    form: Mapping[str, str],
    family_id: str,
    now: datetime,
) -> _Rotation:
    """A claimed, unexpired refresh token's family checked and its successor written
    (raises what refuses it)."""
    state = await repository.family_state(tx, family_id)
    if state is None or not state.live:
        raise InvalidGrant("This grant was revoked.")
    scopes = _refreshed_scopes(form, state.family.scopes, record)
    bound = await _refreshed_resource(tx, state.family, resources.requested(form))
    refresh = new_refresh(server, record, family_id, now)
    if refresh is not None:
        await repository.add_refresh_token(tx, server.runtime.direct, refresh[1])
    return _Rotation(state.family, scopes, refresh, bound)


async def _issue(
    server: AuthServer,
    record: ClientRecord,
    rotation: _Rotation,
    tx: DirectTransaction | None = None,
) -> TokenResult:
    """Mint the rotation's tokens; inside its transaction (`tx`) when the grace keeps them,
    reading there too: another pooled connection could wait on the losers that hold the
    pool while they wait on this transaction's row lock."""
    family, scopes = rotation.family, rotation.scopes
    name, email = family.user_name, family.user_email
    if OPENID in scopes:  # a local user's current name and email, when there is one
        reader = tx or server.runtime.direct
        profile = await repository.local_profile(reader, family.user_id, family.tenant_id)
        if profile is not None:
            name, email = profile
    return mint(
        server,
        record,
        Grant(
            client_id=record.client_id,
            tenant_id=family.tenant_id,
            subject=family.user_id,
            # A resource's grant keeps its resource (RFC 8707), and a grant for this server's
            # own API (oauth2/api_tokens.py) stays one; any other takes the tenant's URL as it
            # is now (tenants set-url applies to live grants too).
            audience=family.audience
            if rotation.bound is not None or family.audience == api_audience(server.issuer)
            else record.tenant_url or family.audience,
            scopes=scopes,
            generation=family.generation,
            family_id=family.id,
        ),
        refresh_token=rotation.refresh[0] if rotation.refresh else None,
        # OIDC Core 12.2: a refreshed id_token carries no nonce.
        identity=Identity(
            name,
            email,
            None,
            authentication_of(family.session_id, family.auth_time, family.amr),
        ),
    )


async def client_credentials(
    server: AuthServer, client: AuthenticatedClient, form: Mapping[str, str]
) -> TokenResult:
    record = client.record
    if client.method is AuthMethod.NONE:
        raise UnauthorizedClient("client_credentials needs the client's secret.")
    _require(record, GrantType.CLIENT_CREDENTIALS)
    allowed = [s for s in record.scopes if s in MACHINE_SCOPES]
    if not allowed:
        raise InvalidScope("None of this client's scopes may be given to a machine token.")
    scopes = _narrowed(form, allowed)
    return mint(
        server,
        record,
        Grant(
            client_id=record.client_id,
            tenant_id=record.tenant_id,
            subject=record.client_id,
            audience=record.tenant_url or default_tenant_url(server.issuer, record.tenant_id),
            scopes=scopes,
        ),
        refresh_token=None,
        identity=None,
    )
