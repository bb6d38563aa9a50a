"""Schemathesis against dynamic registration (RFC 7591/7592 and the admins' policy and
initial access tokens), the protected-resource registry and metadata (RFC 8707/9728) and
the device authorization endpoint (RFC 8628) of the live server's own /openapi.json: no
5xx, and every answer one the document promises (status, content type, headers, body).

- The admins' routes (/api/2.0/registration, /api/2.0/resources): as an admin and as a plain
  user of a tenant of their own, drawn per example, as test_fuzz_api.py does.
- Registering: credentials in turn (a real initial access token, a wrong one, none), and in
  some valid examples the target tenant is one whose policy is open and the metadata one it
  takes, so 201s are fuzzed too. Registrations (RFC 7592): some examples aim at a real
  registered client with its registration access token, so reading, replacing and deleting
  reach 200 and 204.
- The device authorization endpoint: as a client with the device grant, with its Basic
  credentials, wrong ones or none, as test_fuzz_oauth.py fuzzes the token endpoint.

Bounded for CI: fuzz_kit.FUZZ_EXAMPLES examples per operation and mode.
"""

from __future__ import annotations

import base64
import itertools
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import requests
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import GenerationMode

from docspace_oauth.models import Role
from tests.hardening.conftest import (
    DEVICE_FUZZ_TENANT,
    OPEN_REGISTRATION_TENANT,
    REGISTRATION_FUZZ_TENANT,
    add_user,
)
from tests.hardening.forms_kit import DEVICE_GRANTS, SPECIAL, UNICODE_DIGITS
from tests.hardening.fuzz_kit import (
    AREAS,
    CHECKS,
    FUZZ_EXAMPLES,
    Tally,
    checked_operations,
    fuzz_settings,
    negatable,
)
from tests.hardening.test_fuzz_oauth import form_negatable
from tests.oauth2.conftest import REDIRECT, Kit, portal_user

# What a tenant with an open policy takes from anyone: a public PKCE client.
PUBLIC_METADATA: dict[str, Any] = {
    "redirect_uris": [REDIRECT],
    "grant_types": ["authorization_code", "refresh_token"],
    "response_types": ["code"],
    "token_endpoint_auth_method": "none",
    "application_type": "web",
    "scope": "openid files:read",
    "client_uri": "https://app.example.com",
    "policy_uri": "https://app.example.com/privacy",
    "tos_uri": "https://app.example.com/terms",
    "post_logout_redirect_uris": ["https://app.example.com/logout"],
}
# What a steered example replaces: every member with a grammar (URLs, scopes, enumerations)
# and the client_id a replacement must not contradict. The name and unknown members stay.
_GRAMMAR = {*PUBLIC_METADATA, "logo_uri", "client_id"}
# Per example, in turn (a fixed rotation, so that even a short run meets each pairing): the
# bearer sent to the registration endpoints, and which real thing a valid example aims at
# (None: the fuzzer's own draw).
TURNS: list[tuple[str, int | None]] = [
    ("real", 0),
    ("none", 1),
    ("wrong", 0),
    ("real", 1),
    ("none", None),
    ("real", 0),
    ("wrong", 1),
    ("real", None),
]


class Reals:
    """Real things the fuzzer may aim at: an initial access token of the open tenant and
    clients registered there (with their registration access tokens); initial access
    tokens and resources of the admins' own tenant. Made when first needed, again once
    the fuzzer deleted them."""

    def __init__(self, url: str, keys: dict[str, str]) -> None:
        self.url = url
        self.admin = httpx.Client(base_url=url, headers={"Authorization": keys["admin"]})
        self.opener = httpx.Client(base_url=url, headers={"Authorization": keys["opener"]})
        policy = {"mode": "open", "max_clients": 100_000, "per_address_per_hour": 10_000}
        assert self.opener.put("/api/2.0/registration/policy", json=policy).status_code == 200
        issued = self.opener.post("/api/2.0/registration/tokens", json={"uses": 10_000})
        assert issued.status_code == 201, issued.text
        self.initial_token = str(issued.json()["token"])
        self.pools: dict[str, list[Any]] = {"client": [], "token": [], "resource": []}

    def register(self) -> tuple[str, str]:
        answer = httpx.post(
            f"{self.url}/oauth2/tenants/{OPEN_REGISTRATION_TENANT}/register",
            json={**PUBLIC_METADATA, "client_name": "Fuzz registered"},
            headers={"Authorization": f"Bearer {self.initial_token}"},
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["client_id"], answer.json()["registration_access_token"]

    def _make(self, kind: str) -> Any:
        if kind == "client":
            return self.register()
        if kind == "token":
            made = self.admin.post("/api/2.0/registration/tokens", json={})
        else:
            made = self.admin.post("/api/2.0/resources", json=resource_body())
        assert made.status_code == 201, made.text
        return made.json()["id"]

    def get(self, kind: str, index: int) -> Any:
        pool = self.pools[kind]
        if not pool:
            pool.extend(self._make(kind) for _ in range(2))
        return pool[index % len(pool)]

    def invalidate(self, kind: str) -> None:
        self.pools[kind].clear()

    def close(self) -> None:
        self.admin.close()
        self.opener.close()


def resource_body() -> dict[str, Any]:
    url = f"https://api-{uuid.uuid4().hex[:8]}.resource.example/v1"
    return {"url": url, "name": "Fuzzed resource", "scopes": ["files:read"]}


@pytest.fixture(scope="session")
async def registration_keys(live_server, db, server_keys) -> dict[str, str]:
    """An admin and a user of the admins' tenant; the admin of the open tenant."""
    keys = {}
    for name, tenant, role in (
        ("admin", REGISTRATION_FUZZ_TENANT, Role.ADMIN),
        ("user", REGISTRATION_FUZZ_TENANT, Role.USER),
        ("opener", OPEN_REGISTRATION_TENANT, Role.ADMIN),
    ):
        _, keys[name] = await add_user(db, server_keys, live_server.url, tenant=tenant, role=role)
    return keys


_PATH_KINDS = {"{client_id}": "client", "{token_id}": "token", "{resource_id}": "resource"}
_PARAMETER = {kind: part.strip("{}") for part, kind in _PATH_KINDS.items()}
# The forms fuzzer's special values, as a path segment holds them.
PATH_SPECIAL = [v for v in (*SPECIAL, *UNICODE_DIGITS) if v not in {"", ".", ".."} and "/" not in v]


def _kind(path: str) -> str | None:
    return next((kind for part, kind in _PATH_KINDS.items() if part in path), None)


def _steer(case: Any, reals: Reals, kind: str | None, index: int) -> str | None:
    """Aim a valid example at a real thing; the registration access token it needs, if any."""
    path, method = case.operation.path, case.operation.method.upper()
    bearer = None
    if kind is not None:
        real = reals.get(kind, index)
        client_id, bearer = real if kind == "client" else (real, None)
        case.path_parameters[_PARAMETER[kind]] = client_id
    if "tenant_id" in case.path_parameters:
        case.path_parameters["tenant_id"] = OPEN_REGISTRATION_TENANT
    body = case.body if isinstance(case.body, dict) else None
    if path.startswith("/oauth2/") and "register" in path and method in {"POST", "PUT"}:
        # Grammar the document cannot state (a URL is a URL): a valid document, with
        # whatever else the fuzzer drew (a name, unknown members).
        drawn = {k: v for k, v in (body or {}).items() if k not in _GRAMMAR}
        case.body = {**drawn, **PUBLIC_METADATA}
    elif path == "/api/2.0/resources" and method == "POST":
        case.body = {**(body or {}), **resource_body()}
    return bearer


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def _authorization(path: str, turn: str, role: str, keys: dict[str, str], reals: Reals,
                   bearer: str | None) -> str | None:  # fmt: skip
    if path.startswith("/api/"):
        return keys[role]
    if turn == "none":
        return None
    if turn == "wrong":
        return "Bearer " + "0" * 43
    if "{client_id}" in path:
        return f"Bearer {bearer}" if bearer else "Bearer not-a-registration-token"
    return f"Bearer {reals.initial_token}"


def _sent_as(case: Any, credential: str | None) -> dict[str, str]:
    """The credentials are this test's to choose, never a header the fuzzer drew. They go
    into the case itself: schemathesis holds a case whose headers lack the credentials
    the operation requires to be a negative one (which must be refused)."""
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    if credential:
        headers["Authorization"] = credential
    case.headers = headers
    return {"Authorization": credential} if credential else {}


def _after(case: Any, kind: str | None, status: int, reals: Reals) -> None:
    if kind is not None and case.operation.method.upper() == "DELETE" and status == 204:
        reals.invalidate(kind)


def _fuzzer(session: requests.Session, keys: dict[str, str], reals: Reals, tally: Tally) -> Any:
    def fuzzer(operation: Any, mode: GenerationMode) -> Callable[[], None]:
        kind = _kind(operation.path)
        turns: Iterator[tuple[str, int | None]] = itertools.cycle(TURNS)

        @fuzz_settings()
        @given(
            case=operation.as_strategy(generation_mode=mode),
            role=st.sampled_from(["admin", "admin", "user"]),
            odd_id=st.sampled_from([None, None, *PATH_SPECIAL]),
        )
        def fuzz(case: Any, role: str, odd_id: str | None) -> None:
            turn, real = next(turns)
            bearer = None
            # Aimed at real things and valid metadata; the credentials are the turn's.
            steered = mode.is_positive and real is not None
            if mode.is_positive and real is not None:
                bearer = _steer(case, reals, kind, real)
            elif kind is not None and odd_id is not None:
                # Text random draws seldom hold (NUL, which PostgreSQL refuses, and the like).
                case.path_parameters[_PARAMETER[kind]] = odd_id
            credential = _authorization(operation.path, turn, role, keys, reals, bearer)
            headers = _sent_as(case, credential)
            response = case.call(session=session)  # with the case's own headers (_sent_as)
            tally.count(operation, mode, response.status_code)
            _after(case, kind if steered else None, response.status_code, reals)
            case.validate_response(response, checks=CHECKS, headers=headers)

        return fuzz

    return fuzzer


@pytest.mark.parametrize("area", ["registration", "resources"])
def test_fuzz_registration_and_resources(live_server, registration_keys, area):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    operations = checked_operations(schema, area)
    # registration: two registering paths, the registration's GET/PUT/DELETE, the policy
    # (GET/PUT), the tokens (POST/GET) and a token's DELETE; resources: the list (GET/POST),
    # a resource's DELETE and its metadata
    assert len(operations) == {"registration": 10, "resources": 4}[area]
    reals = Reals(live_server.url, registration_keys)
    tally = Tally()
    tally.run(operations, _fuzzer(requests.Session(), registration_keys, reals, tally), negatable)
    reals.close()
    tally.report(f"{len(operations)} {area} operations", detail=True)
    expected = {
        "registration": [
            ("POST /oauth2/tenants/{tenant_id}/register", 201),
            ("GET /oauth2/register/{client_id}", 200),
            ("PUT /oauth2/register/{client_id}", 200),
            ("DELETE /oauth2/register/{client_id}", 204),
            ("GET /oauth2/register/{client_id}", 401),
            ("POST /oauth2/register", 201),
            ("POST /oauth2/register", 401),
            ("POST /oauth2/tenants/{tenant_id}/register", 401),
            ("PUT /api/2.0/registration/policy", 200),
            ("POST /api/2.0/registration/tokens", 201),
            ("DELETE /api/2.0/registration/tokens/{token_id}", 204),
            ("GET /api/2.0/registration/tokens", 403),
        ],
        "resources": [
            ("POST /api/2.0/resources", 201),
            ("GET /api/2.0/resources", 200),
            ("DELETE /api/2.0/resources/{resource_id}", 204),
            ("GET /oauth2/resources/{resource_id}/metadata", 200),
            ("GET /oauth2/resources/{resource_id}/metadata", 404),
        ],
    }[area]
    missing = [pair for pair in expected if pair not in tally.statuses]
    assert not missing, (missing, sorted(tally.statuses.items()))


# The device authorization endpoint: credentials in turn, as test_fuzz_oauth.SCHEDULE, and
# whether a valid example drops the drawn scope and resource (almost never the client's).
DEVICE_TURNS = [
    ("basic", True),
    ("wrong_secret", False),
    ("basic", False),
    ("none", False),
    ("unknown", True),
    ("basic", True),
]


@pytest.fixture(scope="session")
def device_fuzz_client(live_server) -> tuple[str, str]:
    app = Kit(live_server).register(portal_user(DEVICE_FUZZ_TENANT), grant_types=DEVICE_GRANTS)
    return app.client_id, app.secret


def test_fuzz_device_authorization(live_server, device_fuzz_client):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    operations = checked_operations(schema, "device")
    assert [op.label for op in operations] == ["POST /oauth2/device_authorization"]
    client_id, secret = device_fuzz_client
    credentials = {
        "basic": _basic(client_id, secret),
        "wrong_secret": _basic(client_id, secret[::-1]),
        "unknown": _basic(str(uuid.uuid4()), secret),
        "none": None,
    }
    session = requests.Session()
    tally = Tally()

    def fuzzer(operation: Any, mode: GenerationMode) -> Callable[[], None]:
        turns = itertools.cycle(DEVICE_TURNS)

        @fuzz_settings(2 * FUZZ_EXAMPLES)
        @given(case=operation.as_strategy(generation_mode=mode))
        def fuzz(case: Any) -> None:
            auth, steer = next(turns)
            body = case.body if isinstance(case.body, dict) else None
            if body is not None and (steer or auth != "none"):
                # Form credentials beside Basic are a second method (400): mostly without.
                body.pop("client_id", None)
                body.pop("client_secret", None)
            if body is not None and mode.is_positive and steer:
                body.pop("scope", None)  # a drawn scope is almost never the client's
                body.pop("resource", None)
            headers = _sent_as(case, credentials[auth])
            response = case.call(session=session)  # with the case's own headers (_sent_as)
            tally.count(operation, mode, response.status_code)
            case.validate_response(response, checks=CHECKS, headers=headers)

        return fuzz

    tally.run(operations, fuzzer, form_negatable)
    tally.report("the device authorization endpoint", detail=True)
    for status in (200, 400, 401):
        assert ("POST /oauth2/device_authorization", status) in tally.statuses, status


def test_every_special_value_as_every_id(live_server, registration_keys):
    """The values random draws meet too rarely (forms_kit.SPECIAL: NUL, which PostgreSQL
    refuses in text, non-ASCII digits, ...), each as every id in a path of these areas, with
    the credentials that get past authentication: a documented 4xx, never a 5xx."""
    spec = httpx.get(f"{live_server.url}/openapi.json").json()
    reals = Reals(live_server.url, registration_keys)
    _, bearer = reals.get("client", 0)
    seen: set[int] = set()
    for path, item in spec["paths"].items():
        kind = _kind(path)
        ours = AREAS["registration"].match(path) or AREAS["resources"].match(path)
        if kind is None or not ours:
            continue
        for method, operation in item.items():
            credential = (
                registration_keys["admin"] if path.startswith("/api/") else f"Bearer {bearer}"
            )
            for value in PATH_SPECIAL:
                url = path.replace("{" + _PARAMETER[kind] + "}", quote(value, safe=""))
                response = httpx.request(
                    method, f"{live_server.url}{url}", headers={"Authorization": credential},
                    json=PUBLIC_METADATA if method == "put" else None, timeout=30,
                )  # fmt: skip
                where = (method, path, value, response.text[:300])
                assert str(response.status_code) in operation["responses"], where
                seen.add(response.status_code)
    reals.close()
    assert seen == {401, 404}, seen
