"""The peer: Authlib's Flask authorization server (app.py), in its own virtualenv
(bench/.peer-venv, from requirements.txt here), loaded exactly as the service is.

app.py runs only under that virtualenv's Python (gunicorn imports it from this folder as
the top-level module `app`); nothing here imports it.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from bench.databases import database_name, fresh_database
from bench.load import FORM, Accounting, Load, basic, measure, row_from
from bench.options import CONNECTIONS, Options
from bench.processes import HOST, Server, free_port
from bench.report import Context, log

PEER_DIR = Path(__file__).resolve().parent
PEER_VENV = PEER_DIR.parent / ".peer-venv"
CC_BODY = "grant_type=client_credentials&scope=files:read"


def _requirements_stamp() -> str:
    return hashlib.sha256((PEER_DIR / "requirements.txt").read_bytes()).hexdigest()


def ensure_peer_venv() -> Path:
    """bench/.peer-venv with the peer's pinned requirements from PyPI (made once, reused)."""
    stamp = PEER_VENV / ".requirements.sha256"
    python = PEER_VENV / "bin" / "python"
    if python.exists() and stamp.exists() and stamp.read_text() == _requirements_stamp():
        return python
    if PEER_VENV.exists():
        shutil.rmtree(PEER_VENV)
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "-r",
            str(PEER_DIR / "requirements.txt"),
        ],
        check=True,
        capture_output=True,
    )
    stamp.write_text(_requirements_stamp())
    return python


class PeerVenv:
    """The virtualenv being made: up front on a full run (so pip never competes with a
    measurement), in the background on a quick one."""

    def __init__(self, opts: Options) -> None:
        self._python: list[Path] = []
        self._error: list[BaseException] = []
        self._maker = threading.Thread(target=self._make, daemon=True)
        if opts.quick:
            self._maker.start()
        else:
            log("peer virtualenv (bench/.peer-venv)")
            self._make()

    def _make(self) -> None:
        try:
            self._python.append(ensure_peer_venv())
        except BaseException as exc:  # reported when the peer's turn comes
            self._error.append(exc)

    def python(self) -> Path | None:
        """The virtualenv's Python once it is made; None (and logged) if it failed."""
        if self._maker.ident is not None:
            self._maker.join()
        if self._python:
            return self._python[0]
        log(f"peer unavailable: {self._error[0] if self._error else 'not built'}")
        return None


def peer_jwk() -> str:
    from joserfc.jwk import ECKey

    key = ECKey.generate_key("P-256", private=True)
    data = {**key.as_dict(private=True), "kid": "peer-1", "alg": "ES256", "use": "sig"}
    return json.dumps({"keys": [data]})


def _start(opts: Options, python: Path, database_url: str) -> tuple[Server, dict[str, str]]:
    """The peer on its own database, with its one client: the server and the client's
    form headers."""
    if opts.database == "sqlite":
        peer_url = database_url
    else:
        peer_url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    port = free_port()
    client_id, secret = "bench-peer-client", secrets.token_urlsafe(30)
    env = {
        **os.environ,
        "PEER_DATABASE_URL": peer_url,
        "PEER_ISSUER": f"http://{HOST}:{port}",
        "PEER_JWK": peer_jwk(),
    }
    subprocess.run(
        [str(python), "app.py", "init", client_id, secret],
        cwd=PEER_DIR,
        env=env,
        check=True,
        capture_output=True,
    )
    gunicorn = str(python.parent / "gunicorn")
    argv = [gunicorn, "--workers", str(opts.workers), "--worker-class", "gthread"]
    argv += ["--threads", "8", "--bind", f"{HOST}:{port}", "app:app"]
    server = Server("peer", argv, env, port, cwd=PEER_DIR)
    return server, {"Content-Type": FORM, "Authorization": basic(client_id, secret)}


def _loads(server: Server, form: dict[str, str], database_url: str) -> list[tuple[str, str, Load]]:
    """The peer's two scenarios, the introspected token checked live first."""
    token = httpx.post(f"{server.url}/oauth/token", content=CC_BODY, headers=form).json()
    introspect = f"token={token['access_token']}"
    check = httpx.post(f"{server.url}/oauth/introspect", content=introspect, headers=form)
    assert check.json().get("active") is True, check.json()
    on: Accounting = {"servers": [server], "database": database_name(database_url)}
    return [
        (
            "peer: client_credentials token",
            "peer:cc",
            Load(f"{server.url}/oauth/token", "POST", form, body=CC_BODY, **on),
        ),
        (
            "peer: introspection of a live JWT",
            "peer:introspect",
            Load(f"{server.url}/oauth/introspect", "POST", form, body=introspect, **on),
        ),
    ]


def run_peer(opts: Options, ctx: Context, python: Path) -> None:
    log(f"peer: Authlib Flask server, gunicorn × {opts.workers} workers (gthread)")
    with fresh_database(opts, "dso_bench_peer") as database_url:
        server, form = _start(opts, python, database_url)
        try:
            server.wait_ready("/oauth/token", {400, 401, 405})
            for name, key, load in _loads(server, form, database_url):
                for connections in CONNECTIONS:
                    log(f"{name} at {connections} connections")
                    m = measure(opts, load, connections, profile_as=f"{name} at {connections}")
                    ctx.rows.append(row_from(name, key, connections, m))
        finally:
            server.stop()
