"""Entry point: `docspace-oauth serve`, `users create`, and the remote management commands."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from typing import Annotated

import typer
from rich.console import Console

from docspace_oauth.cli.database import opened_runtime
from docspace_oauth.cli.keys import keys_app
from docspace_oauth.cli.remote import clients_app, consents_app, list_audit, scopes_app
from docspace_oauth.errors import DocSpaceOAuthError
from docspace_oauth.models import Role
from docspace_oauth.settings import UnsafeProductionSettings, get_settings
from docspace_oauth.users import service as users

app = typer.Typer(
    help="docspace-oauth: an OAuth 2.0 server speaking DocSpace's client-management contract.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
users_app = typer.Typer(
    help="Manage local users (writes to the database directly).", no_args_is_help=True
)
app.add_typer(users_app, name="users")
app.add_typer(clients_app, name="clients")
app.add_typer(scopes_app, name="scopes")
app.add_typer(consents_app, name="consents")
app.command("audit")(list_audit)
app.add_typer(keys_app, name="keys")
err = Console(stderr=True)


async def _bootstrap() -> str | None:
    async with opened_runtime() as runtime, runtime.sessions() as session:
        created = await users.bootstrap_owner(
            session, runtime.keys.hash_key, runtime.settings.issuer_url
        )
        await session.commit()
        return created.api_key if created else None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Migrate the database, create the first owner if there is none, and serve."""
    from docspace_oauth.ops import listener
    from docspace_oauth.ops.logging import configure, uvicorn_log_config

    try:
        settings = get_settings()
    except UnsafeProductionSettings as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    configure(log_level)
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Workers inherit this, so /metrics can add up every worker's counts.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="docspace-oauth-metrics-")
    owner_key = asyncio.run(_bootstrap())
    if owner_key:
        typer.echo("Created tenant 1 and its owner, owner@example.com.")
        typer.echo("The owner's API key, shown this once (store it now):")
        typer.echo(owner_key)
    typer.echo(f"Serving on http://{host}:{port} (issuer {settings.issuer_url})", err=True)
    sys.stdout.flush()
    listener.serve(
        settings,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        log_config=uvicorn_log_config(log_level),
    )


async def _create_user(
    email: str, role: Role, tenant: int, name: str | None, password: str | None
) -> str:
    async with opened_runtime() as runtime, runtime.sessions() as session:
        created = await users.create_user(
            session,
            runtime.keys.hash_key,
            email=email,
            role=role,
            tenant_id=tenant,
            issuer=runtime.settings.issuer_url,
            name=name,
            password=password,
        )
        await session.commit()
        return created.api_key


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Argument(help="The user's email (their sign-in name).")],
    role: Annotated[Role, typer.Option(help="owner, admin, user or guest.")] = Role.USER,
    tenant: Annotated[int, typer.Option(min=1, help="Tenant id; created if missing.")] = 1,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read a sign-in password from stdin.")
    ] = False,
) -> None:
    """Create a user; its API key is the last line printed."""
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        key = asyncio.run(_create_user(email, role, tenant, name, password))
    except DocSpaceOAuthError as exc:
        err.print(f"[red]{exc.detail or exc}[/red]")
        raise typer.Exit(5 if exc.status == 400 else 1) from exc
    typer.echo(f"Created {role.value} {email} in tenant {tenant}. API key (shown once):")
    typer.echo(key)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
