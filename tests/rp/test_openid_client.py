"""A widely deployed relying party against the live server: openid-client (npm, pinned in
tests/rp/package-lock.json), driven step by step by openid_client_rp.mjs, the browser played by
httpx. It signs in, steps up with prompt=login, logs out through the end_session_endpoint,
and receives, at a back-channel endpoint of its own, a logout_token it verifies with our
JWKS (jose)."""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.factory import client_body
from tests.oauth2.conftest import REDIRECT, Kit
from tests.oauth2.test_sessions import PASSWORD, sign_in_form

HERE = Path(__file__).resolve().parent
LOGGED_OUT = "https://app.example.com/logout"


@pytest.fixture(scope="session")
def rp_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """openid-client installed from the lock file into a directory of the test's own (the
    git tree stays clean), with the driver script beside its node_modules."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.fail("node and npm are needed for the relying-party tests")
    where = tmp_path_factory.mktemp("openid-client")
    for name in ("package.json", "package-lock.json", "openid_client_rp.mjs"):
        shutil.copy(HERE / name, where / name)
    installed = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr
    return where


class RP:
    """The relying party: one registered client, its secret, and the node driver."""

    def __init__(self, where: Path, issuer: str, client: dict[str, Any]) -> None:
        self.where = where
        self.issuer = issuer
        self.client_id = str(client["client_id"])
        self.secret = str(client["client_secret"])

    def run(self, command: str, *args: str) -> dict[str, Any]:
        done = subprocess.run(
            ["node", "openid_client_rp.mjs", command, self.issuer, self.client_id, *args],
            cwd=self.where,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, (done.stdout, done.stderr)
        answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return answer

    def start(self, prompt: str = "") -> dict[str, Any]:
        return self.run("start", self.secret, REDIRECT, *([prompt] if prompt else []))

    def finish(self, started: dict[str, Any], callback: str) -> dict[str, Any]:
        args = (started["verifier"], started["state"], started["nonce"])
        return self.run("callback", self.secret, callback, *args)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Backchannel:
    """The RP's back-channel logout endpoint: a node process that verifies what it gets."""

    def __init__(self, rp: RP) -> None:
        self.port = _free_port()
        self.process = subprocess.Popen(
            [
                "node",
                "openid_client_rp.mjs",
                "backchannel",
                rp.issuer,
                rp.client_id,
                str(self.port),
            ],
            cwd=rp.where,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.next_line() == {"listening": True}

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}/backchannel"

    def next_line(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # the server sends within seconds (or fails)
        assert line, self.process.stderr.read() if self.process.stderr else "node exited"
        value: dict[str, Any] = json.loads(line)
        return value

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def rp(rp_dir: Path, kit: Kit, live_server: LiveServer) -> Iterator[tuple[RP, Backchannel]]:
    with live_server.client(live_server.keys["owner"]) as owner:
        created = owner.post(
            "/api/2.0/clients", json=client_body(scopes=["files:read", "openid"])
        ).json()
    party = RP(rp_dir, kit.base, created)
    receiver = Backchannel(party)
    with live_server.client(live_server.keys["owner"]) as owner:
        updated = owner.put(
            f"/api/2.0/clients/{party.client_id}",
            json={"backchannel_logout_uri": receiver.uri},
        )
    assert updated.status_code == 200, updated.text
    try:
        yield party, receiver
    finally:
        receiver.stop()


@pytest.fixture
def email(live_server: LiveServer) -> str:
    address = f"rp-{secrets.token_hex(4)}@example.com"
    live_server.create_user(address, "user", 1, password=PASSWORD)
    return address


def _sign_in_then_back(kit: Kit, browser: httpx.Client, url: str, email: str) -> str:
    """The authorization URL, in a browser that must sign in: the sign-in page is shown,
    filled in, and the browser goes on (through consent, the first time) to the app."""
    login = browser.get(url)
    assert login.status_code == 302
    assert login.headers["location"].startswith(f"{kit.base}/oauth2/login?")
    signed_in = sign_in_form(kit, browser, login.headers["location"], email)
    assert signed_in.status_code == 303, signed_in.text
    return kit.through_browser(browser, signed_in.headers["location"])


def test_openid_client_signs_in_steps_up_and_logs_out(
    kit: Kit, rp: tuple[RP, Backchannel], email: str
) -> None:
    party, backchannel = rp
    with kit.browser() as browser:
        started = party.start()
        first = party.finish(started, _sign_in_then_back(kit, browser, started["url"], email))
        claims = first["claims"]
        assert {"auth_time", "sid", "amr"} <= set(claims)

        # Step-up: prompt=login shows the sign-in page to the signed-in user; auth_time moves.
        time.sleep(1.1)
        again = party.start("login")
        stepped = party.finish(again, _sign_in_then_back(kit, browser, again["url"], email))
        assert stepped["claims"]["auth_time"] > claims["auth_time"]
        assert stepped["claims"]["sid"] == claims["sid"]

        # Logout through the end_session_endpoint, as openid-client builds the URL.
        logout = party.run("logout", party.secret, stepped["id_token"], LOGGED_OUT, "bye")["url"]
        assert logout.startswith(f"{kit.base}/oauth2/logout?")
        answer = browser.get(logout)
        assert answer.status_code == 302, answer.text
        assert answer.headers["location"] == f"{LOGGED_OUT}?state=bye"

        # The next authorization shows the sign-in page again.
        after = browser.get(party.start()["url"])
        assert after.headers["location"].startswith(f"{kit.base}/oauth2/login?")

    # The RP's back-channel endpoint got a logout_token and verified it with our JWKS.
    received = backchannel.next_line()
    assert "claims" in received, received
    assert received["claims"]["sid"] == claims["sid"]
    assert received["claims"]["sub"] == claims["sub"]
    assert received["claims"]["iss"] == kit.base
