"""`docspace-oauth login`: sign a person in from a terminal with the device grant (RFC 8628),
and keep the token for the remote commands, instead of pasting an API key.

The token asks for this server's own API as its resource (oauth2/api_tokens.py), so it is
accepted by /api/2.0 with its user's role. It is stored per server URL in
`$XDG_CONFIG_HOME/docspace-oauth/credentials.json` (else `~/.config/...`), mode 0600; the
remote commands use it when no --api-key / DOCSPACE_OAUTH_API_KEY (nor --signature) is
given, refreshing it when it has expired.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.text import Text

from docspace_oauth.cli.options import current
from docspace_oauth.cli.output import ExitCode, stderr

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_SLOW_DOWN_STEP = 5


def credentials_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "docspace-oauth" / "credentials.json"


def _load_all() -> dict[str, Any]:
    try:
        value = json.loads(credentials_path().read_text())
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _save(url: str, entry: dict[str, Any]) -> None:
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored = {**_load_all(), url.rstrip("/"): entry}
    # Created 0600 before anything is written: the token is never readable by others.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(stored, handle, indent=2)


def _fail(message: str, code: ExitCode = ExitCode.AUTH) -> typer.Exit:
    stderr().print(Text(f"Error: {message}", style="red"))
    return typer.Exit(code)


def _entry(body: dict[str, Any], client_id: str, token_endpoint: str) -> dict[str, Any]:
    return {
        "access_token": body["access_token"],
        "refresh_token": body.get("refresh_token"),
        "expires_at": int(time.time()) + int(body.get("expires_in", 0)),
        "client_id": client_id,
        "token_endpoint": token_endpoint,
    }


def _poll(http: httpx.Client, endpoint: str, client_id: str, start: dict[str, Any]) -> Any:
    interval = int(start.get("interval", 5))
    deadline = time.monotonic() + int(start.get("expires_in", 600))
    while time.monotonic() < deadline:
        time.sleep(interval)
        response = http.post(
            endpoint,
            data={
                "grant_type": DEVICE_GRANT,
                "device_code": start["device_code"],
                "client_id": client_id,
            },
        )
        if response.status_code == 200:
            return response.json()
        error = response.json().get("error") if response.content else None
        if error == "authorization_pending":
            continue
        if error == "slow_down":
            interval += _SLOW_DOWN_STEP
            continue
        if error == "access_denied":
            raise _fail("the sign-in was denied.")
        if error == "expired_token":
            break
        raise _fail(f"the server refused: {response.text[:300]}")
    raise _fail("the code expired before it was entered; run login again.")


def login(
    client_id: Annotated[
        str,
        typer.Option(
            envvar="DOCSPACE_OAUTH_CLIENT_ID",
            help="A public client of your tenant registered with the device grant.",
        ),
    ],
    scope: Annotated[str | None, typer.Option(help="Scopes to ask for.")] = None,
) -> None:
    """Sign in from this terminal (device grant) and keep the token for remote commands."""
    url = current().url.rstrip("/")
    with httpx.Client(timeout=30) as http:
        try:
            meta = http.get(f"{url}/.well-known/openid-configuration").json()
            form = {"client_id": client_id, "resource": f"{meta['issuer']}/api/2.0"}
            if scope:
                form["scope"] = scope
            asked = http.post(meta["device_authorization_endpoint"], data=form)
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            raise _fail(
                f"{url} does not answer as a docspace-oauth server: {exc}", ExitCode.SERVER
            ) from exc
        if asked.status_code != 200:
            raise _fail(f"the server refused the device request: {asked.text[:300]}")
        start = asked.json()
        typer.echo(f"Open {start['verification_uri']} and enter the code {start['user_code']}")
        typer.echo(f"(or open {start['verification_uri_complete']})", err=False)
        body = _poll(http, meta["token_endpoint"], client_id, start)
    _save(url, _entry(body, client_id, meta["token_endpoint"]))
    typer.echo(f"Signed in. Token stored in {credentials_path()}")


def stored_token(url: str) -> str | None:
    """The stored access token for this server, refreshed when it has expired."""
    entry = _load_all().get(url.rstrip("/"))
    if not isinstance(entry, dict) or "access_token" not in entry:
        return None
    if int(entry.get("expires_at", 0)) > time.time() + 30:
        return str(entry["access_token"])
    if not entry.get("refresh_token"):
        return None
    try:
        response = httpx.post(
            entry["token_endpoint"],
            data={
                "grant_type": "refresh_token",
                "refresh_token": entry["refresh_token"],
                "client_id": entry["client_id"],
            },
            timeout=30,
        )
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    _save(url, _entry(response.json(), entry["client_id"], entry["token_endpoint"]))
    return str(response.json()["access_token"])
