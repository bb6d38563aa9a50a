"""`docspace-oauth clients ...`: manage OAuth clients on a running server (this project's or
a DocSpace portal) through the SDK."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import pydantic
import typer
from rich.text import Text

from docspace_oauth.cli import client_input as fields
from docspace_oauth.cli.connect import connect
from docspace_oauth.cli.options import Format, current
from docspace_oauth.cli.output import (
    ExitCode,
    emit_done,
    emit_list,
    emit_one,
    fail,
    note,
    stdout,
)
from docspace_oauth.cli.views import CLIENT_COLUMNS, client_sheet
from docspace_oauth.sdk import ClientResponse

clients_app = typer.Typer(help="Manage OAuth clients on a server.", no_args_is_help=True)

ClientId = Annotated[str, typer.Argument(help="The client's client_id.", show_default=False)]
PageSize = Annotated[
    int | None,
    typer.Option("--limit", min=1, help="Page size used while fetching (the server caps it)."),
]
SECRET_WARNING = "Store the client secret now: it will not be shown again."
T = TypeVar("T")


def _build(make: Callable[[], T]) -> T:
    # A --file with a value of the wrong type fails here, before anything is sent.
    try:
        return make()
    except fields.MissingOption as error:
        fail(str(error), ExitCode.USAGE)
    except pydantic.ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:5]
        )
        raise typer.BadParameter(problems, param_hint="--file") from None


def show(client: ClientResponse) -> None:
    emit_one(
        client.model_dump(mode="json"),
        client_sheet(client.model_dump(mode="json")),
        id_key="client_id",
    )


@clients_app.command("create")
def create_client(
    name: fields.Name = None,
    website_url: fields.WebsiteUrl = None,
    terms_url: fields.TermsUrl = None,
    policy_url: fields.PolicyUrl = None,
    logout_redirect_uri: fields.LogoutRedirectUri = None,
    redirect_uri: fields.RedirectUris = None,
    allowed_origin: fields.AllowedOrigins = None,
    scope: fields.Scopes = None,
    grant_type: fields.GrantTypes = None,
    description: fields.Description = None,
    logo_file: fields.LogoFile = None,
    allow_pkce: fields.AllowPkce = None,
    public: fields.Public = None,
    file: fields.File = None,
    backchannel_logout_uri: fields.BackchannelLogoutUri = None,
    backchannel_session_required: fields.BackchannelSessionRequired = None,
) -> None:
    """Register a client. Its secret is printed once and never again.

    --name, --website-url, --terms-url, --policy-url and --logout-redirect-uri are required
    (from options or --file), as DocSpace requires them. DocSpace requires a logo too: without
    --logo-file the client gets a plain one made from the first letter of its name.
    """
    given = fields.ClientFields.of_options(locals())  # the options, before anything else
    request = _build(given.create_request)
    with connect() as api:
        client = api.create_client(request)
    show(client)
    if not client.client_secret:
        return
    options = current()
    if options.quiet:
        # Ids only, as asked: say so, since this was the one chance to see the secret.
        note("-q printed the id only; get a secret with `clients regenerate-secret`.", "yellow")
        return
    if options.format is Format.TABLE:
        stdout().print(Text.assemble(("Client secret: ", "bold"), client.client_secret))
    note(SECRET_WARNING, "yellow")


@clients_app.command("list")
def list_clients(limit: PageSize = None) -> None:
    """List every client you may see, following all pages."""
    with connect() as api:
        clients = [client.model_dump(mode="json") for client in api.get_clients(limit=limit)]
    emit_list(clients, CLIENT_COLUMNS, empty="No clients.", id_key="client_id")


@clients_app.command("show")
def show_client(client_id: ClientId) -> None:
    """Show one client (also: clients get)."""
    with connect() as api:
        client = api.get_client(client_id)
    show(client)


clients_app.command("get", help="Same as show.")(show_client)


@clients_app.command("update")
def update_client(
    client_id: ClientId,
    name: fields.Name = None,
    description: fields.Description = None,
    website_url: fields.WebsiteUrl = None,
    terms_url: fields.TermsUrl = None,
    policy_url: fields.PolicyUrl = None,
    logout_redirect_uri: fields.LogoutRedirectUri = None,
    redirect_uri: fields.RedirectUris = None,
    allowed_origin: fields.AllowedOrigins = None,
    scope: fields.Scopes = None,
    grant_type: fields.GrantTypes = None,
    logo_file: fields.LogoFile = None,
    allow_pkce: fields.AllowPkce = None,
    public: fields.Public = None,
    file: fields.File = None,
    backchannel_logout_uri: fields.BackchannelLogoutUri = None,
    backchannel_session_required: fields.BackchannelSessionRequired = None,
) -> None:
    """Change the given fields of a client; the others keep their values.

    Repeatable options (--redirect-uri, --allowed-origin, --scope, --grant-type) replace the
    whole list when given.
    """
    given = fields.ClientFields.of_options(locals(), own=("client_id",))  # before anything else
    if not given.given():
        note("Error: nothing to update: give at least one field to change.", "red")
        raise typer.Exit(ExitCode.USAGE)
    with connect() as api:
        current_client = api.get_client(client_id)
        request = _build(lambda: given.update_request(current_client))
        assert request is not None  # fields were given
        client = api.update_client(client_id, request)
    show(client)


def _set_activation(client_id: str, enabled: bool) -> None:
    with connect() as api:
        api.change_activation(client_id, enabled)
    emit_done(
        {"client_id": client_id, "enabled": enabled},
        f"{'Enabled' if enabled else 'Disabled'} client {client_id}.",
        id_value=client_id,
    )


@clients_app.command("enable")
def enable_client(client_id: ClientId) -> None:
    """Enable a client, so that it can obtain tokens again."""
    _set_activation(client_id, True)


@clients_app.command("disable")
def disable_client(client_id: ClientId) -> None:
    """Disable a client: it gets no new tokens; issued ones live until they expire."""
    _set_activation(client_id, False)


@clients_app.command("regenerate-secret")
def regenerate_secret(
    client_id: ClientId,
    grace_period: Annotated[
        int | None,
        typer.Option(
            "--grace-period",
            min=0,
            max=604_800,
            metavar="SECONDS",
            help="Keep the old secret valid this long (this server only; at most a week).",
        ),
    ] = None,
) -> None:
    """Issue a new client secret, printed once (-q prints the secret alone)."""
    with connect() as api:
        secret = api.regenerate_secret(client_id, grace_period=grace_period)
    data = {"client_id": client_id, **secret.model_dump(mode="json")}
    emit_done(data, f"Client secret: {secret.client_secret}", id_value=secret.client_secret)
    note(SECRET_WARNING, "yellow")


@clients_app.command("revoke")
def revoke_consent(client_id: ClientId) -> None:
    """Withdraw your consent to a client, revoking the tokens it holds for you."""
    with connect() as api:
        api.revoke_user_client(client_id)
    emit_done(
        {"client_id": client_id, "revoked": True},
        f"Revoked your consent to client {client_id}.",
        id_value=client_id,
    )


@clients_app.command("delete")
def delete_client(
    client_id: ClientId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a client and every token issued to it. This cannot be undone."""
    if not yes:
        # Prompt on stderr, so that stdout stays clean for --format json.
        typer.confirm(f"Delete client {client_id}?", abort=True, err=True)
    with connect() as api:
        api.delete_client(client_id)
    emit_done(
        {"client_id": client_id, "deleted": True},
        f"Deleted client {client_id}.",
        id_value=client_id,
    )
