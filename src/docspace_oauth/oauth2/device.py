"""The device authorization grant (RFC 8628): a device without a browser signs a person in.

1. The device posts to /oauth2/device_authorization (client authentication as at the token
   endpoint; a public client sends its client_id) and gets a device code, a short user code
   and where the person types it.
2. The person, signed in through our sign-in page (the `asc_auth_key` session), types the user
   code on /oauth2/device, sees the app and its scopes, and allows or denies. Allowing records
   the consent as the consent page does. Wrong codes count against the session and the address
   (FailureThrottle): eight letters from a 20-letter alphabet leave a guesser nothing within
   the limit and the code's lifetime.
3. The device polls the token endpoint with grant_type
   urn:ietf:params:oauth:grant-type:device_code: authorization_pending until the answer,
   slow_down (and an interval 5 s longer, kept in the row) when it polls too fast,
   access_denied, expired_token; once allowed, one poll wins the tokens (a grant family, as
   a code exchange makes) and any later one is a replay, which revokes them.

Both codes are stored only as keyed hashes; each poll is one short write transaction.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.clients.schemas import GrantType
from docspace_oauth.consents import repository as consents
from docspace_oauth.models import DeviceAuthorization, TokenFamily, utcnow
from docspace_oauth.oauth2 import repository
from docspace_oauth.oauth2.api_tokens import api_audience
from docspace_oauth.oauth2.authorize import ordered
from docspace_oauth.oauth2.browser import DEVICE_PATH
from docspace_oauth.oauth2.client_auth import AuthenticatedClient
from docspace_oauth.oauth2.errors import (
    AuthorizationPending,
    DeviceAccessDenied,
    ExpiredToken,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    InvalidTarget,
    SlowDown,
    UnauthorizedClient,
)
from docspace_oauth.oauth2.issue import Identity, TokenResult, mint, new_refresh
from docspace_oauth.oauth2.repository import ClientRecord
from docspace_oauth.oauth2.state import AuthServer
from docspace_oauth.oauth2.tokens import Grant, still_allowed
from docspace_oauth.security.hashing import keyed_hash

DEVICE_GRANT = GrantType.DEVICE_CODE.value
# RFC 8628 6.1: consonants only (no words, nothing confusable), 8 of them: 20^8 ≈ 2^34.6.
_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
_USER_CODE_LENGTH = 8
_SLOW_DOWN_STEP = 5  # seconds, RFC 8628 3.5


def normalize_user_code(typed: str) -> str:
    """What a person typed, as it was issued: case and separators do not matter."""
    return "".join(c for c in typed.upper() if c in _ALPHABET)[:_USER_CODE_LENGTH]


def shown(user_code: str) -> str:
    return f"{user_code[:4]}-{user_code[4:]}"


def user_code_hash(server: AuthServer, user_code: str) -> str:
    return keyed_hash(server.hash_key, "device-user-code\x00" + normalize_user_code(user_code))


def _require(record: ClientRecord) -> None:
    if not record.enabled:
        raise UnauthorizedClient("This client is disabled.")
    if DEVICE_GRANT not in record.grant_types:
        raise UnauthorizedClient(f"This client is not registered for the {DEVICE_GRANT} grant.")


def _scopes(form: Mapping[str, str], record: ClientRecord) -> list[str]:
    raw = form.get("scope")
    allowed = list(record.scopes)
    if raw is None or not raw.strip():
        return allowed
    requested = ordered(raw.split())
    extra = [s for s in requested if s not in allowed]
    if extra:
        raise InvalidScope(f"Not registered for this client: {' '.join(extra)}.")
    return requested


async def start(
    server: AuthServer, session: AsyncSession, client: AuthenticatedClient, form: Mapping[str, str]
) -> dict[str, Any]:
    """POST /oauth2/device_authorization (RFC 8628 3.1, 3.2)."""
    record = client.record
    _require(record)
    scopes = _scopes(form, record)
    # The one resource a device may name: this server's own API (oauth2/api_tokens.py).
    # Resource indicators in general (RFC 8707) are the authorization endpoint's business.
    resource = form.get("resource")
    if resource is not None and resource != api_audience(server.issuer):
        raise InvalidTarget("The only resource a device may ask for is this server's API.")
    device_code = secrets.token_urlsafe(32)
    user_code = "".join(secrets.choice(_ALPHABET) for _ in range(_USER_CODE_LENGTH))
    now = utcnow()
    ttl = server.settings.device_code_ttl_seconds
    interval = server.settings.device_poll_interval_seconds
    session.add(
        DeviceAuthorization(
            device_code_hash=keyed_hash(server.hash_key, device_code),
            user_code_hash=user_code_hash(server, user_code),
            client_id=record.client_id,
            tenant_id=record.tenant_id,
            scopes=" ".join(scopes),
            interval=interval,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
            status="pending",
            user_name="",
            user_email="",
            audience=resource,
        )
    )
    await session.flush()
    uri = f"{server.issuer}{DEVICE_PATH}"
    return {
        "device_code": device_code,
        "user_code": shown(user_code),
        "verification_uri": uri,
        "verification_uri_complete": f"{uri}?user_code={shown(user_code)}",
        "expires_in": ttl,
        "interval": interval,
    }


# The person's answer (the page is in device_pages.py).


async def pending_by_user_code(
    server: AuthServer, session: AsyncSession, user_code: str
) -> DeviceAuthorization | None:
    """The request this code names, if it still waits for an answer."""
    if len(normalize_user_code(user_code)) != _USER_CODE_LENGTH:
        return None
    row = await session.scalar(
        select(DeviceAuthorization).where(
            DeviceAuthorization.user_code_hash == user_code_hash(server, user_code)
        )
    )
    if row is None or row.status != "pending" or row.expires_at <= utcnow():
        return None
    return row


@dataclass(frozen=True, slots=True)
class Approval:
    user_id: str
    generation: int
    user_name: str
    user_email: str
    audience: str


async def answer(session: AsyncSession, device_code_hash: str, approval: Approval | None) -> bool:
    """Record allow (an Approval) or deny, once: of two answers only the first counts."""
    values: dict[str, Any] = {"status": "denied"}
    if approval is not None:
        values = {"status": "approved", **asdict(approval)}
    result = await session.execute(
        update(DeviceAuthorization)
        .where(
            DeviceAuthorization.device_code_hash == device_code_hash,
            DeviceAuthorization.status == "pending",
            DeviceAuthorization.expires_at > utcnow(),
        )
        .values(**values),
        execution_options={"synchronize_session": False},
    )
    return bool(getattr(result, "rowcount", 0))


# Polling: the token endpoint's device_code grant.


def _poll_refusal(row: DeviceAuthorization, now: datetime) -> Exception | None:
    """What this poll is told before the answer is looked at; updates the row's clock."""
    if row.expires_at <= now:
        return ExpiredToken("The device code has expired; start again.")
    last = row.last_polled_at
    row.last_polled_at = now
    if last is not None and (now - last).total_seconds() < row.interval:
        row.interval += _SLOW_DOWN_STEP
        return SlowDown(f"Poll at most every {row.interval} seconds.", persist=True)
    if row.status == "pending":
        return AuthorizationPending("The user has not answered yet.", persist=True)
    if row.status == "denied":
        return DeviceAccessDenied("The user did not allow access.", persist=True)
    return None


async def device_code(
    server: AuthServer, client: AuthenticatedClient, form: Mapping[str, str]
) -> TokenResult:
    record = client.record
    _require(record)
    code = form.get("device_code")
    if not code:
        raise InvalidRequest("device_code is required.")
    now = utcnow()
    family_id = str(uuid.uuid4())
    async with server.transaction(write=True) as session:
        row = await session.scalar(
            select(DeviceAuthorization)
            .where(DeviceAuthorization.device_code_hash == keyed_hash(server.hash_key, code))
            .with_for_update()
        )
        if row is None or row.client_id != record.client_id:
            raise InvalidGrant("Unknown device code.")
        refusal = _poll_refusal(row, now)
        if refusal is not None:
            raise refusal
        if row.status == "used":
            # A second exchange of one approval, as a code replay: its tokens are revoked.
            if row.family_id:
                await repository.revoke_family(session, row.family_id, now)
            raise InvalidGrant("This device code was already used.", persist=True)
        return await _exchange(server, session, record, row, family_id, now)


async def _exchange(
    server: AuthServer,
    session: AsyncSession,
    record: ClientRecord,
    row: DeviceAuthorization,
    family_id: str,
    now: datetime,
) -> TokenResult:
    """An approved request's one exchange: the family, its refresh token, the tokens."""
    assert row.user_id is not None
    assert row.generation is not None
    assert row.audience is not None
    row.status, row.family_id = "used", family_id
    live = await _consent_generation(session, record.client_id, row.user_id)
    scopes = still_allowed(row.scopes.split(), record.scopes)
    if live != row.generation or not scopes:
        raise InvalidGrant("The user's consent was withdrawn.", persist=True)
    session.add(
        TokenFamily(
            id=family_id,
            client_id=record.client_id,
            user_id=row.user_id,
            tenant_id=row.tenant_id,
            scopes=" ".join(scopes),
            generation=row.generation,
            nonce=None,
            user_name=row.user_name,
            user_email=row.user_email,
            audience=row.audience,
            created_at=now,
            revoked_at=None,
        )
    )
    refresh = new_refresh(server, record, family_id, now)
    if refresh is not None:
        session.add(refresh[1])
    await session.flush()
    return mint(
        server,
        record,
        Grant(
            client_id=record.client_id,
            tenant_id=row.tenant_id,
            subject=row.user_id,
            audience=row.audience,
            scopes=scopes,
            generation=row.generation,
            family_id=family_id,
        ),
        refresh_token=refresh[0] if refresh else None,
        identity=Identity(row.user_name, row.user_email, None),
    )


async def _consent_generation(session: AsyncSession, client_id: str, user_id: str) -> int | None:
    consent = await consents.get(session, client_id, user_id)
    return None if consent is None or consent.revoked else int(consent.generation)
