"""`docspace-oauth users keys list|issue|revoke`: a user's API keys, straight in the database.

This is how a lost owner key is recovered: whoever can reach the database issues a new key
(`users keys issue owner@example.com`) and revokes the lost one.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from docspace_oauth.cli.database import run_local
from docspace_oauth.cli.output import emit_done, emit_list, fail
from docspace_oauth.cli.views import API_KEY_COLUMNS
from docspace_oauth.runtime import Runtime
from docspace_oauth.users import accounts, api_keys

keys_app = typer.Typer(help="Manage a user's API keys.", no_args_is_help=True)

Email = Annotated[str, typer.Argument(help="The user's email.")]
Tenant = Annotated[int, typer.Option(min=1, help="The user's tenant.")]


def _row(key: api_keys.KeyInfo) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat(timespec="seconds") if value is not None else None

    return {
        "id": key.id,
        "kind": key.kind,
        "created_at": iso(key.created_at),
        "expires_at": iso(key.expires_at),
        "revoked_at": iso(key.revoked_at),
    }


@keys_app.command("list")
def list_keys(
    email: Email,
    tenant: Tenant = 1,
    sessions: Annotated[
        bool, typer.Option("--sessions", help="Include console sign-in sessions.")
    ] = False,
) -> None:
    """A user's API keys, oldest first, named by id (the key itself is never shown again)."""

    async def work(runtime: Runtime) -> list[dict[str, Any]]:
        async with runtime.sessions() as session:
            user = await accounts.find_user(session, tenant, email)
            return [_row(k) for k in await api_keys.list_keys(session, user, sessions=sessions)]

    emit_list(run_local(work), API_KEY_COLUMNS, empty=f"{email} has no API keys.", id_key="id")


@keys_app.command("issue")
def issue(email: Email, tenant: Tenant = 1) -> None:
    """Issue a new API key for a user; the key is the last line printed, shown this once."""

    async def work(runtime: Runtime) -> str:
        async with runtime.sessions() as session:
            user = await accounts.find_user(session, tenant, email)
            key = await api_keys.issue_key(session, runtime.keys.hash_key, user)
            await session.commit()
            return key

    key = run_local(work)
    typer.echo(f"New API key for {email} in tenant {tenant} (shown once):")
    typer.echo(key)


@keys_app.command("revoke")
def revoke(
    email: Email,
    key_id: Annotated[
        str | None, typer.Argument(help="The key's id, as `users keys list` shows it.")
    ] = None,
    tenant: Tenant = 1,
    revoke_all: Annotated[
        bool, typer.Option("--all", help="Revoke every key and session of the user.")
    ] = False,
) -> None:
    """Revoke one of a user's API keys (or --all of them): it stops working at once."""
    if (key_id is None) == (not revoke_all):
        fail("give a key id or --all (not both).", 2)

    async def work(runtime: Runtime) -> list[dict[str, Any]]:
        async with runtime.sessions() as session:
            user = await accounts.find_user(session, tenant, email)
            if key_id is not None:
                revoked = [await api_keys.revoke_key(session, user, key_id)]
            else:
                live = await api_keys.list_keys(session, user, sessions=True)
                revoked = [
                    await api_keys.revoke_key(session, user, k.id)
                    for k in live
                    if k.revoked_at is None
                ]
            await session.commit()
            return [_row(k) for k in revoked]

    rows = run_local(work)
    ids = ", ".join(r["id"] for r in rows) or "none"
    emit_done({"revoked": rows}, f"Revoked {len(rows)} key(s) of {email}: {ids}.")
