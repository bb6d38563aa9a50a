"""`docspace-oauth registration policy|token`: a tenant's dynamic registration, straight in
the database (as `tenants` is): for the operator before any admin has an API key."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import typer

from docspace_oauth.callers.principal import Caller, Scheme
from docspace_oauth.cli.database import run_local
from docspace_oauth.cli.output import emit_done
from docspace_oauth.models import Role
from docspace_oauth.registration import service
from docspace_oauth.registration.schemas import Mode
from docspace_oauth.registration.wire import MAX_TOKEN_TTL
from docspace_oauth.runtime import Runtime

registration_app = typer.Typer(
    help="Dynamic client registration (RFC 7591): a tenant's policy, initial access tokens."
)

TenantOption = Annotated[int, typer.Option("--tenant", min=1, max=2**31 - 1, help="Tenant id.")]


def _operator(tenant: int) -> Caller:
    # The audit trail names the command line as the actor.
    return Caller("cli", tenant, Role.ADMIN, "docspace-oauth CLI", "", Scheme.API_KEY, ip="cli")


@registration_app.command("policy")
def set_policy(
    mode: Annotated[Mode, typer.Argument(help="closed, token or open.")],
    tenant: TenantOption = 1,
    max_clients: Annotated[int, typer.Option(min=0, max=100_000)] = service.DEFAULT_MAX_CLIENTS,
    per_address_per_hour: Annotated[
        int, typer.Option(min=0, max=10_000)
    ] = service.DEFAULT_PER_ADDRESS_PER_HOUR,
) -> None:
    """Set a tenant's registration policy."""
    policy = service.Policy(tenant, mode, max_clients, per_address_per_hour)

    async def work(runtime: Runtime) -> dict[str, Any]:
        async with runtime.sessions() as session:
            stored = await service.set_policy(session, _operator(tenant), policy)
            await session.commit()
            return {
                "tenant": tenant,
                "mode": stored.mode.value,
                "max_clients": stored.max_clients,
                "per_address_per_hour": stored.per_address_per_hour,
            }

    row = run_local(work)
    emit_done(row, f"Tenant {tenant}'s registration is now {row['mode']}.", id_value=str(tenant))


@registration_app.command("token")
def issue_token(
    tenant: TenantOption = 1,
    uses: Annotated[int, typer.Option(min=1, max=10_000, help="Registrations it allows.")] = 1,
    expires_in: Annotated[
        int,
        typer.Option(min=60, max=int(MAX_TOKEN_TTL.total_seconds()), help="Seconds it lives."),
    ] = 86_400,
) -> None:
    """Issue an initial access token; it is printed this once."""

    async def work(runtime: Runtime) -> dict[str, Any]:
        async with runtime.sessions() as session:
            issued = await service.issue_token(
                session,
                runtime.keys.hash_key,
                _operator(tenant),
                uses=uses,
                ttl=timedelta(seconds=expires_in),
            )
            await session.commit()
            return {
                "id": issued.id,
                "token": issued.token,
                "uses": issued.uses,
                "expires_at": issued.expires_at.isoformat(timespec="seconds"),
            }

    row = run_local(work)
    emit_done(row, row["token"], id_value=row["token"])
