"""Back-channel logout to an app that never answers 2xx: tried
DOCSPACE_OAUTH_BACKCHANNEL_LOGOUT_MAX_ATTEMPTS times, with the delays growing, then given up
(and kept, marked, for the janitor). A server of its own, on a database of its own, with
short delays, so that nothing else sends from its queue."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt as pyjwt
import pytest

from tests.conftest import API_KEY_LINE, ServerProcess, start_server
from tests.factory import client_body
from tests.oauth2.conftest import hidden_fields
from tests.oauth2.instance_kit import code_through_consent, local_user, signed_in
from tests.oauth2.receiver import Receiver, running_receiver


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[ServerProcess, Path]]:
    database = tmp_path / "retries.db"
    process = start_server(
        f"sqlite:///{database}",
        DOCSPACE_OAUTH_BACKCHANNEL_LOGOUT_MAX_ATTEMPTS="3",
        DOCSPACE_OAUTH_BACKCHANNEL_LOGOUT_RETRY_SECONDS="0.3",
        DOCSPACE_OAUTH_BACKCHANNEL_LOGOUT_POLL_SECONDS="0.1",
    )
    try:
        yield process, database
    finally:
        process.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def test_a_client_that_never_takes_it_is_given_up_after_the_last_try(
    server: tuple[ServerProcess, Path], receiver: Receiver
) -> None:
    process, database = server
    keys = [line.strip() for line in process.first_output if API_KEY_LINE.match(line.strip())]
    base = process.url
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {keys[0]}"}) as api:
        body = client_body(backchannel_logout_uri=f"{receiver.base}/down")
        client = api.post("/api/2.0/clients", json=body).json()
    receiver.fail_first["/down"] = 1000
    browser = signed_in(base, base, local_user(process.env))
    code_through_consent(browser, base, client["client_id"])
    fields = dict(hidden_fields(browser.get("/oauth2/logout").text))  # "Sign out?"
    out = browser.post(
        "/oauth2/logout/confirm", data={**fields, "decision": "signout"}, headers={"Origin": base}
    )
    assert out.status_code == 200
    browser.close()
    receiver.wait_for("/down", count=3)
    time.sleep(1.5)  # after 0.3 s and 0.6 s came the third try; a fourth never comes
    tokens = receiver.tokens("/down")
    assert len(tokens) == 3
    # Each try signs a token afresh, of the one logout: the same jti.
    assert len({pyjwt.decode(t, options={"verify_signature": False})["jti"] for t in tokens}) == 1
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT attempts, given_up_at IS NOT NULL, last_error FROM backchannel_logouts"
        ).fetchall()
    assert rows == [(3, 1, "HTTP 503")]
