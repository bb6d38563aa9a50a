"""The installed command, run as a separate process the way a script runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from typing import Any

import pytest


def run(
    live_server: Any, *args: str, api_key: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command; ``api_key=""`` runs it with no API key at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCSPACE_OAUTH_")}
    env["DOCSPACE_OAUTH_URL"] = live_server.url
    if api_key != "":
        env["DOCSPACE_OAUTH_API_KEY"] = api_key or live_server.owner_key
    return subprocess.run(
        [sys.executable, "-m", "docspace_oauth.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_create_list_show_delete_through_the_real_command(live_server: Any) -> None:
    name = f"Entry point app {uuid.uuid4().hex[:8]}"
    created = run(
        live_server,
        "clients",
        "create",
        "--name",
        name,
        "--website-url",
        "https://ep.example.com",
        "--terms-url",
        "https://ep.example.com/terms",
        "--policy-url",
        "https://ep.example.com/privacy",
        "--logout-redirect-uri",
        "https://ep.example.com/bye",
        "--redirect-uri",
        "https://ep.example.com/cb",
        "--allowed-origin",
        "https://ep.example.com",
        "--scope",
        "openid",
        "--json",
    )
    assert created.returncode == 0, created.stderr
    client = json.loads(created.stdout)
    assert client["client_secret"]

    listed = run(live_server, "clients", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert client["client_id"] in {c["client_id"] for c in json.loads(listed.stdout)}

    deleted = run(live_server, "clients", "delete", client["client_id"], "--yes")
    assert deleted.returncode == 0, deleted.stderr

    shown = run(live_server, "clients", "show", client["client_id"])
    assert shown.returncode == 3
    assert shown.stdout == ""
    assert "404" in shown.stderr


def test_bad_key_exit_code_through_the_real_command(live_server: Any) -> None:
    result = run(live_server, "scopes", "list", "--json", api_key="dso_wrong")
    assert result.returncode == 4
    assert result.stdout == ""


def test_signature_option_authenticates_as_a_portal_user(live_server: Any) -> None:
    jwt = pytest.importorskip("jwt")
    secret = live_server.env.get("DOCSPACE_OAUTH_SIGNATURE_SECRET")
    if not secret:
        pytest.skip("the live server has no x-signature secret configured")
    claims = {
        "user_id": str(uuid.uuid4()),
        "user_name": "Portal user",
        "user_email": "portal-user@portal.example",
        "tenant_id": 1,
        "tenant_url": "https://tenant1.portal.example",
        "is_admin": False,
        "is_guest": False,
        # A member the portal does not make public is a guest in DocSpace.
        "is_public": True,
        "exp": int(time.time()) + 300,
    }
    token = jwt.encode(claims, secret, algorithm="HS256")
    result = run(live_server, "clients", "list", "--json", "--signature", token, api_key="")
    assert result.returncode == 0, result.stderr
    # A portal user new to this server has created nothing yet.
    assert json.loads(result.stdout) == []

    anonymous = run(live_server, "clients", "list", "--json", api_key="")
    assert anonymous.returncode == 4
