"""How the remote commands print: JSON or Rich tables on stdout, errors on
stderr, and the exit codes scripts rely on (documented in docs/cli.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import IntEnum
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from rich.text import Text

from docspace_oauth.sdk import (
    APIError,
    AuthenticationError,
    ClientResponse,
    DocSpaceOAuthError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
    UnsupportedMediaTypeError,
    ValidationError,
)

__all__ = [
    "ExitCode",
    "client_table",
    "clients_table",
    "exit_code_for",
    "print_error",
    "print_json",
    "print_table",
    "stderr",
    "stdout",
]


class ExitCode(IntEnum):
    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    NOT_FOUND = 3
    AUTH = 4
    VALIDATION = 5
    RATE_LIMITED = 6
    SERVER = 7


def stdout() -> Console:
    # Built per call, not at import: test runners swap sys.stdout per invocation.
    # No markup: client names and ids come from users, and "[...]" in them must
    # print as typed, not restyle the output or raise.
    return Console(highlight=False, markup=False)


def stderr() -> Console:
    return Console(stderr=True, highlight=False, markup=False)


def exit_code_for(error: DocSpaceOAuthError) -> ExitCode:
    if isinstance(error, NotFoundError):
        return ExitCode.NOT_FOUND
    if isinstance(error, AuthenticationError | PermissionDeniedError):
        return ExitCode.AUTH
    if isinstance(error, ValidationError | UnsupportedMediaTypeError):
        return ExitCode.VALIDATION
    if isinstance(error, RateLimitError):
        return ExitCode.RATE_LIMITED
    # A 200 whose body is not the contract's means the URL points at
    # something that is not this API: a server problem, not the caller's.
    if isinstance(error, ServerError | TransportError | UnexpectedResponseError):
        return ExitCode.SERVER
    return ExitCode.UNEXPECTED


def print_error(error: DocSpaceOAuthError) -> None:
    console = stderr()
    if not isinstance(error, APIError):
        console.print(Text(f"Error: {error}", style="red"))
        return
    problem = error.problem
    console.print(Text(f"Error {problem.status}: {problem.title}", style="bold red"))
    # A validation problem's detail restates its field errors; print those alone.
    if problem.detail and not problem.errors:
        console.print(Text(problem.detail))
    for field_error in problem.errors:
        console.print(Text(f"  {field_error.field}: {field_error.message} ({field_error.code})"))
    if isinstance(error, RateLimitError) and error.retry_after is not None:
        console.print(Text(f"Retry after {error.retry_after:g} seconds."))


def print_json(value: BaseModel | Sequence[BaseModel] | dict[str, Any]) -> None:
    """Write one JSON document to stdout, and nothing else."""
    if isinstance(value, BaseModel):
        data: Any = value.model_dump(mode="json")
    elif isinstance(value, dict):
        data = value
    else:
        data = [item.model_dump(mode="json") for item in value]
    # Plain print, not Rich: Rich would wrap long lines and break the JSON.
    print(json.dumps(data, indent=2, ensure_ascii=False))


def print_table(table: Table) -> None:
    stdout().print(table)


def client_table(client: ClientResponse) -> Table:
    """One client as a two-column property sheet."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    rows: list[tuple[str, str]] = [
        ("Client ID", client.client_id),
        ("Name", client.name),
        ("Description", client.description or ""),
        ("Enabled", _yes_no(client.enabled)),
        ("Public", _yes_no(client.is_public)),
        ("PKCE allowed", _yes_no(client.allow_pkce)),
        ("Scopes", " ".join(client.scopes)),
        ("Redirect URIs", "\n".join(client.redirect_uris)),
        ("Allowed origins", "\n".join(client.allowed_origins)),
        ("Logout redirect URIs", "\n".join(client.logout_redirect_uris)),
        ("Website", client.website_url or ""),
        ("Terms", client.terms_url or ""),
        ("Policy", client.policy_url or ""),
        # The logo is a data URI of up to 256 kB: say whether it is set.
        ("Logo", "set" if client.logo else ""),
        ("Authentication", " ".join(client.authentication_methods)),
        ("Tenant", "" if client.tenant is None else str(client.tenant)),
        ("Created", _when_by(client.created_on, client.created_by)),
        ("Modified", _when_by(client.modified_on, client.modified_by)),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def clients_table(clients: Iterable[ClientResponse]) -> Table:
    table = Table("Client ID", "Name", "Enabled", "Public", "Scopes", "Created")
    table.columns[0].no_wrap = True
    for client in clients:
        table.add_row(
            client.client_id,
            client.name,
            _yes_no(client.enabled),
            _yes_no(client.is_public),
            " ".join(client.scopes),
            _when(client.created_on),
        )
    return table


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _when(value: datetime | None) -> str:
    return "" if value is None else value.isoformat(timespec="seconds")


def _when_by(value: datetime | None, user: str | None) -> str:
    when = _when(value)
    return f"{when} by {user}" if user else when
