"""Entry point: `docspace-oauth serve`, the local commands (`users`, `keys`, `tenants`,
`prune`) that write to the database, and the remote commands (`clients`, `scopes`,
`consents`, `audit`, `sessions`) that call a server. Global options are declared once, in
cli.options, and accepted anywhere on the line.
"""

from __future__ import annotations

import typer

from docspace_oauth.cli.clients import clients_app
from docspace_oauth.cli.keys import keys_app
from docspace_oauth.cli.login import login
from docspace_oauth.cli.options import GlobalGroup, root_options
from docspace_oauth.cli.prune import prune
from docspace_oauth.cli.reads import consents_app, list_audit, scopes_app
from docspace_oauth.cli.registration import registration_app
from docspace_oauth.cli.serve import serve
from docspace_oauth.cli.sessions import sessions_app
from docspace_oauth.cli.tenants import tenants_app
from docspace_oauth.cli.users import users_app

app = typer.Typer(
    cls=GlobalGroup,
    help="docspace-oauth: an OAuth 2.0 server speaking DocSpace's client-management contract.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.callback()(root_options)
app.command("serve")(serve)
app.add_typer(users_app, name="users")
app.add_typer(clients_app, name="clients")
app.add_typer(scopes_app, name="scopes")
app.add_typer(consents_app, name="consents")
app.command("audit")(list_audit)
app.add_typer(sessions_app, name="sessions")
app.add_typer(keys_app, name="keys")
app.add_typer(tenants_app, name="tenants")
app.add_typer(registration_app, name="registration")
app.command("prune")(prune)
app.command("login")(login)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
