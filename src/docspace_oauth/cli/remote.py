"""Remote commands: manage clients, scopes and consents on a running server
(this project's or a DocSpace portal) through the SDK.

Mounted by the root CLI as ``clients``, ``scopes`` and ``consents``.
"""

from __future__ import annotations

import base64
import html
import itertools
import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from docspace_oauth.sdk import (
    Client,
    ClientResponse,
    CreateClientRequest,
    DocSpaceOAuthError,
    UpdateClientRequest,
)

from ._output import (
    ExitCode,
    client_table,
    clients_table,
    exit_code_for,
    print_error,
    print_json,
    print_table,
    stderr,
    stdout,
)

__all__ = ["clients_app", "consents_app", "list_audit", "scopes_app"]

clients_app = typer.Typer(help="Manage OAuth clients on a server.", no_args_is_help=True)
scopes_app = typer.Typer(help="Show the scope catalogue.", no_args_is_help=True)
consents_app = typer.Typer(help="Show your consents to clients.", no_args_is_help=True)

DEFAULT_URL = "http://127.0.0.1:8000"

# -- options shared by every command ------------------------------------------

Url = Annotated[
    str,
    typer.Option("--url", envvar="DOCSPACE_OAUTH_URL", help="Base URL of the server or portal."),
]
ApiKey = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar="DOCSPACE_OAUTH_API_KEY",
        help="API key, sent in the Authorization header.",
        show_default=False,
    ),
]
Signature = Annotated[
    str | None,
    typer.Option(
        "--signature",
        envvar="DOCSPACE_OAUTH_SIGNATURE",
        help="DocSpace x-signature JWT, instead of or besides an API key.",
        show_default=False,
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON on stdout instead of tables.")]
ClientId = Annotated[str, typer.Argument(help="The client's client_id.", show_default=False)]
PageSize = Annotated[
    int | None,
    typer.Option("--limit", min=1, help="Page size used while fetching (the server caps it)."),
]

# -- client fields, shared by create and update -------------------------------

Name = Annotated[str | None, typer.Option("--name", help="Display name (3-256 characters).")]
Description = Annotated[str | None, typer.Option("--description", help="Description.")]
RedirectUris = Annotated[
    list[str] | None,
    typer.Option("--redirect-uri", help="Redirect URI; repeat for several.", show_default=False),
]
AllowedOrigins = Annotated[
    list[str] | None,
    typer.Option(
        "--allowed-origin", help="Allowed origin; repeat for several.", show_default=False
    ),
]
Scopes = Annotated[
    list[str] | None,
    typer.Option("--scope", help="Scope, e.g. files:read; repeat for several.", show_default=False),
]
LogoFile = Annotated[
    Path | None,
    typer.Option(
        "--logo-file",
        exists=True,
        dir_okay=False,
        readable=True,
        help="PNG, JPEG or SVG image, sent as a data URI.",
    ),
]
AllowPkce = Annotated[
    bool | None,
    typer.Option("--allow-pkce/--no-allow-pkce", help="Allow PKCE without a secret."),
]
Public = Annotated[bool | None, typer.Option("--public/--no-public", help="Public client.")]


@contextmanager
def _connect(url: str, api_key: str | None, signature: str | None) -> Iterator[Client]:
    """Open an SDK client, and turn its errors into messages and exit codes."""
    try:
        with Client(url, api_key=api_key, signature=signature) as client:
            yield client
    except DocSpaceOAuthError as error:
        print_error(error)
        raise typer.Exit(exit_code_for(error)) from error
    except (typer.Exit, typer.Abort):
        raise
    except Exception as error:
        # Typer's own handler could print locals, which hold the API key.
        stderr().print(Text(f"Unexpected error: {type(error).__name__}: {error}", style="red"))
        raise typer.Exit(ExitCode.UNEXPECTED) from error


# -- clients ------------------------------------------------------------------


@clients_app.command("create")
def create_client(
    name: Annotated[str, typer.Option("--name", help="Display name (3-256 characters).")],
    website_url: Annotated[str, typer.Option("--website-url", help="The app's home page.")],
    terms_url: Annotated[str, typer.Option("--terms-url", help="Its terms of service.")],
    policy_url: Annotated[str, typer.Option("--policy-url", help="Its privacy policy.")],
    logout_redirect_uri: Annotated[
        str, typer.Option("--logout-redirect-uri", help="Where to send users after sign-out.")
    ],
    redirect_uri: RedirectUris = None,
    allowed_origin: AllowedOrigins = None,
    scope: Scopes = None,
    description: Description = None,
    logo_file: LogoFile = None,
    allow_pkce: AllowPkce = None,
    public: Public = None,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
    signature: Signature = None,
    as_json: AsJson = False,
) -> None:
    """Register a client. Its secret is printed once and never again.

    DocSpace requires a logo: without --logo-file the client gets a plain one made from the
    first letter of its name.
    """
    request = CreateClientRequest(
        name=name,
        redirect_uris=redirect_uri or [],
        allowed_origins=allowed_origin or [],
        scopes=scope or [],
        description=description,
        website_url=website_url,
        terms_url=terms_url,
        policy_url=policy_url,
        logout_redirect_uri=logout_redirect_uri,
        logo=letter_logo(name) if logo_file is None else logo_data_uri(logo_file),
        allow_pkce=allow_pkce,
        is_public=public,
    )
    with _connect(url, api_key, signature) as api:
        client = api.create_client(request)
    if as_json:
        print_json(client)
    else:
        print_table(client_table(client))
        if client.client_secret:
            stdout().print(Text.assemble(("Client secret: ", "bold"), client.client_secret))
    if client.client_secret:
        stderr().print(
            Text("Store the client secret now: it will not be shown again.", style="yellow")
        )


@clients_app.command("list")
def list_clients(
    limit: PageSize = None,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
    signature: Signature = None,
    as_json: AsJson = False,
) -> None:
    """List every client you may see, following all pages."""
    with _connect(url, api_key, signature) as api:
        clients = list(api.get_clients(limit=limit))
    if as_json:
        print_json(clients)
    else:
        print_table(clients_table(clients))


@clients_app.command("show")
def show_client(
    client_id: ClientId,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
    signature: Signature = None,
    as_json: AsJson = False,
) -> None:
    """Show one client."""
    with _connect(url, api_key, signature) as api:
        client = api.get_client(client_id)
    _print_client(client, as_json)


@clients_app.command("update")
def update_client(
    client_id: ClientId,
    name: Name = None,
    description: Description = None,
    redirect_uri: RedirectUris = None,
    allowed_origin: AllowedOrigins = None,
    scope: Scopes = None,
    logo_file: LogoFile = None,
    allow_pkce: AllowPkce = None,
    public: Public = None,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
    signature: Signature = None,
    as_json: AsJson = False,
) -> None:
    """Change the given fields of a client; the others keep their values.

    Repeatable options (--redirect-uri, --allowed-origin, --scope) replace the
    whole list when given.
    """
    changes: dict[str, Any] = {
        "name": name,
        "description": description,
        "redirect_uris": redirect_uri or None,
        "allowed_origins": allowed_origin or None,
        "scopes": scope or None,
        "logo": None if logo_file is None else logo_data_uri(logo_file),
        "allow_pkce": allow_pkce,
        "is_public": public,
    }
    changes = {key: value for key, value in changes.items() if value is not None}
    if not changes:
        stderr().print("Nothing to update: give at least one field to change.", style="red")
        raise typer.Exit(ExitCode.USAGE)
    with _connect(url, api_key, signature) as api:
        # PUT replaces the client's settings, so send the current values of
        # the fields the user did not mention.
        current = api.get_client(client_id)
        client = api.update_client(client_id, UpdateClientRequest(**(_editable(current) | changes)))
    _print_client(client, as_json)


@clients_app.command("enable")
def enable_client(
    client_id: ClientId,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
    signature: Signature = None,
    as_json: AsJson = False,
) -> None:
    """Enable a client, so that it can obtain tokens again."""
    _set_activation(client_id, True, url, api_key, signature, as_json)


@clients_app.command("disable")
def disable_client(
    client_id: ClientId,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
    signature: Signature = None,
    as_json: AsJson = False,
) -> None:
    """Disable a client: it gets no new tokens; issued ones live until they expire."""
    _set_activation(client_id, False, url, api_key, signature, as_json)


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
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
    signature: Signature = None,
    as_json: AsJson = False,
) -> None:
    """Issue a new client secret, printed once."""
    with _connect(url, api_key, signature) as api:
        secret = api.regenerate_secret(client_id, grace_period=grace_period)
    if as_json:
        print_json({"client_id": client_id, "client_secret": secret.client_secret})
    else:
        stdout().print(Text.assemble(("Client secret: ", "bold"), secret.client_secret))
    stderr().print(Text("Store the client secret now: it will not be shown again.", style="yellow"))


@clients_app.command("revoke")
def revoke_consent(
    client_id: ClientId,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
    signature: Signature = None,
    as_json: AsJson = False,
) -> None:
    """Withdraw your consent to a client, revoking the tokens it holds for you."""
    with _connect(url, api_key, signature) as api:
        api.revoke_user_client(client_id)
    if as_json:
        print_json({"client_id": client_id, "revoked": True})
    else:
        stdout().print(f"Revoked your consent to client {client_id}.")


@clients_app.command("delete")
def delete_client(
    client_id: ClientId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
    signature: Signature = None,
    as_json: AsJson = False,
) -> None:
    """Delete a client and every token issued to it. This cannot be undone."""
    if not yes:
        # Prompt on stderr, so that stdout stays clean for --json.
        typer.confirm(f"Delete client {client_id}?", abort=True, err=True)
    with _connect(url, api_key, signature) as api:
        api.delete_client(client_id)
    if as_json:
        print_json({"client_id": client_id, "deleted": True})
    else:
        stdout().print(f"Deleted client {client_id}.")


# -- scopes and consents ------------------------------------------------------


@scopes_app.command("list")
def list_scopes(
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
    signature: Signature = None,
    as_json: AsJson = False,
) -> None:
    """List the scopes clients may ask for."""
    with _connect(url, api_key, signature) as api:
        scopes = api.get_scopes()
    if as_json:
        print_json(scopes)
        return
    table = Table("Name", "Group", "Type")
    for scope in scopes:
        table.add_row(scope.name, scope.group or "", scope.type or "")
    print_table(table)


@consents_app.command("list")
def list_consents(
    limit: PageSize = None,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
    signature: Signature = None,
    as_json: AsJson = False,
) -> None:
    """List the clients you have consented to, following all pages."""
    with _connect(url, api_key, signature) as api:
        consents = list(api.get_consents(limit=limit))
    if as_json:
        print_json(consents)
        return
    table = Table("Client ID", "Client", "Scopes", "Modified")
    table.columns[0].no_wrap = True
    for consent in consents:
        table.add_row(
            consent.registered_client_id,
            consent.client.name if consent.client else "",
            consent.scopes,
            "" if consent.modified_at is None else consent.modified_at.isoformat("T", "seconds"),
        )
    print_table(table)


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
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
    signature: Signature = None,
    as_json: AsJson = False,
) -> None:
    """Show the tenant's audit trail, newest first (admins)."""
    with _connect(url, api_key, signature) as api:
        events = list(
            itertools.islice(
                api.get_audit_events(client_id=client_id, action=action, limit=limit),
                max_events,
            )
        )
    if as_json:
        print_json(events)
        return
    table = Table("When", "Action", "Outcome", "Client ID", "User", "IP")
    for column in table.columns[:3]:
        column.no_wrap = True
    for event in events:
        table.add_row(
            event.occurred_at.isoformat("T", "seconds"),
            event.action,
            event.outcome,
            event.client_id or "",
            event.actor_user_id or "",
            event.actor_ip or "",
        )
    print_table(table)


# -- helpers ------------------------------------------------------------------

_LOGO_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
}


def logo_data_uri(path: Path) -> str:
    """Read an image file into the data URI the contract's ``logo`` expects."""
    content = path.read_bytes()
    media_type = _LOGO_TYPES.get(path.suffix.lower()) or _sniff_image(content)
    if media_type is None:
        guessed = mimetypes.guess_type(path.name)[0] or "unknown type"
        raise typer.BadParameter(
            f"{path.name} is {guessed}; the logo must be PNG, JPEG or SVG",
            param_hint="--logo-file",
        )
    return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"


def letter_logo(name: str) -> str:
    """A plain square logo with the name's first letter, as an SVG data URI."""
    letter = next((c for c in name if c.isalnum()), "?").upper()
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
        '<rect width="64" height="64" rx="12" fill="#3b5b7a"/>'
        '<text x="32" y="43" font-family="sans-serif" font-size="32" text-anchor="middle" '
        f'fill="#ffffff">{html.escape(letter)}</text></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def _sniff_image(content: bytes) -> str | None:
    # For files without a telling suffix, trust the bytes.
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if b"<svg" in content[:1024]:
        return "image/svg+xml"
    return None


def _editable(client: ClientResponse) -> dict[str, Any]:
    """The client's current values of the fields an update may send."""
    values: dict[str, Any] = {
        "name": client.name,
        "description": client.description,
        "redirect_uris": client.redirect_uris,
        "allowed_origins": client.allowed_origins,
        "scopes": client.scopes,
        "allow_pkce": client.allow_pkce,
        "is_public": client.is_public,
    }
    # Only a data URI can be sent back; a server answering with a logo URL
    # keeps its logo when the field is left out.
    if client.logo and client.logo.startswith("data:"):
        values["logo"] = client.logo
    return values


def _print_client(client: ClientResponse, as_json: bool) -> None:
    if as_json:
        print_json(client)
    else:
        print_table(client_table(client))


def _set_activation(
    client_id: str,
    enabled: bool,
    url: str,
    api_key: str | None,
    signature: str | None,
    as_json: bool,
) -> None:
    with _connect(url, api_key, signature) as api:
        api.change_activation(client_id, enabled)
    if as_json:
        print_json({"client_id": client_id, "enabled": enabled})
    else:
        stdout().print(f"{'Enabled' if enabled else 'Disabled'} client {client_id}.")
