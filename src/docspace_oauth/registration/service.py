"""Dynamic registration's rules: who may register in which tenant, and what each RFC 7592
operation does. Every change goes through clients.service, as the management API's do, so
a self-registered client is stored, validated and audited exactly like a hand-made one.

How a request names its tenant (docs/oauth.md, Registration): an initial access token
names the tenant it was issued for; without one, `/oauth2/register` is the issuer's own
tenant (1) and `/oauth2/tenants/{id}/register` is tenant {id}, and the tenant's policy must
be open.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.audit.actions import Action
from docspace_oauth.audit.service import record
from docspace_oauth.callers.principal import Caller, Scheme
from docspace_oauth.clients import repository as clients_repository
from docspace_oauth.clients import service as clients
from docspace_oauth.clients.schemas import CreateClientRequest, GrantType, UpdateClientRequest
from docspace_oauth.models import Client, ClientRegistration, RegistrationToken, Role
from docspace_oauth.oauth2.errors import AccessDenied, InvalidToken, OAuth2Error
from docspace_oauth.registration import repository
from docspace_oauth.registration.schemas import InvalidClientMetadata, Metadata, Mode
from docspace_oauth.security.hashing import generate_secret, keyed_hash, keyed_hash_matches

DEFAULT_TENANT = 1
DEFAULT_MAX_CLIENTS = 100
DEFAULT_PER_ADDRESS_PER_HOUR = 10
# Who an openly registered client was created by: nobody; an admin manages it all the same.
SELF_REGISTERED = "self-registered"
DYNAMIC = "dynamic"
METADATA = "metadata"  # clients.registration of a client ID metadata document's client


class RegistrationLimited(OAuth2Error):
    """The open policy's limits; RFC 7591 has no code for it."""

    status = 429
    error = "invalid_request"


@dataclass(frozen=True, slots=True)
class Policy:
    tenant_id: int
    mode: Mode
    max_clients: int
    per_address_per_hour: int


def _now() -> datetime:
    return datetime.now(UTC)


async def policy_of(session: AsyncSession, tenant_id: int) -> Policy:
    row = await repository.policy(session, tenant_id)
    if row is None:
        return Policy(tenant_id, Mode.CLOSED, DEFAULT_MAX_CLIENTS, DEFAULT_PER_ADDRESS_PER_HOUR)
    return Policy(tenant_id, Mode(row.mode), row.max_clients, row.per_address_per_hour)


async def set_policy(session: AsyncSession, caller: Caller, policy: Policy) -> Policy:
    await repository.put_policy(
        session,
        {
            "tenant_id": caller.tenant_id,
            "mode": policy.mode.value,
            "max_clients": policy.max_clients,
            "per_address_per_hour": policy.per_address_per_hour,
            "modified_on": _now(),
            "modified_by": caller.user_id,
        },
    )
    await record(
        session,
        caller,
        Action.REGISTRATION_POLICY,
        details={
            "mode": policy.mode.value,
            "max_clients": policy.max_clients,
            "per_address_per_hour": policy.per_address_per_hour,
        },
    )
    return await policy_of(session, caller.tenant_id)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    id: str
    token: str
    uses: int
    expires_at: datetime


async def issue_token(
    session: AsyncSession, hash_key: bytes, caller: Caller, *, uses: int, ttl: timedelta
) -> IssuedToken:
    """An initial access token: shown once, stored as its keyed hash."""
    token = generate_secret()
    now = _now()
    issued = IssuedToken(str(uuid.uuid4()), token, uses, now + ttl)
    await repository.add(
        session,
        RegistrationToken(
            id=issued.id,
            tenant_id=caller.tenant_id,
            token_hash=keyed_hash(hash_key, token),
            uses_left=uses,
            expires_at=issued.expires_at,
            created_on=now,
            created_by=caller.user_id,
        ),
    )
    await record(
        session,
        caller,
        Action.REGISTRATION_TOKEN_ISSUE,
        details={"id": issued.id, "uses": uses, "expires_at": issued.expires_at.isoformat()},
    )
    return issued


async def withdraw_token(session: AsyncSession, caller: Caller, token_id: str) -> bool:
    if await repository.delete_token(session, caller.tenant_id, token_id) == 0:
        return False
    await record(session, caller, Action.REGISTRATION_TOKEN_DELETE, details={"id": token_id})
    return True


def _acting(tenant_id: int, user_id: str, ip: str) -> Caller:
    """The caller clients.service sees for a registration: an ordinary member who owns the
    client, so that nothing an admin alone may do (a machine grant) can be self-registered."""
    return Caller(
        user_id=user_id,
        tenant_id=tenant_id,
        role=Role.USER,
        name="Dynamic client registration",
        email="",
        scheme=Scheme.REGISTRATION,
        ip=ip,
    )


async def _registrant(
    session: AsyncSession,
    hash_key: bytes,
    metadata: Metadata,
    *,
    bearer: str | None,
    tenant_id: int | None,
    ip: str,
) -> Caller:
    """Who registers, in which tenant, under that tenant's policy; or the refusal."""
    if bearer is not None:
        claimed = await repository.claim_token(session, keyed_hash(hash_key, bearer), _now())
        if claimed is None or (tenant_id is not None and claimed[0] != tenant_id):
            raise InvalidToken("The initial access token is invalid, expired or used up.")
        policy = await policy_of(session, claimed[0])
        if policy.mode is Mode.CLOSED:
            raise AccessDenied("Registration is closed for this tenant.")
        return _acting(claimed[0], claimed[1], ip)
    policy = await policy_of(session, tenant_id or DEFAULT_TENANT)
    if policy.mode is not Mode.OPEN:
        raise InvalidToken("Registration here needs an initial access token from an admin.")
    if not metadata.is_public:
        raise InvalidClientMetadata(
            "Open registration takes public clients only: token_endpoint_auth_method none."
        )
    since = _now() - timedelta(hours=1)
    if await repository.registered_from(session, policy.tenant_id, ip, since) >= (
        policy.per_address_per_hour
    ):
        raise RegistrationLimited(
            "Too many registrations from this address; retry later.",
            headers={"Retry-After": "3600"},
        )
    if await repository.self_registered(session, policy.tenant_id) >= policy.max_clients:
        raise AccessDenied("This tenant has as many self-registered clients as it accepts.")
    return _acting(policy.tenant_id, SELF_REGISTERED, ip)


@dataclass(frozen=True, slots=True)
class Registered:
    client: Client
    secret: str | None
    token: str | None


def _create_request(metadata: Metadata) -> CreateClientRequest:
    # Validated by the same field types in registration.schemas; what RFC 7591 leaves out
    # (links, an origin) is empty, which only the management API's own form requires.
    fields = metadata.fields
    return CreateClientRequest.model_construct(
        name=fields["name"],
        description="",
        logo=fields["logo"],
        scopes=fields["scopes"],
        allow_pkce=metadata.is_public,
        is_public=False,
        website_url=fields["website_url"],
        terms_url=fields["terms_url"],
        policy_url=fields["policy_url"],
        logout_redirect_uri=fields["logout_redirect_uri"],
        redirect_uris=fields["redirect_uris"],
        allowed_origins=[],
        grant_types=[GrantType(g) for g in metadata.grant_types],
    )


async def register(
    session: AsyncSession,
    hash_key: bytes,
    metadata: Metadata,
    *,
    bearer: str | None,
    tenant_id: int | None,
    ip: str,
) -> Registered:
    caller = await _registrant(
        session, hash_key, metadata, bearer=bearer, tenant_id=tenant_id, ip=ip
    )
    created = await clients.create(
        session,
        hash_key,
        caller,
        _create_request(metadata),
        registration=DYNAMIC,
        application_type=metadata.application_type,
    )
    token = generate_secret()
    await repository.add(
        session,
        ClientRegistration(
            client_id=created.client.client_id,
            tenant_id=caller.tenant_id,
            token_hash=keyed_hash(hash_key, token),
            ip=ip,
            created_at=created.client.created_on,
        ),
    )
    # A public client has a stored secret too (the column is required) that nobody learns.
    secret = None if metadata.is_public else created.secret
    return Registered(created.client, secret, token)


async def authorized(
    session: AsyncSession, hash_key: bytes, client_id: str, bearer: str | None
) -> Client:
    """RFC 7592 §2: the client, if the registration access token is its own. A wrong token
    and a client that does not exist answer alike, so existence never leaks."""
    canonical = clients.parse_client_id(client_id)
    row = await repository.registration(session, canonical) if canonical else None
    ok = keyed_hash_matches(hash_key, bearer or "", row.token_hash if row else None)
    client = await clients_repository.get(session, row.client_id) if ok and row else None
    if client is None or bearer is None:
        raise InvalidToken("The registration access token is invalid for this client.")
    return client


def _owner(client: Client, ip: str) -> Caller:
    return _acting(client.tenant_id, client.created_by, ip)


async def update(session: AsyncSession, client: Client, metadata: Metadata, ip: str) -> Client:
    """RFC 7592 §2.2: the metadata given replaces the registered one."""
    if metadata.is_public != client.allow_pkce:
        raise InvalidClientMetadata(
            "token_endpoint_auth_method cannot change between none and a secret; "
            "register a new client instead."
        )
    fields = metadata.fields
    request = UpdateClientRequest.model_construct(
        _fields_set={*fields, "grant_types"},
        **fields,
        grant_types=[GrantType(g) for g in metadata.grant_types],
    )
    updated = await clients.update(session, _owner(client, ip), client.client_id, request)
    if updated.application_type != metadata.application_type:
        await clients_repository.update_fields(
            session, client.client_id, {"application_type": metadata.application_type}
        )
        updated = await clients_repository.get(session, client.client_id) or updated
    return updated


async def delete(session: AsyncSession, client: Client, ip: str) -> None:
    """RFC 7592 §2.3: the client and every token it holds die at once."""
    # The registration row stays: its token matches nothing once the client is gone (the
    # lookup joins clients), and it still counts against the open policy's per-address
    # limit, so registering and deleting in a loop gains nothing.
    await clients.delete(session, _owner(client, ip), client.client_id)


def _differs(client: Client, metadata: Metadata) -> bool:
    stored = any(getattr(client, name) != value for name, value in metadata.fields.items())
    return (
        stored
        or list(client.grant_types) != metadata.grant_types
        or client.application_type != metadata.application_type
    )


async def from_document(
    session: AsyncSession,
    hash_key: bytes,
    client_id: str,
    metadata: Metadata,
    *,
    ip: str,
) -> Client:
    """The client a metadata document describes, created or brought up to date, in the
    default tenant under its open policy (docs/oauth.md, Client ID metadata documents).
    Stored and audited like any other client; an admin's deactivation is never undone."""
    client = await clients_repository.get(session, client_id)
    if client is not None:
        if _differs(client, metadata):
            client = await update(session, client, metadata, ip)
        return client
    policy = await policy_of(session, DEFAULT_TENANT)
    if await repository.self_registered(session, policy.tenant_id) >= policy.max_clients:
        raise AccessDenied("This tenant has as many self-registered clients as it accepts.")
    created = await clients.create(
        session,
        hash_key,
        _acting(policy.tenant_id, SELF_REGISTERED, ip),
        _create_request(metadata),
        registration=METADATA,
        application_type=metadata.application_type,
        client_id=client_id,
    )
    return created.client
