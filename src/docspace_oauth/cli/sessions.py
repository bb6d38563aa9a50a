"""`docspace-oauth sessions list|end`: where you (or, for an admin, the tenant's users) are
signed in on a server's sign-in page, through the SDK."""

from __future__ import annotations

from typing import Annotated

import typer

from docspace_oauth.cli.connect import connect
from docspace_oauth.cli.output import emit_done, emit_list
from docspace_oauth.cli.views import SESSION_COLUMNS

sessions_app = typer.Typer(help="List and end sign-in sessions.", no_args_is_help=True)

SessionId = Annotated[
    str, typer.Argument(help="The session's id (its OpenID Connect sid).", show_default=False)
]


@sessions_app.command("list")
def list_sessions(
    tenant: Annotated[
        bool, typer.Option("--tenant", help="Every user's sessions in the tenant (admins).")
    ] = False,
) -> None:
    """List live sign-in sessions, newest first: your own, or with --tenant the tenant's."""
    with connect() as api:
        sessions = [s.model_dump(mode="json") for s in api.get_sessions(tenant=tenant)]
    emit_list(sessions, SESSION_COLUMNS, empty="No sessions.", id_key="session_id")


@sessions_app.command("end")
def end_session(session_id: SessionId) -> None:
    """End a session: yours, or (admins) any of the tenant's. Its browser is signed out at
    once, on every instance of the server."""
    with connect() as api:
        api.end_session(session_id)
    emit_done(
        {"session_id": session_id, "ended": True},
        f"Ended session {session_id}.",
        id_value=session_id,
    )
