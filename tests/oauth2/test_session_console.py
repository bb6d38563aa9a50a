"""The console's "Where you're signed in": a person sees each browser they signed in with,
and the apps used through it, and signs one out."""

from __future__ import annotations

import re
import secrets

import httpx

from tests.conftest import LiveServer
from tests.oauth2.conftest import Kit, hidden_fields

PASSWORD = "correct horse battery staple"
_END_FORM = re.compile(r'action="/console/sessions/([^"/]+)/end"')


def sign_in(kit: Kit, email: str, user_agent: str) -> httpx.Client:
    browser = kit.browser()
    browser.headers["User-Agent"] = user_agent
    page = browser.get("/oauth2/login?next=/console/sessions")
    answer = browser.post(
        "/oauth2/login",
        data={**dict(hidden_fields(page.text)), "email": email, "password": PASSWORD},
        headers={"Origin": kit.base},
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"{kit.base}/console/sessions"
    return browser


def test_where_you_are_signed_in(kit: Kit, live_server: LiveServer) -> None:
    email = f"console-sessions-{secrets.token_hex(4)}@example.com"
    live_server.create_user(email, "user", 1, password=PASSWORD)
    desk, tablet = sign_in(kit, email, "Desk/1.0"), sign_in(kit, email, "Tablet/3.0")
    try:
        page = desk.get("/console/sessions")
        assert page.status_code == 200
        assert "Where you&#39;re signed in" in page.text or "Where you're signed in" in page.text
        assert "Desk/1.0" in page.text and "Tablet/3.0" in page.text
        assert page.text.count("This browser") == 1
        ids = _END_FORM.findall(page.text)
        assert len(ids) == 2
        csrf = dict(hidden_fields(page.text))["csrf_token"]
        listed = tablet.get("/api/2.0/sessions").json()["data"]
        tablet_id = next(s["session_id"] for s in listed if s["current"])
        assert tablet_id in ids
        # Without the form token: refused, and nothing ends.
        refused = desk.post(f"/console/sessions/{tablet_id}/end", headers={"Origin": kit.base})
        assert refused.status_code == 403
        assert tablet.get("/console/sessions").status_code == 200
        ended = desk.post(
            f"/console/sessions/{tablet_id}/end",
            data={"csrf_token": csrf},
            headers={"Origin": kit.base},
        )
        assert ended.status_code == 303
        assert ended.headers["location"] == f"{kit.base}/console/sessions?done=ended"
        after = desk.get(ended.headers["location"])
        assert "That browser was signed out" in after.text
        assert "Tablet/3.0" not in after.text
        # The tablet is sent to the sign-in page.
        gone = tablet.get("/console/sessions")
        assert gone.status_code == 303
        assert "/oauth2/login?" in gone.headers["location"]
        # Signing out this browser from the list signs it out.
        (own_id,) = _END_FORM.findall(after.text)
        out = desk.post(
            f"/console/sessions/{own_id}/end",
            data={"csrf_token": dict(hidden_fields(after.text))["csrf_token"]},
            headers={"Origin": kit.base},
        )
        assert out.status_code == 303
        assert "signed_out=1" in out.headers["location"]
        assert desk.get("/console/sessions").status_code == 303
    finally:
        desk.close()
        tablet.close()
