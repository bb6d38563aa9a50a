"""`docspace-oauth tenants list|set-url`: the tenants' URLs, straight in the database.

A tenant's URL is the `aud` of its access tokens, so a resource server of one tenant never
accepts another's. New tenants get a distinct one (models.tenant.default_tenant_url); set the
portal's real address here. Running servers use it from their next token request on.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic_core import PydanticCustomError

from docspace_oauth.cli.database import run_local
from docspace_oauth.cli.output import ExitCode, column, emit_done, emit_list, fail
from docspace_oauth.runtime import Runtime
from docspace_oauth.users import repository
from docspace_oauth.users import service as users
from docspace_oauth.validation import http_url

tenants_app = typer.Typer(help="Manage the tenants' URLs (their tokens' audience).")

TENANT_COLUMNS = (
    column("ID", "id"),
    column("URL", "url"),
    column("Name", "name"),
    column("Created", "created_at"),
)


def _row(tenant: Any) -> dict[str, Any]:
    return {
        "id": tenant.id,
        "name": tenant.name,
        "url": tenant.url,
        "created_at": tenant.created_at.isoformat(timespec="seconds"),
    }


@tenants_app.command("list")
def list_tenants() -> None:
    """Every tenant with its URL, by id."""

    async def work(runtime: Runtime) -> list[dict[str, Any]]:
        async with runtime.sessions() as session:
            return [_row(t) for t in await repository.all_tenants(session)]

    emit_list(run_local(work), TENANT_COLUMNS, empty="No tenants.", id_key="id")


@tenants_app.command("set-url")
def set_url(
    tenant: Annotated[
        int, typer.Argument(min=1, max=2**31 - 1, help="Tenant id; created if missing.")
    ],
    url: Annotated[str, typer.Argument(help="The tenant's address, e.g. https://portal.example")],
) -> None:
    """Set a tenant's URL: the audience its access tokens carry from now on."""
    try:
        http_url(url)
    except PydanticCustomError as exc:
        fail(f"Not a URL the server accepts: {exc.message()}", ExitCode.VALIDATION)

    async def work(runtime: Runtime) -> dict[str, Any]:
        async with runtime.sessions() as session:
            stored = await users.set_tenant_url(session, tenant, url, runtime.settings.issuer_url)
            await session.commit()
            return _row(stored)

    row = run_local(work)
    emit_done(row, f"Tenant {tenant} now has the URL {row['url']}.", id_value=str(tenant))
