"""Every /api/2.0 answer carries the caller's remaining budget, whatever produced it.

The routes are taken from the server's own OpenAPI document, so a route added later without
a way to call it here fails `test_every_api_route_is_walked` rather than going unchecked.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import ServerProcess, run_cli_here, start_server
from tests.factory import client_body

# Limits on, high enough that the walk never meets them; an hour-long window.
GENEROUS = {
    "DOCSPACE_OAUTH_RATE_LIMIT_ENABLED": "true",
    "DOCSPACE_OAUTH_RATE_LIMIT_GET": "1000",
    "DOCSPACE_OAUTH_RATE_LIMIT_POST": "1000",
    "DOCSPACE_OAUTH_RATE_LIMIT_PUT": "1000",
    "DOCSPACE_OAUTH_RATE_LIMIT_WINDOW_SECONDS": "3600",
}
BASES = ("/api/2.0/clients", "/api/2.0/oauth2/clients")
ADMIN_PASSWORD = "correct horse battery staple"
# The fixture's admin (a new one each time the module fixture is set up): the walk signs in
# as them to have a session to end.
ADMIN: dict[str, str] = {}
Call = Callable[[httpx.Client, str], httpx.Response]


def _new_client(http: httpx.Client, base: str) -> str:
    response = http.post(base, json=client_body())
    assert response.status_code == 201, response.text
    client_id: str = response.json()["client_id"]
    return client_id


def _on_client(method: str, suffix: str = "", **kwargs: Any) -> Call:
    def call(http: httpx.Client, base: str) -> httpx.Response:
        return http.request(method, f"{base}/{_new_client(http, base)}{suffix}", **kwargs)

    return call


def _plain(method: str, suffix: str = "", **kwargs: Any) -> Call:
    def call(http: httpx.Client, base: str) -> httpx.Response:
        return http.request(method, f"{base}{suffix}", **kwargs)

    return call


def _create(http: httpx.Client, base: str) -> httpx.Response:
    return http.post(base, json=client_body())


def _resource_body() -> dict[str, Any]:
    return {
        "url": f"https://{uuid.uuid4().hex[:12]}.example.com/",
        "name": "A resource",
        "scopes": ["files:read"],
    }


def _made_then_deleted(collection: str, body: dict[str, Any]) -> Call:
    def call(http: httpx.Client, base: str) -> httpx.Response:
        made = http.post(collection, json=body)
        assert made.status_code == 201, made.text
        return http.delete(f"{collection}/{made.json()['id']}")

    return call


# (method, template relative to a client base) -> how to make it succeed as an admin.
CLIENT_ROUTES: dict[tuple[str, str], Call] = {
    ("POST", ""): _create,
    ("GET", ""): _plain("GET"),
    ("DELETE", ""): _plain("DELETE"),
    ("GET", "/info"): _plain("GET", "/info"),
    ("GET", "/consents"): _plain("GET", "/consents"),
    ("DELETE", "/tenant"): _plain("DELETE", "/tenant"),
    ("GET", "/{client_id}"): _on_client("GET"),
    ("PUT", "/{client_id}"): _on_client("PUT", json={"name": "Renamed"}),
    ("DELETE", "/{client_id}"): _on_client("DELETE"),
    ("PATCH", "/{client_id}/activation"): _on_client(
        "PATCH", "/activation", json={"status": False}
    ),
    ("PATCH", "/{client_id}/regenerate"): _on_client("PATCH", "/regenerate"),
    ("DELETE", "/{client_id}/revoke"): _on_client("DELETE", "/revoke"),
    ("GET", "/{client_id}/info"): _on_client("GET", "/info"),
    ("GET", "/{client_id}/public/info"): _on_client("GET", "/public/info"),
}


def _end_a_session(http: httpx.Client, base: str) -> httpx.Response:
    """The admin signs in on the sign-in page, then ends that session through the API."""
    with httpx.Client(base_url=http.base_url) as browser:
        page = browser.get("/oauth2/login?next=/console")
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert found is not None, page.text
        fields = {"csrf_token": found[1], "next": "/console"}
        credentials = {"email": ADMIN["email"], "password": ADMIN_PASSWORD}
        assert browser.post("/oauth2/login", data={**fields, **credentials}).status_code == 303
    listed = http.get("/api/2.0/sessions").json()["data"]
    return http.delete(f"/api/2.0/sessions/{listed[0]['session_id']}")


OTHER_ROUTES: dict[tuple[str, str], Call] = {
    ("GET", "/api/2.0/scopes"): _plain("GET", "/api/2.0/scopes"),
    ("GET", "/api/2.0/oauth2/scopes"): _plain("GET", "/api/2.0/oauth2/scopes"),
    ("GET", "/api/2.0/audit"): _plain("GET", "/api/2.0/audit"),
    ("GET", "/api/2.0/registration/policy"): _plain("GET", "/api/2.0/registration/policy"),
    ("PUT", "/api/2.0/registration/policy"): _plain(
        "PUT", "/api/2.0/registration/policy", json={"mode": "token"}
    ),
    ("POST", "/api/2.0/registration/tokens"): _plain(
        "POST", "/api/2.0/registration/tokens", json={}
    ),
    ("GET", "/api/2.0/registration/tokens"): _plain("GET", "/api/2.0/registration/tokens"),
    ("DELETE", "/api/2.0/registration/tokens/{token_id}"): _made_then_deleted(
        "/api/2.0/registration/tokens", {}
    ),
    ("POST", "/api/2.0/resources"): lambda http, _: http.post(
        "/api/2.0/resources", json=_resource_body()
    ),
    ("GET", "/api/2.0/resources"): _plain("GET", "/api/2.0/resources"),
    ("DELETE", "/api/2.0/resources/{resource_id}"): lambda http, _: _made_then_deleted(
        "/api/2.0/resources", _resource_body()
    )(http, ""),
    ("GET", "/api/2.0/sessions"): _plain("GET", "/api/2.0/sessions"),
    ("GET", "/api/2.0/sessions/tenant"): _plain("GET", "/api/2.0/sessions/tenant"),
    ("DELETE", "/api/2.0/sessions/{session_id}"): _end_a_session,
}


def _walk() -> Iterator[tuple[str, str, str, Call]]:
    """(method, documented path, base, call) for every route this module knows."""
    for base in BASES:
        for (method, suffix), call in CLIENT_ROUTES.items():
            yield method, base + suffix, base, call
    for (method, path), call in OTHER_ROUTES.items():
        yield method, path, "", call


WALK = list(_walk())


@pytest.fixture(scope="module")
def limited(database_url: str) -> Iterator[tuple[ServerProcess, str]]:
    server = start_server(database_url, **GENEROUS)
    try:
        ADMIN["email"] = email = f"headers-{uuid.uuid4().hex[:8]}@example.com"
        result = run_cli_here(
            server.env,
            *("users", "create", email, "--role", "admin", "--tenant", "9"),
            "--password-stdin",
            stdin=ADMIN_PASSWORD + "\n",
        )
        assert result.returncode == 0, result.stderr
        yield server, result.stdout.strip().splitlines()[-1]
    finally:
        server.stop()


def test_every_api_route_is_walked(limited: tuple[ServerProcess, str]) -> None:
    server, _ = limited
    document = httpx.get(f"{server.url}/openapi.json").json()
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        if path.startswith("/api/2.0")
        for method in operations
    }
    assert documented == {(method, path) for method, path, _, _ in WALK}


@pytest.mark.parametrize(
    ("method", "path", "base", "call"), WALK, ids=[f"{m} {p}" for m, p, _, _ in WALK]
)
def test_every_success_carries_the_budget(
    limited: tuple[ServerProcess, str], method: str, path: str, base: str, call: Call
) -> None:
    server, key = limited
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}) as http:
        response = call(http, base)
    assert 200 <= response.status_code < 300, (method, path, response.text)
    assert int(response.headers["x-ratelimit-limit"]) == 1000
    assert 0 <= int(response.headers["x-ratelimit-remaining"]) < 1000
    assert 0 < int(response.headers["x-ratelimit-reset"]) <= 3600


def test_problems_carry_the_budget_too(limited: tuple[ServerProcess, str]) -> None:
    server, key = limited
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}) as http:
        missing = http.get(f"/api/2.0/clients/{uuid.uuid4()}")
        invalid = http.post("/api/2.0/clients", json={"name": "ab"})
    for response, status in ((missing, 404), (invalid, 400)):
        assert response.status_code == status
        assert response.headers["content-type"].startswith("application/problem+json")
        assert int(response.headers["x-ratelimit-remaining"]) < 1000
        assert int(response.headers["x-ratelimit-reset"]) > 0
