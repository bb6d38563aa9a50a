"""`docspace-oauth serve`: migrate (creating the database if need be), make sure tenant 1 has
an owner, and run uvicorn.

The issuer follows the listener: with DOCSPACE_OAUTH_ISSUER unset, `serve --port 18123`
announces, signs and redirects as http://127.0.0.1:18123, so the console's sign-in works at
once. A set issuer is kept (behind a proxy it names the public address), and a note says so
when it is not the listener's. Production mode refuses to start without an https issuer.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Annotated
from urllib.parse import urlsplit

import typer

from docspace_oauth.cli.database import local_settings, run_local
from docspace_oauth.cli.options import current
from docspace_oauth.cli.output import note
from docspace_oauth.runtime import Runtime
from docspace_oauth.settings import Settings, get_settings
from docspace_oauth.users import service as users

# Addresses that listen everywhere, and the one a browser on this machine reaches them at.
_WILDCARDS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}  # noqa: S104


def listener_url(host: str, port: int) -> str:
    shown = _WILDCARDS.get(host, host)
    if ":" in shown:  # an IPv6 literal
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def _same_origin(a: str, b: str) -> bool:
    first, second = urlsplit(a), urlsplit(b)
    return (first.scheme, first.hostname, first.port) == (
        second.scheme,
        second.hostname,
        second.port,
    )


async def _bootstrap(runtime: Runtime) -> tuple[str, str] | None:
    async with runtime.sessions() as session:
        created = await users.bootstrap_owner(
            session, runtime.keys.hash_key, runtime.settings.issuer_url
        )
        await session.commit()
        return (created.user.email, created.api_key) if created else None


def run_uvicorn(settings: Settings, host: str, port: int, workers: int, log_level: str) -> None:
    """The listener: ops.listener configures uvicorn, in that one place."""
    from docspace_oauth.ops import listener
    from docspace_oauth.ops.logging import uvicorn_log_config

    listener.serve(
        settings,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        log_config=uvicorn_log_config(log_level),
    )


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Migrate the database (creating it if missing), create tenant 1's owner if it has none,
    and serve. The issuer is http://HOST:PORT unless DOCSPACE_OAUTH_ISSUER says otherwise."""
    from docspace_oauth.ops.logging import configure

    settings = local_settings()
    listener = listener_url(host, port)
    if "issuer" not in settings.model_fields_set:
        settings = settings.model_copy(update={"issuer": listener})
        # Workers (and the app factory) read their settings from the environment.
        os.environ["DOCSPACE_OAUTH_ISSUER"] = listener
    elif not _same_origin(settings.issuer_url, listener):
        note(
            f"Note: the issuer is {settings.issuer_url} (DOCSPACE_OAUTH_ISSUER), not this "
            f"listener's {listener}: browsers and clients are sent there, so it must reach "
            "this server (through a proxy, say)."
        )
    if current().database:
        os.environ["DOCSPACE_OAUTH_DATABASE_URL"] = settings.database_url
    get_settings.cache_clear()
    configure(log_level)
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Workers inherit this, so /metrics can add up every worker's counts.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="docspace-oauth-metrics-")
    owner = run_local(_bootstrap, settings=settings, may_create=True)
    if owner:
        email, key = owner
        typer.echo(f"Created the owner of tenant 1, {email}.")
        typer.echo("The owner's API key, shown this once (store it now):")
        typer.echo(key)
    typer.echo(f"Serving on {listener} (issuer {settings.issuer_url})", err=True)
    sys.stdout.flush()
    run_uvicorn(settings, host, port, workers, log_level)
