"""`docspace-oauth keys rotate|list`: the token-signing keys, straight in the database.

Running servers notice a rotation on their next token request (they compare the newest key's
sequence number, read with the client, against the one they sign with) and need no restart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

from docspace_oauth.cli.database import run_local
from docspace_oauth.cli.output import emit_done, emit_list, fail
from docspace_oauth.cli.views import SIGNING_KEY_COLUMNS
from docspace_oauth.models import utcnow
from docspace_oauth.oauth2 import keys as signing_keys
from docspace_oauth.runtime import Runtime

keys_app = typer.Typer(help="Manage the token-signing keys.", no_args_is_help=True)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _rotate(alg: str | None) -> Any:
    async def work(runtime: Runtime) -> dict[str, Any]:
        async with runtime.sessions() as session:
            row = await signing_keys.rotate(
                session, runtime.keys.encryption_key, alg or runtime.settings.signing_alg
            )
            return {
                "kid": row.kid,
                "alg": row.alg,
                "seq": row.seq,
                "created_at": _iso(row.created_at),
            }

    return work


async def _list(runtime: Runtime) -> list[dict[str, Any]]:
    async with runtime.sessions() as session:
        rows = await signing_keys.all_keys(session)
        window = signing_keys.publication_window(runtime.settings.access_token_ttl_seconds)
        now = utcnow()
        result = []
        for index, row in enumerate(rows):
            if index == 0:
                status = "signing"
            elif row.retired_at is not None and row.retired_at + window > now:
                status = "published"  # no longer signs; its tokens may still be live
            else:
                status = "expired"  # every token it signed has expired; not in the JWKS
            result.append(
                {
                    "kid": row.kid,
                    "alg": row.alg,
                    "seq": row.seq,
                    "status": status,
                    "created_at": _iso(row.created_at),
                    "retired_at": _iso(row.retired_at),
                    "unpublished_after": _iso(row.retired_at + window) if row.retired_at else None,
                }
            )
        return result


@keys_app.command("rotate")
def rotate(
    alg: Annotated[
        str | None,
        typer.Option(help="ES256 or RS256; default DOCSPACE_OAUTH_SIGNING_ALG (ES256)."),
    ] = None,
) -> None:
    """Add a signing key; it signs from now on, and older keys stay published until every
    token they signed has expired."""
    if alg is not None and alg not in signing_keys.SUPPORTED_ALGS:
        fail(f"--alg must be one of {', '.join(signing_keys.SUPPORTED_ALGS)}", 2)
    created = run_local(_rotate(alg))
    emit_done(
        created,
        f"New signing key {created['kid']} ({created['alg']}), key #{created['seq']}.",
        id_value=created["kid"],
    )


@keys_app.command("list")
def list_keys() -> None:
    """The signing keys, newest first: the one signing, those still published, the expired."""
    emit_list(run_local(_list), SIGNING_KEY_COLUMNS, empty="No signing keys yet.", id_key="kid")
