"""The device authorization grant (RFC 8628) over HTTP: a device asks, a person answers on
/oauth2/device, the device polls the token endpoint."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest

from docspace_oauth.oauth2.device import normalize_user_code
from tests.conftest import ServerProcess
from tests.oauth2.conftest import Actor, App, Kit, hidden_fields, portal_user, start_sibling

DEVICE = "urn:ietf:params:oauth:grant-type:device_code"
GRANTS = ["authorization_code", "refresh_token", DEVICE]


def _device_app(kit: Kit, **overrides: Any) -> App:
    return kit.register(grant_types=GRANTS, **overrides)


def _ask(base: str, app: App, **form: str) -> httpx.Response:
    return httpx.post(
        f"{base}/oauth2/device_authorization",
        data={"client_id": app.client_id, **form},
        auth=(app.client_id, app.secret),
        timeout=30,
    )


def _poll(base: str, app: App, device_code: str) -> httpx.Response:
    return httpx.post(
        f"{base}/oauth2/token",
        data={"grant_type": DEVICE, "device_code": device_code},
        auth=(app.client_id, app.secret),
        timeout=30,
    )


def _answer(kit: Kit, actor: Actor, user_code: str, decision: str) -> httpx.Response:
    """The person: types the code, sees the app, answers."""
    with kit.browser(actor) as browser:
        page = browser.get("/oauth2/device")
        assert page.status_code == 200, page.text
        fields = dict(hidden_fields(page.text))
        shown = browser.post("/oauth2/device", data={**fields, "user_code": user_code})
        assert shown.status_code == 200, shown.text
        assert "wants to access your account" in shown.text
        confirm = dict(hidden_fields(shown.text))
        return browser.post("/oauth2/device", data={**confirm, "decision": decision})


@pytest.fixture(scope="module")
def quick(kit: Kit) -> ServerProcess:
    """The same server with a 1 s polling interval (the default 5 s makes tests slow)."""
    server = start_sibling(kit.live, DOCSPACE_OAUTH_DEVICE_POLL_INTERVAL_SECONDS="1")
    yield server  # type: ignore[misc]
    server.stop()


def test_discovery_advertises_the_device_grant(kit: Kit) -> None:
    meta = httpx.get(f"{kit.base}/.well-known/openid-configuration", timeout=30).json()
    assert meta["device_authorization_endpoint"] == f"{kit.base}/oauth2/device_authorization"
    assert DEVICE in meta["grant_types_supported"]


def test_allowed_device_gets_tokens_once(kit: Kit, quick: ServerProcess) -> None:
    app = _device_app(kit)
    asked = _ask(quick.url, app, scope="openid files:read")
    assert asked.status_code == 200, asked.text
    body = asked.json()
    assert body["verification_uri"] == f"{kit.base}/oauth2/device"
    assert body["verification_uri_complete"].endswith(f"?user_code={body['user_code']}")
    assert re.fullmatch(r"[B-Z]{4}-[B-Z]{4}", body["user_code"])
    assert body["interval"] == 1 and body["expires_in"] == 600

    pending = _poll(quick.url, app, body["device_code"])
    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"
    too_fast = _poll(quick.url, app, body["device_code"])
    assert too_fast.json()["error"] == "slow_down"

    actor = portal_user(app.owner.tenant_id)
    # Typed as a person might: lower case, no dash.
    done = _answer(kit, actor, body["user_code"].lower().replace("-", ""), "allow")
    assert done.status_code == 200 and "Device connected" in done.text

    time.sleep(6.2)  # the interval grew by 5 s with slow_down
    tokens = _poll(quick.url, app, body["device_code"])
    assert tokens.status_code == 200, tokens.text
    issued = tokens.json()
    assert set(issued["scope"].split()) == {"openid", "files:read"}
    assert issued["refresh_token"]
    claims = kit.verify(issued["access_token"], audience=actor.tenant_url)
    assert claims["sub"] == actor.user_id
    assert kit.introspect(issued["access_token"], by=app)["active"] is True
    # The refresh token rotates as any other.
    assert kit.refresh(app, issued["refresh_token"]).status_code == 200

    time.sleep(6.2)
    replay = _poll(quick.url, app, body["device_code"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert kit.introspect(issued["access_token"], by=app) == {"active": False}


def test_denied_device_is_told_access_denied(kit: Kit, quick: ServerProcess) -> None:
    app = _device_app(kit)
    body = _ask(quick.url, app).json()
    done = _answer(kit, portal_user(app.owner.tenant_id), body["user_code"], "deny")
    assert "Access denied" in done.text
    denied = _poll(quick.url, app, body["device_code"])
    assert denied.status_code == 400 and denied.json()["error"] == "access_denied"


def test_expired_device_code(kit: Kit) -> None:
    server = start_sibling(kit.live, DOCSPACE_OAUTH_DEVICE_CODE_TTL_SECONDS="2")
    try:
        app = _device_app(kit)
        body = _ask(server.url, app).json()
        assert body["expires_in"] == 2
        time.sleep(2.5)
        expired = _poll(server.url, app, body["device_code"])
        assert expired.status_code == 400 and expired.json()["error"] == "expired_token"
        # Nor can the person answer it any more.
        with kit.browser(portal_user(app.owner.tenant_id)) as browser:
            fields = dict(hidden_fields(browser.get("/oauth2/device").text))
            late = browser.post("/oauth2/device", data={**fields, "user_code": body["user_code"]})
        assert late.status_code == 400 and "wrong or has expired" in late.text
    finally:
        server.stop()


def test_a_client_without_the_grant_is_refused(kit: Kit) -> None:
    app = kit.register()
    asked = _ask(kit.base, app)
    assert asked.status_code == 400 and asked.json()["error"] == "unauthorized_client"
    polled = _poll(kit.base, app, "whatever")
    assert polled.json()["error"] == "unauthorized_client"


def test_unregistered_scope_is_invalid_scope(kit: Kit) -> None:
    app = _device_app(kit)
    asked = _ask(kit.base, app, scope="rooms:write")
    assert asked.status_code == 400 and asked.json()["error"] == "invalid_scope"


def test_another_clients_device_code_is_unknown(kit: Kit) -> None:
    app, other = _device_app(kit), _device_app(kit)
    body = _ask(kit.base, app).json()
    assert _poll(kit.base, other, body["device_code"]).json()["error"] == "invalid_grant"


def test_wrong_codes_are_rate_limited(kit: Kit) -> None:
    server = start_sibling(
        kit.live,
        DOCSPACE_OAUTH_RATE_LIMIT_ENABLED="true",
        DOCSPACE_OAUTH_DEVICE_CODE_FAILURE_LIMIT="3",
        DOCSPACE_OAUTH_AUTH_FAILURE_WINDOW_SECONDS="3600",
    )
    try:
        app = _device_app(kit)
        body = _ask(server.url, app).json()
        actor = portal_user(app.owner.tenant_id)
        with httpx.Client(base_url=server.url, headers=actor.headers, timeout=30) as browser:
            fields = dict(hidden_fields(browser.get("/oauth2/device").text))
            statuses = [
                browser.post(
                    "/oauth2/device", data={**fields, "user_code": f"BBBB-BBB{c}"}
                ).status_code
                for c in "CDFG"
            ]
            assert statuses[:3] == [400, 400, 429] or statuses[:2] == [400, 400]
            assert statuses[-1] == 429
            # Even the right code is refused while blocked: guessing gets nowhere.
            right = browser.post("/oauth2/device", data={**fields, "user_code": body["user_code"]})
            assert right.status_code == 429
    finally:
        server.stop()


def test_device_page_sends_a_stranger_to_sign_in_and_back(kit: Kit) -> None:
    with httpx.Client(base_url=kit.base, timeout=30) as anonymous:
        page = anonymous.get("/oauth2/device?user_code=bcdf-ghjk")
    assert page.status_code == 303
    assert page.headers["location"] == (
        f"{kit.base}/oauth2/login?next=%2Foauth2%2Fdevice%3Fuser_code%3DBCDF-GHJK"
    )
    with httpx.Client(base_url=kit.base, timeout=30) as anonymous:
        sign_in = anonymous.get(page.headers["location"])
    assert sign_in.status_code == 200 and "Sign in" in sign_in.text


def test_cross_site_answer_is_refused(kit: Kit) -> None:
    actor = portal_user()
    with kit.browser(actor) as browser:
        refused = browser.post(
            "/oauth2/device",
            data={"user_code": "BCDF-GHJK", "decision": "allow"},
            headers={"Origin": "https://evil.example"},
        )
    assert refused.status_code == 403


def test_user_codes_normalize() -> None:
    assert normalize_user_code(" bcdf-ghjk ") == "BCDFGHJK"
