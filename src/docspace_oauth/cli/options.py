"""The global options, declared once on the root command and accepted anywhere on the line.

Click binds an option to the command that declares it, so `clients list --url X` would be an
error for an option the root declares. `GlobalGroup` moves the global options (and their
values) to the front before Click parses, which is what Hydra's and kcadm's persistent
flags amount to: `docspace-oauth clients list --format json` and
`docspace-oauth --format json clients list` mean the same.
"""

from __future__ import annotations

import enum
from contextvars import ContextVar
from dataclasses import dataclass
from importlib import metadata
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from docspace_oauth import __version__

DEFAULT_URL = "http://127.0.0.1:8000"


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    YAML = "yaml"


@dataclass(frozen=True, slots=True)
class GlobalOptions:
    url: str = DEFAULT_URL
    api_key: str | None = None
    signature: str | None = None
    database: str | None = None
    format: Format = Format.TABLE
    quiet: bool = False
    create: bool = False


# Global options that take a value, and those that are flags; both forms `--opt value` and
# `--opt=value` are moved. Kept next to the declarations below, which they must match.
_WITH_VALUE = frozenset({"--url", "--api-key", "--signature", "--database", "--format", "-o"})
_FLAGS = frozenset({"--json", "-q", "--quiet", "--create"})


def hoist(args: list[str]) -> list[str]:
    """The global options first, in their order, then everything else, in its order.

    Everything after a bare `--` is left where it is."""
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        token = args[index]
        if token == "--":
            rest.extend(args[index:])
            break
        name = token.split("=", 1)[0]
        if token in _FLAGS or (name in _WITH_VALUE and "=" in token):
            front.append(token)
        elif token in _WITH_VALUE:
            front.extend(args[index : index + 2])
            index += 1
        else:
            rest.append(token)
        index += 1
    return front + rest


# Set by the root command for the one command line being run. A context variable rather than
# Click's context object, so that commands need no `ctx` parameter to read them.
_CURRENT: ContextVar[GlobalOptions | None] = ContextVar("docspace_oauth_cli_options", default=None)


class GlobalGroup(TyperGroup):
    # `ctx` is Typer's Click context (Typer 0.29 vendors its own Click): typed loosely so
    # this works with either.
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if ctx.parent is None:
            _CURRENT.set(None)  # nothing from an earlier command line in this process
            args = hoist(args)
        return super().parse_args(ctx, args)


def _version(value: bool) -> None:
    if value:
        try:
            version = metadata.version("docspace-oauth")
        except metadata.PackageNotFoundError:  # run from a checkout, not installed
            version = __version__
        typer.echo(f"docspace-oauth {version}")
        raise typer.Exit()


def root_options(
    url: Annotated[
        str,
        typer.Option(envvar="DOCSPACE_OAUTH_URL", help="Base URL of the server or portal."),
    ] = DEFAULT_URL,
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="DOCSPACE_OAUTH_API_KEY",
            help="API key for the remote commands, sent in the Authorization header.",
            show_default=False,
        ),
    ] = None,
    signature: Annotated[
        str | None,
        typer.Option(
            envvar="DOCSPACE_OAUTH_SIGNATURE",
            help="DocSpace x-signature JWT, instead of or besides an API key.",
            show_default=False,
        ),
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(
            envvar="DOCSPACE_OAUTH_DATABASE_URL",
            help="Database of the local commands: sqlite:///path or postgresql://user@host/db "
            "[default: ./docspace-oauth.db].",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Format, typer.Option("--format", "-o", help="Output format.", case_sensitive=False)
    ] = Format.TABLE,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print ids only.")] = False,
    create: Annotated[
        bool,
        typer.Option(
            "--create", help="Let a local command other than serve create a missing database."
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    _CURRENT.set(
        GlobalOptions(
            url=url,
            api_key=api_key or None,
            signature=signature or None,
            database=database or None,
            format=Format.JSON if as_json else output,
            quiet=quiet,
            create=create,
        )
    )


def current() -> GlobalOptions:
    """The global options of the command being run (defaults outside a command line)."""
    return _CURRENT.get() or GlobalOptions()
