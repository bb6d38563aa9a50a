"""`docspace-oauth tenants list|set-url`: the tenants' URLs, straight in the database.

A tenant's URL is the `aud` of its access tokens, so a resource server of one tenant never
accepts another's. New tenants get a distinct one (models.tenant.default_tenant_url); set the
portal's real address here. Running servers use it from their next token request on.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer
from pydantic_core import PydanticCustomError

from docspace_oauth.cli.database import opened_runtime
from docspace_oauth.errors import DocSpaceOAuthError
from docspace_oauth.users import repository
from docspace_oauth.users import service as users
from docspace_oauth.validation import http_url

tenants_app = typer.Typer(help="Manage the tenants' URLs (their tokens' audience).")


async def _list() -> list[dict[str, Any]]:
    async with opened_runtime() as runtime, runtime.sessions() as session:
        return [
            {"id": t.id, "name": t.name, "url": t.url, "created_at": t.created_at.isoformat()}
            for t in await repository.all_tenants(session)
        ]


async def _set_url(tenant_id: int, url: str) -> str:
    async with opened_runtime() as runtime, runtime.sessions() as session:
        tenant = await users.set_tenant_url(session, tenant_id, url, runtime.settings.issuer_url)
        await session.commit()
        return tenant.url


@tenants_app.command("list")
def list_tenants(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every tenant with its URL, by id."""
    rows = asyncio.run(_list())
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        typer.echo(f"{row['id']:<6} {row['url']}  ({row['name']})")


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
        typer.echo(f"Not a URL the server accepts: {exc.message()}", err=True)
        raise typer.Exit(2) from exc
    try:
        stored = asyncio.run(_set_url(tenant, url))
    except DocSpaceOAuthError as exc:
        typer.echo(exc.detail or str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Tenant {tenant} now has the URL {stored}.")
