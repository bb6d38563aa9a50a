"""`docspace-oauth users ...`: local accounts, written straight to the database.

A user is named by email and tenant (`--tenant`, default 1), as `users create` made it.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from docspace_oauth.cli.database import run_local
from docspace_oauth.cli.output import emit_done, emit_list
from docspace_oauth.cli.user_keys import keys_app
from docspace_oauth.cli.views import USER_COLUMNS
from docspace_oauth.models import Role, User
from docspace_oauth.runtime import Runtime
from docspace_oauth.users import accounts, repository
from docspace_oauth.users import service as users

users_app = typer.Typer(
    help="Manage local users (writes to the database directly).", no_args_is_help=True
)
users_app.add_typer(keys_app, name="keys")

Email = Annotated[str, typer.Argument(help="The user's email (their sign-in name).")]
Tenant = Annotated[int, typer.Option(min=1, help="The user's tenant.")]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from stdin's first line.")
]


def _iso(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def user_row(user: User, api_keys: int | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": user.id,
        "tenant": user.tenant_id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "enabled": user.disabled_at is None,
        "has_password": user.password_hash is not None,
        "created_at": _iso(user.created_at),
        "disabled_at": _iso(user.disabled_at),
    }
    if api_keys is not None:
        row["api_keys"] = api_keys
    return row


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    # Asked on the terminal, not taken as an argument: arguments land in shell history.
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True))


@users_app.command("create")
def create(
    email: Email,
    role: Annotated[Role, typer.Option(help="owner, admin, user or guest.")] = Role.USER,
    tenant: Annotated[int, typer.Option(min=1, help="Tenant id; created if missing.")] = 1,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a user; its API key is the last line printed."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None

    async def work(runtime: Runtime) -> str:
        async with runtime.sessions() as session:
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

    key = run_local(work)
    # The key stays the last line, whatever the format: scripts and tests take it from there.
    typer.echo(f"Created {role.value} {email} in tenant {tenant}. API key (shown once):")
    typer.echo(key)


@users_app.command("list")
def list_users(
    tenant: Annotated[
        int | None, typer.Option(min=1, help="Only this tenant's users.", show_default=False)
    ] = None,
) -> None:
    """List the local users, by tenant and email, with their number of live API keys."""

    async def work(runtime: Runtime) -> list[dict[str, Any]]:
        async with runtime.sessions() as session:
            return [user_row(u, n) for u, n in await repository.list_users(session, tenant)]

    emit_list(run_local(work), USER_COLUMNS, empty="No users.", id_key="email")


@users_app.command("set-password")
def set_password(
    email: Email,
    tenant: Tenant = 1,
    password_stdin: PasswordStdin = False,
    remove: Annotated[
        bool, typer.Option("--remove", help="Remove the password: API keys only.")
    ] = False,
) -> None:
    """Set (or --remove) a user's sign-in password, e.g. for the bootstrapped owner."""
    password = None if remove else read_password(password_stdin)

    async def work(runtime: Runtime) -> dict[str, Any]:
        async with runtime.sessions() as session:
            user = await accounts.find_user(session, tenant, email)
            await accounts.set_password(session, user, password)
            await session.commit()
            return user_row(user)

    row = run_local(work)
    done = "Removed the password of" if remove else "Set the password of"
    emit_done(row, f"{done} {row['email']} in tenant {tenant}.", id_value=row["email"])


def _switch(email: str, tenant: int, disabled: bool) -> None:
    async def work(runtime: Runtime) -> dict[str, Any]:
        async with runtime.sessions() as session:
            user = await accounts.find_user(session, tenant, email)
            ended = await accounts.set_disabled(session, user, disabled)
            await session.commit()
            return user_row(user) | {"grants_ended": ended.families}

    row = run_local(work)
    if disabled:
        message = (
            f"Disabled {row['email']} in tenant {tenant}: its API keys and sign-in stop "
            f"working; {row['grants_ended']} OAuth grant(s) ended."
        )
    else:
        message = f"Enabled {row['email']} in tenant {tenant}."
    emit_done(row, message, id_value=row["email"])


@users_app.command("disable")
def disable(email: Email, tenant: Tenant = 1) -> None:
    """Disable a user: API keys, console sessions and sign-in stop working, and the refresh
    tokens of their OAuth grants are revoked. What they own stays."""
    _switch(email, tenant, True)


@users_app.command("enable")
def enable(email: Email, tenant: Tenant = 1) -> None:
    """Enable a disabled user: their API keys work again (ended grants stay ended)."""
    _switch(email, tenant, False)


@users_app.command("delete")
def delete(
    email: Email,
    tenant: Tenant = 1,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a user with their API keys, consents and OAuth grants. The clients they
    created stay, for the tenant's admins. This cannot be undone."""
    if not yes:
        typer.confirm(f"Delete {email} from tenant {tenant}?", abort=True, err=True)

    async def work(runtime: Runtime) -> dict[str, Any]:
        async with runtime.sessions() as session:
            user = await accounts.find_user(session, tenant, email)
            row = user_row(user)
            ended = await accounts.delete_user(session, user)
            await session.commit()
            return row | {"deleted": True, "grants_ended": ended.families}

    row = run_local(work)
    emit_done(row, f"Deleted {row['email']} from tenant {tenant}.", id_value=row["email"])
