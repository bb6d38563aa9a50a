"""`users list|set-password|disable|enable|delete` and `users keys`, run in-process against
the live server's database, and checked over HTTP as the user (or their app) would find it."""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx
from typer.testing import CliRunner, Result

from docspace_oauth.cli.main import app
from tests.conftest import API_KEY_LINE, LiveServer
from tests.oauth2.conftest import Actor, Kit, hidden_fields, portal_user

PASSWORD = "a long enough password"


def local(live: LiveServer, *args: str, input: str | None = None) -> Result:
    env = {k: v for k, v in live.env.items() if k.startswith("DOCSPACE_OAUTH_")}
    return CliRunner().invoke(app, list(args), env={**env, "COLUMNS": "250"}, input=input)


def new_user(live: LiveServer, role: str = "user", tenant: int = 1) -> tuple[str, str]:
    email = f"life-{secrets.token_hex(5)}@example.com"
    result = local(live, "users", "create", email, "--role", role, "--tenant", str(tenant))
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    assert API_KEY_LINE.match(key)
    return email, key


def user_record(live: LiveServer, email: str, tenant: int = 1) -> dict[str, Any] | None:
    result = local(live, "users", "list", "--tenant", str(tenant), "--json")
    assert result.exit_code == 0, result.output
    return next((u for u in json.loads(result.stdout) if u["email"] == email), None)


def api_status(live: LiveServer, key: str) -> int:
    with live.client(key) as http:
        return http.get("/api/2.0/clients").status_code


def sign_in(live: LiveServer, email: str, password: str) -> int:
    with httpx.Client(base_url=live.url, timeout=30) as browser:
        page = browser.get("/oauth2/login", params={"next": "/console"})
        assert page.status_code == 200
        response = browser.post(
            "/oauth2/login",
            data={**dict(hidden_fields(page.text)), "email": email, "password": password},
            headers={"Origin": live.url},
        )
        return response.status_code


def test_every_local_command_names_its_database(live_server: LiveServer) -> None:
    result = local(live_server, "users", "list")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == f"Database: {live_server.database_url}"
    header = result.stdout.splitlines()[0].split("\t")
    assert header[:3] == ["Email", "Tenant", "Role"]
    assert "owner@example.com" in result.stdout


def test_disable_stops_keys_and_grants_and_enable_brings_keys_back(
    live_server: LiveServer,
) -> None:
    email, key = new_user(live_server)
    user = user_record(live_server, email)
    assert user is not None and user["enabled"] is True
    kit = Kit(live_server)
    oauth_app = kit.register(portal_user(1))
    actor = Actor(user["id"], 1, {"Authorization": f"Bearer {key}"})
    tokens = kit.tokens(oauth_app, actor)
    assert kit.introspect(tokens["access_token"], oauth_app)["active"] is True

    disabled = local(live_server, "users", "disable", email)
    assert disabled.exit_code == 0, disabled.output
    assert "1 OAuth grant(s) ended" in disabled.stdout
    assert api_status(live_server, key) == 403  # as any invalid key: authentication required
    refreshed = kit.refresh(oauth_app, tokens["refresh_token"])
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
    assert kit.introspect(tokens["access_token"], oauth_app)["active"] is False
    assert user_record(live_server, email)["enabled"] is False  # type: ignore[index]

    enabled = local(live_server, "users", "enable", email)
    assert enabled.exit_code == 0, enabled.output
    assert api_status(live_server, key) == 200
    assert kit.refresh(oauth_app, tokens["refresh_token"]).status_code == 400  # ended for good


def test_set_password_lets_a_user_sign_in_until_disabled(live_server: LiveServer) -> None:
    email, _ = new_user(live_server)
    assert sign_in(live_server, email, PASSWORD) != 303
    short = local(live_server, "users", "set-password", email, "--password-stdin", input="short\n")
    assert short.exit_code == 5
    result = local(
        live_server, "users", "set-password", email, "--password-stdin", input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert sign_in(live_server, email, PASSWORD) == 303
    assert local(live_server, "users", "disable", email).exit_code == 0
    assert sign_in(live_server, email, PASSWORD) != 303


def test_keys_issue_list_revoke(live_server: LiveServer) -> None:
    email, first = new_user(live_server)
    issued = local(live_server, "users", "keys", "issue", email)
    assert issued.exit_code == 0, issued.output
    second = issued.stdout.strip().splitlines()[-1]
    assert API_KEY_LINE.match(second) and api_status(live_server, second) == 200

    listed = local(live_server, "-q", "users", "keys", "list", email)
    ids = listed.stdout.split()
    assert len(ids) == 2 and first not in listed.stdout and second not in listed.stdout

    revoked = local(live_server, "users", "keys", "revoke", email, ids[0])
    assert revoked.exit_code == 0, revoked.output
    assert api_status(live_server, first) == 403
    assert api_status(live_server, second) == 200
    assert local(live_server, "users", "keys", "revoke", email, "zzzzzzzz").exit_code == 3

    assert local(live_server, "users", "keys", "revoke", email, "--all").exit_code == 0
    assert api_status(live_server, second) == 403
    statuses = json.loads(local(live_server, "users", "keys", "list", email, "--json").stdout)
    assert [k["revoked_at"] is not None for k in statuses] == [True, True]


def test_delete_removes_the_user_and_their_keys_but_never_the_last_owner(
    live_server: LiveServer,
) -> None:
    tenant = 100 + secrets.randbelow(10_000)
    owner, owner_key = new_user(live_server, "owner", tenant)
    refused = local(live_server, "users", "delete", owner, "--tenant", str(tenant), "--yes")
    assert refused.exit_code == 8
    assert "only enabled owner" in refused.stderr
    assert local(live_server, "users", "disable", owner, "--tenant", str(tenant)).exit_code == 8

    successor, _ = new_user(live_server, "owner", tenant)
    declined = local(live_server, "users", "delete", owner, "--tenant", str(tenant), input="n\n")
    assert declined.exit_code == 1 and api_status(live_server, owner_key) == 200
    deleted = local(live_server, "users", "delete", owner, "--tenant", str(tenant), "-y")
    assert deleted.exit_code == 0, deleted.output
    assert api_status(live_server, owner_key) == 403
    assert user_record(live_server, owner, tenant) is None
    assert user_record(live_server, successor, tenant) is not None
    again = local(live_server, "users", "delete", owner, "--tenant", str(tenant), "-y")
    assert again.exit_code == 3
    assert f"No user {owner} in tenant {tenant}" in again.stderr
