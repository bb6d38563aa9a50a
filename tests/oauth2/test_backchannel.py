"""Back-Channel Logout 1.0: when a sign-in session ends, however it ends, each app that took
part and registered a backchannel_logout_uri receives a logout_token it can verify with our
JWKS, at a real HTTP endpoint of its own (tests/oauth2/receiver.py)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt as pyjwt
import pytest

from tests.conftest import LiveServer
from tests.oauth2.conftest import App, Kit, portal_user
from tests.oauth2.receiver import Receiver, running_receiver
from tests.oauth2.test_sessions import PASSWORD, first_tokens, sign_in_form

EVENT = "http://schemas.openid.net/event/backchannel-logout"


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture(scope="module")
def user(live_server: LiveServer) -> tuple[str, str]:
    """A local user: (email, their API key)."""
    email = f"backchannel-{secrets.token_hex(4)}@example.com"
    return email, live_server.create_user(email, "user", 1, password=PASSWORD)


def _app(kit: Kit, receiver: Receiver, path: str, **extra: Any) -> App:
    return kit.register(
        portal_user(1),
        scopes=["files:read", "openid"],
        backchannel_logout_uri=f"{receiver.base}{path}",
        **extra,
    )


@pytest.fixture
def browser(kit: Kit, user: tuple[str, str]) -> Iterator[httpx.Client]:
    with kit.browser() as client:
        answer = sign_in_form(kit, client, "/oauth2/login?next=/console", user[0])
        assert answer.status_code == 303, answer.text
        yield client


def logout_claims(kit: Kit, token: str, app: App) -> dict[str, Any]:
    """What a relying party checks (section 2.6): our signature, iss, aud, iat, the typ,
    the event, sub or sid, and no nonce."""
    assert pyjwt.get_unverified_header(token)["typ"] == "logout+jwt"
    claims = kit.verify(token, audience=app.client_id)
    assert claims["events"] == {EVENT: {}}
    assert "nonce" not in claims
    assert isinstance(claims["jti"], str) and claims["jti"]
    assert claims["iat"] <= int(time.time()) + 5 < claims["exp"] + 5
    assert claims["exp"] - claims["iat"] <= 300
    return claims


def test_discovery_advertises_back_channel_logout(kit: Kit) -> None:
    meta = httpx.get(f"{kit.base}/.well-known/openid-configuration").json()
    assert meta["backchannel_logout_supported"] is True
    assert meta["backchannel_logout_session_supported"] is True


def test_the_management_api_keeps_the_registration(kit: Kit, receiver: Receiver) -> None:
    app = _app(kit, receiver, "/kept", backchannel_logout_session_required=True)
    assert app.info["backchannel_logout_uri"] == f"{receiver.base}/kept"
    assert app.info["backchannel_logout_session_required"] is True
    path = f"/api/2.0/clients/{app.client_id}"
    cleared = kit.manage(app.owner, "PUT", path, json={"backchannel_logout_uri": ""})
    assert cleared.status_code == 200, cleared.text
    # Cleared, it is left out of the answer, as every extension at its default is (a
    # hand-made client's answer stays exactly DocSpace's).
    assert "backchannel_logout_uri" not in cleared.json()
    refused = kit.manage(
        app.owner, "PUT", path, json={"backchannel_logout_uri": "http://rp.example/logout"}
    )
    assert refused.status_code == 400  # plain http, and not to loopback
    fragment = kit.manage(
        app.owner, "PUT", path, json={"backchannel_logout_uri": "https://rp.example/l#x"}
    )
    assert fragment.status_code == 400


def test_logout_at_the_end_session_endpoint_tells_the_app(
    kit: Kit, receiver: Receiver, browser: httpx.Client
) -> None:
    app = _app(kit, receiver, "/rp-logout")
    bystander = kit.register(portal_user(1), scopes=["files:read", "openid"])
    hint = _id_token(kit, app, browser)
    id_claims = kit.verify(hint, audience=app.client_id)
    first_tokens(kit, bystander, browser)  # no back-channel URI: nothing to send it
    answer = browser.get(f"/oauth2/logout?{urlencode({'id_token_hint': hint})}")
    assert answer.status_code == 200, answer.text
    [token] = receiver.wait_for("/rp-logout")
    claims = logout_claims(kit, token, app)
    assert claims["sid"] == id_claims["sid"]
    assert claims["sub"] == id_claims["sub"]
    assert [p.content_type for p in receiver.posts if p.path == "/rp-logout"] == [
        "application/x-www-form-urlencoded"
    ]


def _id_token(kit: Kit, app: App, browser: httpx.Client) -> str:
    return str(first_tokens(kit, app, browser)["id_token"])


def test_a_failed_delivery_is_tried_again_with_the_same_jti(
    kit: Kit, receiver: Receiver, browser: httpx.Client
) -> None:
    app = _app(kit, receiver, "/flaky")
    receiver.fail_first["/flaky"] = 1
    hint = _id_token(kit, app, browser)
    started = time.monotonic()
    answer = browser.get(f"/oauth2/logout?{urlencode({'id_token_hint': hint})}")
    assert answer.status_code == 200
    assert time.monotonic() - started < 2  # the user never waits for the app
    first, second = receiver.wait_for("/flaky", count=2)
    one, two = logout_claims(kit, first, app), logout_claims(kit, second, app)
    assert one["jti"] == two["jti"]  # the same logout, told again
    time.sleep(3)
    assert len(receiver.tokens("/flaky")) == 2  # delivered: not sent any more


def test_an_admin_ending_the_session_tells_the_app(
    kit: Kit, live_server: LiveServer, receiver: Receiver, browser: httpx.Client
) -> None:
    app = _app(kit, receiver, "/by-admin")
    sid = kit.verify(_id_token(kit, app, browser), audience=app.client_id)["sid"]
    with live_server.client(live_server.keys["owner"]) as admin:
        ended = admin.delete(f"/api/2.0/sessions/{sid}")
    assert ended.status_code == 200, ended.text
    [token] = receiver.wait_for("/by-admin")
    assert logout_claims(kit, token, app)["sid"] == sid


def test_revoking_the_consent_tells_the_app(
    kit: Kit, live_server: LiveServer, receiver: Receiver, browser: httpx.Client, user: Any
) -> None:
    app = _app(kit, receiver, "/by-consent")
    id_claims = kit.verify(_id_token(kit, app, browser), audience=app.client_id)
    with live_server.client(user[1]) as own:
        revoked = own.delete(f"/api/2.0/clients/{app.client_id}/revoke")
    assert revoked.status_code == 200, revoked.text
    [token] = receiver.wait_for("/by-consent")
    claims = logout_claims(kit, token, app)
    assert (claims["sub"], claims["sid"]) == (id_claims["sub"], id_claims["sid"])


def test_signing_out_of_the_console_tells_the_app(
    kit: Kit, receiver: Receiver, browser: httpx.Client
) -> None:
    app = _app(kit, receiver, "/console-sign-out")
    sid = kit.verify(_id_token(kit, app, browser), audience=app.client_id)["sid"]
    page = browser.get("/console/clients")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    out = browser.post(
        "/console/sign-out", data={"csrf_token": token}, headers={"Origin": kit.base}
    )
    assert out.status_code == 303, out.text
    [logout_token] = receiver.wait_for("/console-sign-out")
    assert logout_claims(kit, logout_token, app)["sid"] == sid
