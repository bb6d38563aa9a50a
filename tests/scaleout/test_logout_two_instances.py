"""Logout across two `serve` instances over one PostgreSQL database, answering as one issuer:
a sign-out on one is honoured by the other on the very next request it answers (no sleeps),
and the back-channel logout it owes is delivered once, though both instances run a sender.

With `--db sqlite` these tests are skipped (tests/scaleout/conftest.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import API_KEY_LINE, ServerProcess, _free_port, start_server
from tests.factory import client_body
from tests.oauth2.conftest import hidden_fields
from tests.oauth2.instance_kit import (
    authorize_path,
    code_through_consent,
    local_user,
    signed_in,
)
from tests.oauth2.receiver import Receiver, running_receiver

pytestmark = pytest.mark.timeout(240)


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


def test_a_logout_on_one_is_honoured_by_the_other_at_once(pair: Pair, receiver: Receiver) -> None:
    with httpx.Client(base_url=pair.a, headers={"Authorization": f"Bearer {pair.owner_key}"}) as a:
        body = client_body(backchannel_logout_uri=f"{receiver.base}/two")
        client = a.post("/api/2.0/clients", json=body).json()
    email = local_user(pair.env)
    on_a = signed_in(pair.a, pair.a, email)
    code_through_consent(on_a, pair.a, client["client_id"])
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
        again = on_b.get(authorize_path(client["client_id"]))
        assert again.headers["location"].startswith(f"{pair.a}/oauth2/login?")
    on_a.close()
    # Both instances send back-channel logouts; the app is told once.
    receiver.wait_for("/two")
    time.sleep(3)
    assert len(receiver.tokens("/two")) == 1
