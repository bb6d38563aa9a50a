"""`docspace-oauth sessions list|end`, as a user and as an admin, against the live server."""

from __future__ import annotations

import json
import secrets

import httpx

from tests.cli.conftest import Cli
from tests.conftest import LiveServer
from tests.oauth2.conftest import Kit, hidden_fields

PASSWORD = "correct horse battery staple"


def sign_in(kit: Kit, email: str) -> httpx.Client:
    browser = kit.browser()
    browser.headers["User-Agent"] = "CliTest/1.0"
    page = browser.get("/oauth2/login?next=/console")
    answer = browser.post(
        "/oauth2/login",
        data={**dict(hidden_fields(page.text)), "email": email, "password": PASSWORD},
        headers={"Origin": kit.base},
    )
    assert answer.status_code == 303, answer.text
    return browser


def test_sessions_list_and_end(kit: Kit, live_server: LiveServer) -> None:
    email = f"cli-sessions-{secrets.token_hex(4)}@example.com"
    key = live_server.create_user(email, "user", 1, password=PASSWORD)
    user = Cli(live_server.url, key)
    admin = Cli(live_server.url, live_server.keys["admin"])
    assert "No sessions." in user("sessions", "list").output
    browser = sign_in(kit, email)
    try:
        table = user("sessions", "list")
        assert table.exit_code == 0, table.output
        assert email in table.stdout and "CliTest/1.0" in table.stdout
        listed = json.loads(user("--format", "json", "sessions", "list").stdout)
        assert [s["user_email"] for s in listed] == [email]
        session_id = listed[0]["session_id"]
        # A plain user may not list the tenant's; an admin sees this one there.
        refused = user("sessions", "list", "--tenant")
        assert refused.exit_code != 0
        assert "403" in refused.output
        tenant = json.loads(admin("--format", "json", "sessions", "list", "--tenant").stdout)
        assert session_id in {s["session_id"] for s in tenant}
        # Another user cannot end it (as if it did not exist); its own user can.
        other = Cli(live_server.url, live_server.keys["user"])
        missing = other("sessions", "end", session_id)
        assert missing.exit_code != 0
        assert "404" in missing.output
        ended = user("sessions", "end", session_id)
        assert ended.exit_code == 0, ended.output
        assert f"Ended session {session_id}." in ended.stdout
        # The browser is signed out.
        assert browser.get("/api/2.0/sessions").status_code == 403
    finally:
        browser.close()
    assert user("-q", "sessions", "list").stdout.strip() == ""
