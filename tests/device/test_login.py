"""`docspace-oauth login` end to end: the CLI runs the device grant, a person approves on the
device page in Chromium, and a remote command then works with the stored token."""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.conftest import LiveServer, run_cli_here
from tests.console.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.factory import client_body

PASSWORD = "a long device password"
DEVICE = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _cli_client(live: LiveServer, key: str) -> str:
    """A public client of tenant 1 for the CLI, registered with the device grant."""
    body = client_body(allow_pkce=True, grant_types=["authorization_code", "refresh_token", DEVICE])
    with live.client(key) as http:
        response = http.post("/api/2.0/clients", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["client_id"])


# A browser, the CLI four times as subprocesses and a 5 s polling interval: more than the
# suite's default 120 s on a loaded machine.
@pytest.mark.timeout(400)
def test_login_then_remote_commands_use_the_stored_token(
    live_server: LiveServer, chromium: Browser, tmp_path: Path
) -> None:
    email = f"device-{secrets.token_hex(3)}@example.com"
    key = live_server.create_user(email, "user", 1, password=PASSWORD)
    client_id = _cli_client(live_server, key)
    env = {k: v for k, v in live_server.env.items() if k not in {"DOCSPACE_OAUTH_API_KEY"}}
    env["XDG_CONFIG_HOME"] = str(tmp_path)
    login = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "docspace_oauth.cli.main",
            "--url",
            live_server.url,
            "login",
            "--client-id",
            client_id,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert login.stdout is not None
        first = login.stdout.readline()
        match = re.search(r"Open (\S+) and enter the code ([B-Z]{4}-[B-Z]{4})", first)
        assert match, first + (login.stderr.read() if login.poll() is not None else "")
        assert match[1] == f"{live_server.url}/oauth2/device"
        complete = re.search(r"\(or open (\S+)\)", login.stdout.readline())
        assert complete

        page = chromium.new_page()
        page.goto(complete[1])
        # Not signed in yet: the one sign-in page, which comes back to the device page.
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/oauth2/device\?user_code="))
        assert page.input_value("#user_code") == match[2]
        page.click("text=Continue")
        assert page.inner_text("#confirm-code") == match[2]
        assert page.is_visible("#for-api")
        page.click("button[value=allow]")
        page.wait_for_selector("#device-done")
        assert "is allowed" in page.inner_text("#device-done")
        page.close()

        out, err = login.communicate(timeout=60)
    finally:
        if login.poll() is None:
            login.kill()
    assert login.returncode == 0, err
    stored = tmp_path / "docspace-oauth" / "credentials.json"
    assert f"Token stored in {stored}" in out
    assert stat.S_IMODE(os.stat(stored).st_mode) == 0o600

    # A remote command with no API key: the stored token speaks for the user.
    listed = run_cli_here(env, "--url", live_server.url, "--json", "clients", "list")
    assert listed.returncode == 0, listed.stderr
    assert client_id in listed.stdout

    # Once the access token has expired, the next command refreshes it and stores the new
    # pair (the refresh token rotates), still 0600.
    saved = json.loads(stored.read_text())
    entry = saved[live_server.url]
    entry["expires_at"] = 0
    stored.write_text(json.dumps(saved))
    again = run_cli_here(env, "--url", live_server.url, "--json", "clients", "list")
    assert again.returncode == 0, again.stderr
    renewed = json.loads(stored.read_text())[live_server.url]
    assert renewed["refresh_token"] != entry["refresh_token"]
    assert renewed["expires_at"] > 0
    assert stat.S_IMODE(os.stat(stored).st_mode) == 0o600

    # Withdrawing the consent ends it at once.
    with live_server.client(key) as http:
        withdrawn = http.delete(f"/api/2.0/clients/{client_id}/revoke")
    assert withdrawn.status_code == 200, withdrawn.text
    refused = run_cli_here(env, "--url", live_server.url, "clients", "list")
    assert refused.returncode == 4, refused.stdout + refused.stderr


def test_a_token_for_a_portal_is_not_an_api_caller(live_server: LiveServer) -> None:
    """A token whose aud is the tenant's URL (any app's) never manages OAuth apps."""
    from tests.oauth2.conftest import Kit

    kit = Kit(live_server)
    app = kit.register()
    token = kit.tokens(app)["access_token"]
    response = httpx.get(
        f"{live_server.url}/api/2.0/clients",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 403
