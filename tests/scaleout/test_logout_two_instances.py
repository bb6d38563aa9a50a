"""Logout across two `serve` instances over one PostgreSQL database, answering as one issuer:
a sign-out on one is honoured by the other on the very next request it answers (no sleeps),
and the back-channel logout it owes is delivered once, though both instances run a sender.

With `--db sqlite` these tests are skipped (tests/scaleout/conftest.py).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
import pytest

from tests.conftest import API_KEY_LINE, ServerProcess, _free_port, run_cli, start_server
from tests.factory import client_body
from tests.oauth2.conftest import hidden_fields
from tests.oauth2.receiver import Receiver, running_receiver

pytestmark = pytest.mark.timeout(240)

PASSWORD = "correct horse battery staple"
REDIRECT = "https://app.example.com/callback"


@dataclass
class Pair:
    a: str
    b: str
    env: dict[str, str]
    owner_key: str


@pytest.fixture(scope="module")
def pair(postgres_url: str) -> Iterator[Pair]:
    port_a, port_b = _free_port(), _free_port()
    overrides = {"DOCSPACE_OAUTH_ISSUER": f"http://127.0.0.1:{port_a}"}
    servers: list[ServerProcess] = []
    try:
        for port in (port_a, port_b):
            servers.append(start_server(postgres_url, port=port, **overrides))
        keys = [ln.strip() for ln in servers[0].first_output if API_KEY_LINE.match(ln.strip())]
        assert keys, servers[0].log()
        yield Pair(servers[0].url, servers[1].url, servers[0].env, keys[0])
    finally:
        for server in servers:
            server.stop()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def _user(pair: Pair) -> str:
    email = f"two-{secrets.token_hex(4)}@example.com"
    args = ("users", "create", email, "--tenant", "1", "--password-stdin")
    result = run_cli(pair.env, *args, stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    return email


def _signed_in(base: str, issuer: str, email: str) -> httpx.Client:
    browser = httpx.Client(base_url=base, timeout=30)
    fields = dict(hidden_fields(browser.get("/oauth2/login?next=/console").text))
    answer = browser.post(
        "/oauth2/login",
        data={**fields, "email": email, "password": PASSWORD},
        headers={"Origin": issuer},
    )
    assert answer.status_code == 303, answer.text
    return browser


def _authorize_path(client_id: str) -> str:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid files:read",
        "state": secrets.token_urlsafe(8),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return f"/oauth2/authorize?{urlencode(query)}"


def _code_through_consent(browser: httpx.Client, issuer: str, client_id: str) -> None:
    consent = browser.get(_authorize_path(client_id))
    assert consent.status_code == 302 and "/oauth2/consent?" in consent.headers["location"]
    page = browser.get(consent.headers["location"].removeprefix(issuer))
    fields = [*hidden_fields(page.text), ("decision", "allow")]
    back = browser.post("/oauth2/authorize", data=dict(fields), headers={"Origin": issuer})
    assert back.status_code == 302 and "code=" in back.headers["location"], back.text


def test_a_logout_on_one_is_honoured_by_the_other_at_once(pair: Pair, receiver: Receiver) -> None:
    with httpx.Client(base_url=pair.a, headers={"Authorization": f"Bearer {pair.owner_key}"}) as a:
        body = client_body(backchannel_logout_uri=f"{receiver.base}/two")
        client = a.post("/api/2.0/clients", json=body).json()
    email = _user(pair)
    on_a = _signed_in(pair.a, pair.a, email)
    _code_through_consent(on_a, pair.a, client["client_id"])
    cookie = on_a.cookies["asc_auth_key"]
    with httpx.Client(base_url=pair.b, timeout=30, cookies={"asc_auth_key": cookie}) as on_b:
        assert on_b.get("/api/2.0/sessions").status_code == 200  # B knows the session
        # Signed out on A (the person confirms: no id_token_hint) ...
        fields = dict(hidden_fields(on_a.get("/oauth2/logout").text))
        out = on_a.post(
            "/oauth2/logout/confirm",
            data={**fields, "decision": "signout"},
            headers={"Origin": pair.a},
        )
        assert out.status_code == 200 and "You have signed out" in out.text
        # ... and B refuses the cookie on its very next request.
        assert on_b.get("/api/2.0/sessions").status_code in (401, 403)
        again = on_b.get(_authorize_path(client["client_id"]))
        assert again.headers["location"].startswith(f"{pair.a}/oauth2/login?")
    on_a.close()
    # Both instances send back-channel logouts; the app is told once.
    receiver.wait_for("/two")
    time.sleep(3)
    assert len(receiver.tokens("/two")) == 1
