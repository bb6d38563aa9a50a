"""Client management rules: who may see and change which client, and what each change does.

Anything a caller may not see answers 404 exactly like a client that does not exist, so that
existence never leaks across users or tenants.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth import parsing
from docspace_oauth.audit.actions import Action
from docspace_oauth.audit.service import record
from docspace_oauth.callers.principal import Caller
from docspace_oauth.clients import repository
from docspace_oauth.clients.schemas import (
    DEFAULT_GRANT_TYPES,
    CreateClientRequest,
    GrantType,
    UpdateClientRequest,
)
from docspace_oauth.db.direct import DirectDB
from docspace_oauth.errors import Forbidden, NotFound
from docspace_oauth.models import Client, ClientData, ClientRow
from docspace_oauth.security.hashing import generate_secret, keyed_hash

MAX_GRACE_PERIOD = timedelta(days=7)


class ClientNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such client.")


def parse_client_id(raw: str) -> str | None:
    """The canonical form of a client id, or None when it cannot be one."""
    return parsing.uuid_id(raw)


def can_manage(caller: Caller, client: ClientData) -> bool:
    if caller.tenant_id != client.tenant_id or caller.is_guest:
        return False
    return caller.is_admin or client.created_by == caller.user_id


def _owner_filter(caller: Caller) -> str | None:
    """Admins list the whole tenant; users their own clients."""
    return None if caller.is_admin else caller.user_id


async def get_managed(session: AsyncSession, caller: Caller, client_id: str) -> Client:
    canonical = parse_client_id(client_id)
    client = await repository.get(session, canonical) if canonical else None
    if client is None or not can_manage(caller, client):
        raise ClientNotFound()
    return client


async def view_managed(db: DirectDB, caller: Caller, client_id: str) -> ClientRow:
    """`get_managed` for a read-only view: the committed row, without a session."""
    canonical = parse_client_id(client_id)
    client = await repository.get_committed(db, canonical) if canonical else None
    if client is None or not can_manage(caller, client):
        raise ClientNotFound()
    return client


async def get_in_tenant(session: AsyncSession, caller: Caller, client_id: str) -> Client:
    """Any member of the tenant, guests included, may read a client's public view: it is what
    the consent page shows them."""
    canonical = parse_client_id(client_id)
    client = await repository.get(session, canonical) if canonical else None
    if client is None or client.tenant_id != caller.tenant_id:
        raise ClientNotFound()
    return client


async def get_public(session: AsyncSession, client_id: str) -> Client:
    canonical = parse_client_id(client_id)
    client = await repository.get(session, canonical) if canonical else None
    if client is None:
        raise ClientNotFound()
    return client


def may_hold_machine_grant(caller: Caller) -> bool:
    """client_credentials tokens act for the whole tenant with no user's consent, so only the
    portal's admins may register them or change what such a client may do (docs/security.md)."""
    return caller.is_admin


def _refuse_machine_grant(caller: Caller, grant_types: list[str]) -> None:
    if GrantType.CLIENT_CREDENTIALS.value in grant_types and not may_hold_machine_grant(caller):
        raise Forbidden(
            "Only the portal's admins may register or change client_credentials clients."
        )


@dataclass(frozen=True, slots=True)
class CreatedClient:
    client: Client
    secret: str


def _now() -> datetime:
    return datetime.now(UTC)


async def create(
    session: AsyncSession,
    hash_key: bytes,
    caller: Caller,
    request: CreateClientRequest,
    *,
    registration: str = "",
    application_type: str = "web",
    client_id: str | None = None,
) -> CreatedClient:
    """`registration` and `application_type` are set by RFC 7591 registration only
    (registration.service), which validated the request with these same schemas; so is
    `client_id`, for a metadata document's client (its id is derived from its URL)."""
    if caller.is_guest:
        raise Forbidden("Guests cannot register OAuth clients.")
    grant_types = [str(g) for g in request.grant_types or DEFAULT_GRANT_TYPES]
    _refuse_machine_grant(caller, grant_types)
    secret = generate_secret()
    now = _now()
    client = Client(
        client_id=client_id or str(uuid.uuid4()),
        tenant_id=caller.tenant_id,
        name=request.name,
        description=request.description or "",
        logo=request.logo,
        website_url=request.website_url,
        terms_url=request.terms_url,
        policy_url=request.policy_url,
        logout_redirect_uri=request.logout_redirect_uri,
        backchannel_logout_uri=request.backchannel_logout_uri,
        backchannel_logout_session_required=request.backchannel_logout_session_required,
        redirect_uris=list(request.redirect_uris),
        allowed_origins=list(request.allowed_origins),
        scopes=list(request.scopes),
        grant_types=grant_types,
        allow_pkce=request.allow_pkce,
        is_public=request.is_public,
        enabled=True,
        registration=registration,
        application_type=application_type,
        secret_hash=keyed_hash(hash_key, secret),
        created_on=now,
        created_by=caller.user_id,
        modified_on=now,
        modified_by=caller.user_id,
    )
    await repository.add(session, client)
    await record(
        session,
        caller,
        Action.CLIENT_CREATE,
        client_id=client.client_id,
        details={"name": client.name, **({"registration": registration} if registration else {})},
    )
    return CreatedClient(client=client, secret=secret)


_OPTIONAL_TEXT = ("description",)


async def update(
    session: AsyncSession, caller: Caller, client_id: str, request: UpdateClientRequest
) -> Client:
    client = await get_managed(session, caller, client_id)
    if {"grant_types", "scopes"} & request.model_fields_set:
        # What the client may do after this change: a machine client's scopes are the admins'.
        after = request.grant_types if request.grant_types is not None else client.grant_types
        _refuse_machine_grant(caller, [str(g) for g in after])
    values: dict[str, Any] = {}
    for field in request.model_fields_set:
        value = getattr(request, field)
        if value is None:
            if field in _OPTIONAL_TEXT:
                values[field] = ""  # null clears an optional text field
            continue  # null on a required field means "leave it"
        values[field] = [str(v) for v in value] if isinstance(value, list) else value
    values["modified_on"] = _now()
    values["modified_by"] = caller.user_id
    await repository.update_fields(session, client.client_id, values)
    await record(
        session,
        caller,
        Action.CLIENT_UPDATE,
        client_id=client.client_id,
        details={"fields": sorted(request.model_fields_set)},
    )
    return await _reloaded(session, client.client_id)


async def _reloaded(session: AsyncSession, client_id: str) -> Client:
    client = await repository.get(session, client_id)
    if client is None:  # deleted by a concurrent request after our check
        raise ClientNotFound()
    return client


async def change_activation(
    session: AsyncSession, caller: Caller, client_id: str, enabled: bool
) -> Client:
    client = await get_managed(session, caller, client_id)
    await repository.update_fields(
        session,
        client.client_id,
        {"enabled": enabled, "modified_on": _now(), "modified_by": caller.user_id},
    )
    await record(
        session,
        caller,
        Action.CLIENT_ACTIVATION,
        client_id=client.client_id,
        details={"enabled": enabled},
    )
    return await _reloaded(session, client.client_id)


@dataclass(frozen=True, slots=True)
class RotatedSecret:
    secret: str
    previous_valid_until: datetime | None


async def regenerate_secret(
    session: AsyncSession,
    hash_key: bytes,
    caller: Caller,
    client_id: str,
    grace_period: timedelta | None = None,
) -> RotatedSecret:
    """A new secret; by default the old one dies at once (the seed's semantics).

    With a grace period the replaced secret keeps working that long, so a fleet can roll the
    new one out without downtime. Only the secret just replaced is kept: rotating again
    during a grace period retires the older one.
    """
    client = await get_managed(session, caller, client_id)
    secret = generate_secret()
    now = _now()
    keep_until = now + grace_period if grace_period else None
    rotated = await repository.rotate_secret(
        session,
        client.client_id,
        new_hash=keyed_hash(hash_key, secret),
        keep_previous_until=keep_until,
        modified_on=now,
        modified_by=caller.user_id,
    )
    if rotated == 0:  # deleted by a concurrent request after our check: nothing was stored
        raise ClientNotFound()
    await record(
        session,
        caller,
        Action.CLIENT_REGENERATE_SECRET,
        client_id=client.client_id,
        details={"grace_period_seconds": int(grace_period.total_seconds()) if grace_period else 0},
    )
    return RotatedSecret(secret=secret, previous_valid_until=keep_until)


async def delete(session: AsyncSession, caller: Caller, client_id: str) -> str:
    client = await get_managed(session, caller, client_id)
    if await repository.delete_ids(session, [client.client_id]) == 0:
        raise ClientNotFound()
    await record(session, caller, Action.CLIENT_DELETE, client_id=client.client_id)
    return client.client_id


async def delete_own(session: AsyncSession, caller: Caller) -> int:
    if caller.is_guest:
        return 0
    deleted = await repository.delete_where(
        session, tenant_id=caller.tenant_id, created_by=caller.user_id
    )
    await record(session, caller, Action.CLIENTS_DELETE_OWN, details={"deleted": deleted})
    return deleted


async def delete_tenant(session: AsyncSession, caller: Caller) -> int:
    if not caller.is_admin:
        raise Forbidden("Only the portal's admins may delete every client of the tenant.")
    deleted = await repository.delete_where(session, tenant_id=caller.tenant_id, created_by=None)
    await record(session, caller, Action.CLIENTS_DELETE_TENANT, details={"deleted": deleted})
    return deleted


@dataclass(frozen=True, slots=True)
class Page:
    items: list[ClientRow]
    limit: int
    last_client_id: str | None
    last_created_on: datetime | None


async def list_page(
    db: DirectDB,
    caller: Caller,
    *,
    limit: int,
    last_client_id: str | None,
    last_created_on: datetime | None,
    name_contains: str | None = None,
) -> Page:
    if caller.is_guest:
        return Page([], limit, None, None)
    after: tuple[datetime, str | None] | None = None
    canonical = parse_client_id(last_client_id) if last_client_id else None
    if last_created_on is not None:
        after = (last_created_on, canonical)
    elif canonical is not None:
        # A cursor of the id alone: start after that client, wherever it sits.
        created_on = await repository.created_on_of(db, canonical)
        if created_on is not None:
            after = (created_on, canonical)
    rows = await repository.page(
        db,
        tenant_id=caller.tenant_id,
        created_by=_owner_filter(caller),
        limit=limit + 1,
        after=after,
        name_contains=name_contains,
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if has_more else None
    return Page(
        rows,
        limit,
        last.client_id if last else None,
        last.created_on if last else None,
    )
