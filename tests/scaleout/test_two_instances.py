"""Scale-out: two `serve` instances on different ports, one PostgreSQL database, one Redis.

They stand where a load balancer would put them: the same issuer, the same database, the same
Redis. Whatever one instance changes, the other honours on the very next request it answers
(no sleeps below): client registrations, deactivation, deletion, consent revocation; and the
rate limits are one budget, counted in Redis, whichever instance is asked.

PostgreSQL and Redis (127.0.0.1:6379, or DOCSPACE_OAUTH_TEST_REDIS_URL) are required
(tests/scaleout/conftest.py); with `--db sqlite` these tests are skipped.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import (
    API_KEY_LINE,
    ServerProcess,
    _free_port,
    run_cli_here,
    start_server,
)
from tests.factory import client_body

pytestmark = pytest.mark.timeout(240)

POST_LIMIT = 4
WINDOW = 3600
REDIRECT = "https://app.example.com/callback"
ALL_GRANTS = ["authorization_code", "refresh_token", "client_credentials"]


@dataclass
class Pair:
    a: str
    b: str
    env: dict[str, str]
    owner_key: str

    def new_user(self, role: str = "admin") -> str:
        email = f"{role}-{secrets.token_hex(4)}@example.com"
        result = run_cli_here(self.env, "users", "create", email, "--role", role, "--tenant", "1")
        assert result.returncode == 0, result.stderr
        key = result.stdout.strip().splitlines()[-1]
        assert API_KEY_LINE.match(key), result.stdout
        return key


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _start(database_url: str, port: int, env_overrides: dict[str, str]) -> ServerProcess:
    return start_server(database_url, port=port, **env_overrides)


@pytest.fixture(scope="module")
def pair(postgres_url: str, redis_url: str) -> Iterator[Pair]:
    port_a, port_b = _free_port(), _free_port()
    overrides = {
        # Both answer as one service behind a load balancer: one issuer.
        "DOCSPACE_OAUTH_ISSUER": f"http://127.0.0.1:{port_a}",
        "DOCSPACE_OAUTH_REDIS_URL": redis_url,
        "DOCSPACE_OAUTH_RATE_LIMIT_ENABLED": "true",
        "DOCSPACE_OAUTH_RATE_LIMIT_POST": str(POST_LIMIT),
        "DOCSPACE_OAUTH_RATE_LIMIT_WINDOW_SECONDS": str(WINDOW),
    }
    a = _start(postgres_url, port_a, overrides)
    try:
        b = _start(postgres_url, port_b, overrides)
        try:
            keys = [ln.strip() for ln in a.first_output if API_KEY_LINE.match(ln.strip())]
            assert keys, f"the first start printed no owner key:\n{a.log()}"
            assert not any(API_KEY_LINE.match(ln.strip()) for ln in b.first_output), (
                "the second instance created another owner"
            )
            yield Pair(a.url, b.url, a.env, keys[0])
        finally:
            b.stop()
    finally:
        a.stop()


def _create(base: str, key: str, **overrides: object) -> dict[str, object]:
    response = httpx.post(
        f"{base}/api/2.0/clients", json=client_body(**overrides), headers=_bearer(key), timeout=30
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def _client_token(base: str, client_id: str, secret: str) -> httpx.Response:
    return httpx.post(
        f"{base}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        timeout=30,
    )


def _introspect(base: str, token: str, client_id: str, secret: str) -> dict[str, object]:
    response = httpx.post(
        f"{base}/oauth2/introspect", data={"token": token}, auth=(client_id, secret), timeout=30
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_a_client_created_on_one_is_served_by_the_other(pair: Pair) -> None:
    key = pair.new_user()
    created = _create(pair.a, key, grant_types=ALL_GRANTS)
    client_id, secret = str(created["client_id"]), str(created["client_secret"])

    got = httpx.get(f"{pair.b}/api/2.0/clients/{client_id}", headers=_bearer(key), timeout=30)
    assert got.status_code == 200, got.text
    expected = {k: v for k, v in created.items() if k != "client_secret"}
    assert {k: v for k, v in got.json().items() if k in expected} == expected
    listed = httpx.get(f"{pair.b}/api/2.0/clients", headers=_bearer(key), timeout=30)
    assert client_id in [c["client_id"] for c in listed.json()["data"]]

    # Its secret works on the other instance, and the token it gets checks out on the first.
    token = _client_token(pair.b, client_id, secret)
    assert token.status_code == 200, token.text
    assert _introspect(pair.a, token.json()["access_token"], client_id, secret)["active"] is True


def test_deactivation_on_one_takes_effect_on_the_other(pair: Pair) -> None:
    key = pair.new_user()
    created = _create(pair.a, key, grant_types=ALL_GRANTS)
    client_id, secret = str(created["client_id"]), str(created["client_secret"])
    assert _client_token(pair.b, client_id, secret).status_code == 200

    off = httpx.patch(
        f"{pair.a}/api/2.0/clients/{client_id}/activation",
        json={"status": False},
        headers=_bearer(key),
        timeout=30,
    )
    assert off.status_code == 200, off.text
    refused = _client_token(pair.b, client_id, secret)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "unauthorized_client"
    shown = httpx.get(f"{pair.b}/api/2.0/clients/{client_id}", headers=_bearer(key), timeout=30)
    assert shown.json()["enabled"] is False

    on = httpx.patch(
        f"{pair.b}/api/2.0/clients/{client_id}/activation",
        json={"status": True},
        headers=_bearer(key),
        timeout=30,
    )
    assert on.status_code == 200, on.text
    assert _client_token(pair.a, client_id, secret).status_code == 200


def test_deletion_on_one_takes_effect_on_the_other(pair: Pair) -> None:
    key = pair.new_user()
    doomed = _create(pair.a, key, grant_types=ALL_GRANTS)
    reader = _create(pair.a, key, grant_types=ALL_GRANTS)  # a resource server of the tenant
    doomed_id, doomed_secret = str(doomed["client_id"]), str(doomed["client_secret"])
    reader_id, reader_secret = str(reader["client_id"]), str(reader["client_secret"])
    token = _client_token(pair.b, doomed_id, doomed_secret).json()["access_token"]
    assert _introspect(pair.b, token, reader_id, reader_secret)["active"] is True

    deleted = httpx.delete(
        f"{pair.a}/api/2.0/clients/{doomed_id}", headers=_bearer(key), timeout=30
    )
    assert deleted.status_code == 200, deleted.text
    gone = httpx.get(f"{pair.b}/api/2.0/clients/{doomed_id}", headers=_bearer(key), timeout=30)
    assert gone.status_code == 404, gone.text
    refused = _client_token(pair.b, doomed_id, doomed_secret)
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"] == "invalid_client"
    assert _introspect(pair.b, token, reader_id, reader_secret) == {"active": False}


def test_consent_revocation_on_one_kills_the_token_on_the_other(pair: Pair) -> None:
    admin = pair.new_user()
    person = pair.new_user("user")
    app = _create(
        pair.a,
        admin,
        grant_types=ALL_GRANTS,
        scopes=["files:read", "openid"],
        redirect_uris=[REDIRECT],
    )
    client_id, secret = str(app["client_id"]), str(app["client_secret"])
    person_auth = _bearer(person)

    # The person starts on one instance and consents on the other (header credentials: no
    # form token needed), as a load balancer may route the two requests.
    state = secrets.token_urlsafe(8)
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid files:read",
        "state": state,
    }
    started = httpx.get(
        f"{pair.a}/oauth2/authorize", params=params, headers=person_auth, timeout=30
    )
    assert started.status_code == 302, started.text
    assert "/oauth2/consent" in started.headers["location"]
    consented = httpx.post(
        f"{pair.b}/oauth2/authorize",
        data={
            "client_id": client_id,
            "state": state,
            "scope": "openid files:read",
            "decision": "allow",
        },
        headers=person_auth,
        timeout=30,
    )
    assert consented.status_code == 302, consented.text
    location = consented.headers["location"]
    assert location.startswith(REDIRECT), location
    code = parse_qs(urlsplit(location).query)["code"][0]

    tokens = httpx.post(
        f"{pair.a}/oauth2/token",
        auth=(client_id, secret),
        timeout=30,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
    )
    assert tokens.status_code == 200, tokens.text
    access, refresh = tokens.json()["access_token"], tokens.json()["refresh_token"]
    assert _introspect(pair.b, access, client_id, secret)["active"] is True

    revoked = httpx.delete(
        f"{pair.a}/api/2.0/clients/{client_id}/revoke", headers=person_auth, timeout=30
    )
    assert revoked.status_code == 200, revoked.text
    assert _introspect(pair.b, access, client_id, secret) == {"active": False}
    assert _introspect(pair.b, refresh, client_id, secret) == {"active": False}
    again = httpx.post(
        f"{pair.b}/oauth2/token",
        auth=(client_id, secret),
        timeout=30,
        data={"grant_type": "refresh_token", "refresh_token": refresh},
    )
    assert again.status_code == 400, again.text
    assert again.json()["error"] == "invalid_grant"


def test_rate_limits_are_one_budget_across_instances(pair: Pair) -> None:
    key = pair.new_user()
    # Windows are aligned to the clock; do not start in the last seconds of one.
    left = WINDOW - time.time() % WINDOW
    if left < 30:
        time.sleep(left + 1)
    remaining = []
    for i in range(POST_LIMIT):
        base = (pair.a, pair.b)[i % 2]
        response = httpx.post(
            f"{base}/api/2.0/clients", json=client_body(), headers=_bearer(key), timeout=30
        )
        assert response.status_code == 201, (i, response.text)
        remaining.append(int(response.headers["X-Ratelimit-Remaining"]))
    assert remaining == list(range(POST_LIMIT - 1, -1, -1))
    for base in (pair.a, pair.b):
        refused = httpx.post(
            f"{base}/api/2.0/clients", json=client_body(), headers=_bearer(key), timeout=30
        )
        assert refused.status_code == 429, refused.text
        assert int(refused.headers["Retry-After"]) > 0
    # Another caller's budget is its own, on either instance.
    other = pair.new_user()
    fine = httpx.post(
        f"{pair.b}/api/2.0/clients", json=client_body(), headers=_bearer(other), timeout=30
    )
    assert fine.status_code == 201, fine.text
