"""`serve` follows its listener (issue 14): with DOCSPACE_OAUTH_ISSUER unset, `serve --port N`
is the issuer at port N at once, and the owner is made when tenant 1 has none."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from docspace_oauth.cli.main import app
from tests.conftest import API_KEY_LINE, _free_port, run_cli, server_env


def test_serve_on_a_port_is_the_issuer_there_and_bootstraps_a_missing_owner(
    tmp_path: Path,
) -> None:
    database = f"sqlite:///{tmp_path / 'ported.db'}"
    # Tenant 1 has a user, but no owner: serve still makes one.
    made = CliRunner().invoke(
        app,
        ["users", "create", "admin@example.com", "--role", "admin", "--create"],
        env={"DOCSPACE_OAUTH_DATABASE_URL": database, "DOCSPACE_OAUTH_ISSUER": None},
    )
    assert made.exit_code == 0, made.output
    port = _free_port()
    env = server_env(database)
    assert "DOCSPACE_OAUTH_ISSUER" not in env
    log = tmp_path / "serve.log"
    with log.open("w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "docspace_oauth.cli.main", "serve", "--port", str(port)],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        output = log.read_text()
        assert f"Database: {database}" in output
        assert [line for line in output.splitlines() if API_KEY_LINE.match(line)], output
        discovery = httpx.get(f"{base}/.well-known/openid-configuration").json()
        assert discovery["issuer"] == base
        assert discovery["token_endpoint"] == f"{base}/oauth2/token"
        console = httpx.get(f"{base}/console")
        assert console.status_code in (302, 303, 307)
        assert console.headers["location"].startswith(f"{base}/oauth2/login?")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_says_when_the_issuer_is_not_its_listener(tmp_path: Path) -> None:
    # An unusable database stops serve right after its start-up notes, so no server runs.
    env = server_env("mysql://nowhere/db", DOCSPACE_OAUTH_ISSUER="https://auth.example.com")
    result = run_cli(env, "serve", "--port", "18123")
    assert result.returncode == 9
    assert (
        "Note: the issuer is https://auth.example.com (DOCSPACE_OAUTH_ISSUER), not this "
        "listener's http://127.0.0.1:18123" in result.stderr
    )
    assert "Traceback" not in result.stderr
