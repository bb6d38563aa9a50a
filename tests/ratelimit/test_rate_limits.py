"""DocSpace's per-caller, per-method limits, in one process and shared through Redis."""

from __future__ import annotations

import uuid

import httpx
import pytest

from docspace_oauth.ratelimit.limiter import MemoryLimiter
from docspace_oauth.settings import Settings
from tests.conftest import run_cli_here, start_server
from tests.factory import client_body

LIMITED = {
    "DOCSPACE_OAUTH_RATE_LIMIT_ENABLED": "true",
    "DOCSPACE_OAUTH_RATE_LIMIT_POST": "3",
    "DOCSPACE_OAUTH_RATE_LIMIT_GET": "5",
    # An hour-long window, so the test never straddles a window boundary.
    "DOCSPACE_OAUTH_RATE_LIMIT_WINDOW_SECONDS": "3600",
}


def _key(server, role="user"):
    result = run_cli_here(
        server.env, "users", "create", f"rl-{uuid.uuid4().hex[:8]}@example.com", "--role", role
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_defaults_are_docspaces():
    settings = Settings(_env_file=None)
    assert settings.rate_limit_enabled is True
    assert (settings.rate_limit_get, settings.rate_limit_post, settings.rate_limit_put) == (
        200,
        10,
        15,
    )
    assert settings.rate_limit_window_seconds == 60


@pytest.fixture(scope="module")
def limited_server(database_url):
    server = start_server(database_url, **LIMITED)
    yield server
    server.stop()


def test_limit_per_caller_and_method_answers_429(limited_server):
    alice, bob = _key(limited_server), _key(limited_server)
    with httpx.Client(base_url=limited_server.url, headers={"Authorization": alice}) as http:
        remaining = []
        for _ in range(3):
            response = http.post("/api/2.0/clients", json=client_body())
            assert response.status_code == 201
            remaining.append(int(response.headers["x-ratelimit-remaining"]))
            assert 0 < int(response.headers["x-ratelimit-reset"]) <= 3600
        assert remaining == [2, 1, 0]
        refused = http.post("/api/2.0/clients", json=client_body())
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["status"] == 429
        assert refused.headers["x-ratelimit-remaining"] == "0"
        retry_after = int(refused.headers["retry-after"])
        assert 0 < retry_after <= 3600
        assert refused.headers["x-ratelimit-reset"] == refused.headers["retry-after"]
        # Other methods have their own budget.
        assert http.get("/api/2.0/clients").status_code == 200
    with httpx.Client(base_url=limited_server.url, headers={"Authorization": bob}) as http:
        assert http.post("/api/2.0/clients", json=client_body()).status_code == 201


def test_anonymous_callers_are_limited_by_address(limited_server):
    with httpx.Client(base_url=limited_server.url) as http:
        statuses = [
            http.get(f"/api/2.0/clients/{uuid.uuid4()}/public/info").status_code for _ in range(6)
        ]
        assert statuses[:5] == [404] * 5
        assert statuses[5] == 429


def test_limits_are_shared_through_redis(database_url):
    shared = {**LIMITED, "DOCSPACE_OAUTH_REDIS_URL": "redis://127.0.0.1:6379/0"}
    first = start_server(database_url, **shared)
    second = start_server(database_url, **shared)
    try:
        key = _key(first)
        statuses = []
        for server in (first, second, first, second):
            with httpx.Client(base_url=server.url, headers={"Authorization": key}) as http:
                statuses.append(http.post("/api/2.0/clients", json=client_body()).status_code)
        assert statuses == [201, 201, 201, 429]
    finally:
        first.stop()
        second.stop()


async def test_memory_limiter_windows_reset():
    now = [1000.0]
    limiter = MemoryLimiter(clock=lambda: now[0])
    results = [(await limiter.hit("k", 2, 60)).allowed for _ in range(3)]
    assert results == [True, True, False]
    decision = await limiter.hit("k", 2, 60)
    assert decision.reset_after == 20  # the window started at 960 and ends at 1020
    now[0] = 1020.0
    assert (await limiter.hit("k", 2, 60)).allowed
