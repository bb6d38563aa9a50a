"""`docspace-oauth scopes list`, `consents list` and `audit`: what a server shows, read
through the SDK."""

from __future__ import annotations

import itertools
from typing import Annotated

import typer

from docspace_oauth.cli.clients import PageSize
from docspace_oauth.cli.connect import connect
from docspace_oauth.cli.output import emit_list
from docspace_oauth.cli.views import AUDIT_COLUMNS, CONSENT_COLUMNS, SCOPE_COLUMNS

scopes_app = typer.Typer(help="Show the scope catalogue.", no_args_is_help=True)
consents_app = typer.Typer(help="Show your consents to clients.", no_args_is_help=True)


@scopes_app.command("list")
def list_scopes() -> None:
    """List the scopes clients may ask for."""
    with connect() as api:
        scopes = [scope.model_dump(mode="json") for scope in api.get_scopes()]
    emit_list(scopes, SCOPE_COLUMNS, empty="No scopes.", id_key="name")


@consents_app.command("list")
def list_consents(limit: PageSize = None) -> None:
    """List the clients you have consented to, following all pages."""
    with connect() as api:
        consents = [c.model_dump(mode="json") for c in api.get_consents(limit=limit)]
    emit_list(consents, CONSENT_COLUMNS, empty="No consents.", id_key="registered_client_id")


def list_audit(
    client_id: Annotated[
        str | None, typer.Option("--client-id", help="Only events about this client.")
    ] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Only this action, e.g. client.delete.")
    ] = None,
    max_events: Annotated[
        int, typer.Option("--max", min=1, help="Stop after this many events (newest first).")
    ] = 100,
    limit: PageSize = None,
) -> None:
    """Show the tenant's audit trail, newest first (admins)."""
    with connect() as api:
        pages = api.get_audit_events(client_id=client_id, action=action, limit=limit)
        events = [event.model_dump(mode="json") for event in itertools.islice(pages, max_events)]
    emit_list(events, AUDIT_COLUMNS, empty="No audit events.", id_key="id")
