"""Schemathesis against the live server's own /openapi.json: no 5xx, and every response is one
the document promises (status code, content type, body schema), for every operation.

Each operation is fuzzed with schema-valid data (positive) and with schema-violating data
(negative, which must be refused with a 4xx).

- The management API and the audit trail: as a tenant admin and as a plain user (the role is
  drawn per example), with the API key in the Authorization header. Three in five positive
  examples aim at a real client the callers may manage, so the 200 paths are fuzzed too, not
  only the 404s a random id meets. The callers live in a tenant of their own: the fuzzer
  deletes whole tenants' clients.
- The authorization server's JSON endpoints (token, introspection, revocation, userinfo,
  JWKS, discovery): as a confidential client registered in a tenant of its own, with HTTP
  Basic credentials (and, drawn per example, wrong ones or none). Some positive examples
  carry real tokens, refresh tokens and codes of that client, so issuing, introspecting,
  revoking and userinfo are fuzzed on their 200 paths too.

The browser pages (/oauth2/authorize, /oauth2/login, /oauth2/consent, /oauth2/device) answer
HTML to a person and are not fuzzed: EXCLUDED says so, and why.

Bounded for CI: FUZZ_EXAMPLES examples per operation and mode (environment variable
DOCSPACE_OAUTH_FUZZ_EXAMPLES raises it for a longer run).
"""

from __future__ import annotations

import base64
import collections
import itertools
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from docspace_oauth.models import Role
from tests.factory import client_body
from tests.hardening.conftest import FUZZ_TENANT, OAUTH_FUZZ_TENANT, add_user
from tests.oauth2.conftest import REDIRECT, App, Kit, portal_user

# What is fuzzed, by area.
AREAS = {
    "management": re.compile(r"^/api/2\.0/(oauth2/)?(clients|scopes)(/|$)"),
    "audit": re.compile(r"^/api/2\.0/audit$"),
    "oauth2": re.compile(
        r"^/oauth2/(token|introspect|revoke|userinfo|jwks)$"
        r"|^(/oauth2)?/\.well-known/(openid-configuration|oauth-authorization-server)$"
    ),
}
# What the document lists and is deliberately not fuzzed, and why.
_PAGES = (
    "an HTML page for a person at a browser; its form is parsed by hand and not described "
    "(tests/oauth2/test_pages.py and test_redirect_safety.py cover it)"
)
_OPS = "operations endpoint: no parameters, body or credentials to vary (tests/ops covers it)"
EXCLUDED = {
    "/oauth2/authorize": _PAGES,
    "/oauth2/login": _PAGES,
    "/oauth2/consent": _PAGES,
    "/oauth2/device": _PAGES,
    # Not yet: its form body is not described in the document, so there is nothing for the
    # fuzzer to vary (tests/device/test_device_grant.py covers its answers).
    "/oauth2/device_authorization": "the device authorization request (RFC 8628); body not "
    "yet described for the fuzzer (tests/device covers it)",
    "/health": _OPS,
    "/ready": _OPS,
    "/metrics": _OPS,
}
FUZZ_EXAMPLES = int(os.environ.get("DOCSPACE_OAUTH_FUZZ_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]
# Deliberately not checked: positive_data_acceptance. The document states which fields are
# URLs, origins and data URIs but not their grammar (no JSON Schema pattern says "an http(s)
# URL without credentials"), so a schema-valid string is often not a valid URL, and the 400
# that follows is right. The validators' own property tests cover that ground.


class Pool:
    """Real clients of the fuzz tenant's user, which both fuzzing roles may manage."""

    def __init__(self, url: str, user_key: str) -> None:
        self.http = httpx.Client(base_url=url, headers={"Authorization": user_key}, timeout=30)
        self.ids: list[str] = []

    def get(self, index: int) -> str:
        if not self.ids:
            for _ in range(3):
                response = self.http.post("/api/2.0/clients", json=client_body())
                assert response.status_code == 201, response.text
                self.ids.append(response.json()["client_id"])
        return self.ids[index % len(self.ids)]

    def invalidate(self) -> None:
        self.ids.clear()


@pytest.fixture(scope="session")
async def fuzz_keys(live_server, db, server_keys) -> dict[str, str]:
    keys = {}
    for name, role in (("admin", Role.ADMIN), ("user", Role.USER)):
        _, keys[name] = await add_user(
            db, server_keys, live_server.url, tenant=FUZZ_TENANT, role=role
        )
    return keys


def _operations(schema: Any, area: re.Pattern[str]) -> Iterator[Any]:
    for result in schema.get_all_operations():
        operation = result.ok()  # a malformed operation fails the test here
        if area.match(operation.path):
            yield operation


def _negatable(operation: Any) -> bool:
    """Whether schema-violating data exists for it: a body, or constrained query parameters.
    A bare string path parameter (the client id) has no value that breaks its schema."""
    return bool(operation.body) or any(True for _ in operation.query)


def test_every_api_operation_is_in_a_fuzzed_area(live_server):
    """Every documented operation is fuzzed, or excluded above with its reason."""
    spec = httpx.get(f"{live_server.url}/openapi.json").json()
    for path in spec["paths"]:
        fuzzed = [name for name, area in AREAS.items() if area.match(path)]
        assert len(fuzzed) + (path in EXCLUDED) == 1, (path, fuzzed)
    assert set(EXCLUDED) <= set(spec["paths"]), set(EXCLUDED) - set(spec["paths"])


@pytest.mark.parametrize("area", ["management", "audit"])
def test_fuzz_every_operation(live_server, fuzz_keys, area):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    operations = list(_operations(schema, AREAS[area]))
    documented = {
        (method.upper(), path)
        for path, item in schema.raw_schema["paths"].items()
        for method in item
        if AREAS[area].match(path)
    }
    assert {(op.method.upper(), op.path) for op in operations} == documented
    if area == "management":
        assert len(operations) == 30  # 14 client routes and the scopes, under each prefix

    pool = Pool(live_server.url, fuzz_keys["user"])
    session = requests.Session()
    statuses: collections.Counter[tuple[str, int]] = collections.Counter()
    examples = collections.Counter()
    failures: dict[str, str] = {}

    def fuzzer(operation, mode):
        has_client_id = "{client_id}" in operation.path

        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @given(
            case=operation.as_strategy(generation_mode=mode),
            role=st.sampled_from(sorted(fuzz_keys)),
            real=st.sampled_from([None, None, 0, 1, 2]),
        )
        def fuzz(case, role, real):
            if has_client_id and mode.is_positive and real is not None:
                case.path_parameters["client_id"] = pool.get(real)
            headers = {"Authorization": fuzz_keys[role]}
            response = case.call(session=session, headers=headers)
            examples[mode.value] += 1
            statuses[(operation.label, response.status_code)] += 1
            if response.status_code == 200 and operation.method.upper() == "DELETE":
                pool.invalidate()
            case.validate_response(response, checks=CHECKS, headers=headers)

        return fuzz

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if mode.is_negative and not _negatable(operation):
                continue
            try:
                fuzzer(operation, mode)()
            except (Exception, BaseExceptionGroup) as exc:
                failures[f"{operation.label} ({mode.value})"] = str(exc)[:3000]

    pool.http.close()
    server_errors = {key: n for key, n in statuses.items() if key[1] >= 500}
    by_status = collections.Counter(status for _, status in statuses.elements())
    print(  # the figures docs/security.md quotes
        f"\nfuzzed {len(operations)} operations: {sum(examples.values())} requests "
        f"({dict(examples)}), statuses {sorted(by_status.items())}"
    )
    assert not server_errors, server_errors
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
    # The fuzzer reached past authentication and validation: real successes on the routes
    # that act on a client, not only 404s and 400s.
    reached = {label for (label, status) in statuses if 200 <= status < 300}
    if area != "management":
        return
    for verb in ("GET", "PUT", "PATCH", "DELETE"):
        assert any(label.startswith(verb) and "{client_id}" in label for label in reached), (
            verb,
            sorted(reached),
        )


def test_openapi_states_credentials_and_problem_statuses(live_server):
    """What the fuzzer holds the server to: no FastAPI 422 (validation failures are 400
    problem details), and every operation that takes credentials says so, with the 403 that
    DocSpace answers for missing or wrong credentials (never RFC 6750's 401 there)."""
    spec = httpx.get(f"{live_server.url}/openapi.json").json()
    assert {"asc_auth_key", "x_signature"} <= set(spec["components"]["securitySchemes"])
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            assert "422" not in operation["responses"], where
            if path.startswith("/api/"):
                assert "security" in operation, where
                assert "403" in operation["responses"], where
                assert "401" not in operation["responses"], where
                if "/clients" in path:
                    assert "429" in operation["responses"], where
                problem = operation["responses"]["403"]["content"]["application/problem+json"]
                assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}, where
    public = spec["paths"]["/api/2.0/clients/{client_id}/public/info"]["get"]
    assert {} in public["security"]  # anonymous is fine there


# The authorization server's JSON endpoints.

ALL_GRANTS = ["authorization_code", "refresh_token", "client_credentials"]
# Per example, in turn: the credentials sent (the client's Basic credentials, wrong ones, an
# unknown client's, none) and, with the client's own credentials on a valid example, which
# real credential the example carries (a user's access or refresh token, a client_credentials
# token; at the token endpoint, whatever its drawn grant_type needs). A fixed rotation, so
# that even a short run meets every kind; the data itself is the fuzzer's.
SCHEDULE = [
    ("basic", "user_access"),
    ("wrong_secret", None),
    ("basic", "client_access"),
    ("none", None),
    ("basic", "user_refresh"),
    ("unknown", None),
    ("basic", None),
    ("basic", "user_access"),
    ("wrong_secret", "user_access"),
    ("basic", "client_access"),
    ("none", "user_access"),
    ("basic", None),
]


class Tokens:
    """Real credentials of the fuzzing client, fetched when first needed and again once the
    fuzzer has spent or revoked them: a user's tokens (from the whole authorization code flow,
    as a portal user of the client's tenant), a client_credentials token, and fresh codes."""

    def __init__(self, kit: Kit, app: App) -> None:
        self.kit, self.app = kit, app
        self._user: dict[str, Any] | None = None
        self._client: str | None = None
        self.fetched = collections.Counter[str]()

    def user(self) -> dict[str, Any]:
        if self._user is None:
            self._user = self.kit.tokens(self.app)
            self.fetched["user tokens"] += 1
        return self._user

    def client_access(self) -> str:
        if self._client is None:
            response = self.kit.token_request(self.app, grant_type="client_credentials")
            assert response.status_code == 200, response.text
            self._client = response.json()["access_token"]
            self.fetched["client tokens"] += 1
        return self._client

    def code(self) -> tuple[str, str]:
        self.fetched["codes"] += 1
        return self.kit.code(self.app, portal_user(self.app.owner.tenant_id))

    def pick(self, kind: str) -> str:
        if kind == "user_access":
            return str(self.user()["access_token"])
        if kind == "user_refresh":
            return str(self.user()["refresh_token"])
        return self.client_access()

    def rotated(self, body: dict[str, Any]) -> None:
        """A refresh answered 200: the old refresh token is spent, these are current."""
        self._user = body

    def spent(self) -> None:
        """A real token was revoked, or refused (reused): start over."""
        self._user = None
        self._client = None


@pytest.fixture(scope="session")
def oauth_fuzz_client(live_server) -> tuple[Kit, App]:
    """A confidential client of every grant, registered through the management API by a
    portal admin of a tenant no other test uses."""
    kit = Kit(live_server)
    app = kit.register(portal_user(OAUTH_FUZZ_TENANT), grant_types=ALL_GRANTS)
    return kit, app


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def _form_negatable(operation: Any) -> bool:
    """A form body can be violated only where its schema constrains something: a required
    parameter, or an enumeration (schemathesis keeps form bodies object-shaped, and every
    value of a form is a string)."""
    for body in operation.body:
        schema = body.definition.get("schema", {})
        if schema.get("required") or any(
            "enum" in prop for prop in schema.get("properties", {}).values()
        ):
            return True
    return False


def test_fuzz_oauth2_endpoints(live_server, oauth_fuzz_client):
    kit, app = oauth_fuzz_client
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    area = AREAS["oauth2"]
    operations = list(_operations(schema, area))
    documented = {
        (method.upper(), path)
        for path, item in schema.raw_schema["paths"].items()
        for method in item
        if area.match(path)
    }
    assert {(op.method.upper(), op.path) for op in operations} == documented
    # token, introspect, revoke, userinfo (GET and POST), jwks and the three discovery paths
    assert len(operations) == 9, sorted(documented)

    tokens = Tokens(kit, app)
    good = _basic(app.client_id, app.secret)
    credentials = {
        "basic": good,
        "wrong_secret": _basic(app.client_id, app.secret[::-1]),
        "unknown": _basic("00000000-0000-4000-8000-000000000000", app.secret),
        "none": None,
    }
    session = requests.Session()
    statuses: collections.Counter[tuple[str, int]] = collections.Counter()
    examples: collections.Counter[str] = collections.Counter()
    failures: dict[str, str] = {}

    def steer_client_request(case: Any, real: str | None) -> None:
        """Aim a positive example at one of the client's own tokens or codes. Credentials in
        the form would make it a second authentication method (400), so they go."""
        body = case.body if isinstance(case.body, dict) else None
        if body is None or real is None:
            return
        for name in ("client_id", "client_secret"):
            body.pop(name, None)
        if case.operation.path != "/oauth2/token":
            body["token"] = tokens.pick(real)
            return
        body.pop("scope", None)  # a drawn scope is almost never a granted one
        grant = body.get("grant_type")
        if grant == "refresh_token":
            body["refresh_token"] = tokens.pick("user_refresh")
        elif grant == "authorization_code":
            code, verifier = tokens.code()
            body.update(code=code, code_verifier=verifier, redirect_uri=REDIRECT)

    def after(case: Any, real: str | None, response: requests.Response) -> None:
        """Keep the real tokens current: what the fuzzer rotated, revoked or burnt."""
        if real is None or not isinstance(case.body, dict):
            return
        path = case.operation.path
        if path == "/oauth2/token" and case.body.get("grant_type") == "refresh_token":
            if response.status_code == 200:
                tokens.rotated(response.json())
            else:
                tokens.spent()
        elif path == "/oauth2/revoke" and response.status_code == 200:
            tokens.spent()

    def fuzzer(operation: Any, mode: GenerationMode) -> Callable[[], None]:
        path = operation.path
        takes_client = path in {"/oauth2/token", "/oauth2/introspect", "/oauth2/revoke"}
        takes_bearer = path == "/oauth2/userinfo"
        turns = itertools.cycle(SCHEDULE)

        @settings(
            # Twice the management API's: each example also takes its turn in SCHEDULE,
            # and requests here are cheap (about 15 ms).
            max_examples=2 * FUZZ_EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @given(
            case=operation.as_strategy(generation_mode=mode),
            form_credentials=st.booleans(),
        )
        def fuzz(case, form_credentials):
            auth, real = next(turns)
            headers: dict[str, str] = {}
            if auth == "none" and case.headers:  # not even credentials the fuzzer drew
                case.headers = {
                    k: v for k, v in case.headers.items() if k.lower() != "authorization"
                }
            if takes_client and not form_credentials and isinstance(case.body, dict):
                # Drawn client_id and client_secret fields are a second method beside Basic
                # (400): half the examples go without, to meet client authentication.
                case.body.pop("client_id", None)
                case.body.pop("client_secret", None)
            if takes_client:
                if credentials[auth] is not None:
                    headers["Authorization"] = credentials[auth]
                if mode.is_positive and auth == "basic":
                    steer_client_request(case, real)
                else:
                    real = None
            elif takes_bearer:
                if auth != "none" and real is not None and mode.is_positive:
                    headers["Authorization"] = f"Bearer {tokens.pick(real)}"
                real = None  # userinfo spends nothing
            else:
                real = None
            response = case.call(session=session, headers=headers)
            examples[mode.value] += 1
            statuses[(operation.label, response.status_code)] += 1
            after(case, real, response)
            case.validate_response(response, checks=CHECKS, headers=headers)

        return fuzz

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if mode.is_negative and not _form_negatable(operation):
                continue
            try:
                fuzzer(operation, mode)()
            except (Exception, BaseExceptionGroup) as exc:
                failures[f"{operation.label} ({mode.value})"] = str(exc)[:3000]

    server_errors = {key: n for key, n in statuses.items() if key[1] >= 500}
    by_status = collections.Counter(status for _, status in statuses.elements())
    print(  # the figures docs/security.md quotes
        f"\nfuzzed {len(operations)} oauth2 operations: {sum(examples.values())} requests "
        f"({dict(examples)}), statuses {sorted(by_status.items())}, "
        f"real credentials fetched: {dict(tokens.fetched)}\n"
        + "\n".join(f"  {label} {status}: {n}" for (label, status), n in sorted(statuses.items()))
    )
    assert not server_errors, server_errors
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
    # Past client authentication and the parameters' checks, to real answers.
    reached = {label for (label, status) in statuses if status == 200}
    for label in (
        "POST /oauth2/token",
        "POST /oauth2/introspect",
        "POST /oauth2/revoke",
        "GET /oauth2/userinfo",
        "GET /oauth2/jwks",
    ):
        assert label in reached, (label, sorted(statuses.items()))
    for label, status in (("POST /oauth2/token", 401), ("GET /oauth2/userinfo", 401)):
        assert (label, status) in statuses, (label, status, sorted(statuses.items()))


def test_openapi_describes_the_oauth_endpoints(live_server):
    """What the oauth2 area holds the server to: the forms, the credentials, every status
    with its body and headers."""
    spec = httpx.get(f"{live_server.url}/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["oauth2_client_basic"]["scheme"] == "basic"
    assert schemes["oauth2_bearer"]["scheme"] == "bearer"
    error = {"$ref": "#/components/schemas/OAuth2ErrorResponse"}
    assert set(spec["components"]["schemas"]["OAuth2ErrorResponse"]["required"]) == {
        "error",
        "error_description",
    }
    paths = spec["paths"]
    for path, required in (
        ("/oauth2/token", ["grant_type"]),
        ("/oauth2/introspect", ["token"]),
        ("/oauth2/revoke", ["token"]),
        ("/oauth2/userinfo", None),
    ):
        operation = paths[path]["post"]
        form = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]
        assert form["schema"].get("required") == required, path
        if path != "/oauth2/userinfo":
            assert {"client_id", "client_secret"} <= set(form["schema"]["properties"]), path
            assert operation["security"] == [{"oauth2_client_basic": []}, {}], path
            assert set(operation["responses"]) == {"200", "400", "401", "413", "429"}, path
            unauthorized = operation["responses"]["401"]
            assert unauthorized["content"]["application/json"]["schema"] == error, path
            assert unauthorized["headers"]["WWW-Authenticate"]["required"] is True, path
        problem = operation["responses"]["413"]["content"]["application/problem+json"]
        assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}, path
    userinfo = paths["/oauth2/userinfo"]["get"]
    assert userinfo["security"] == [{"oauth2_bearer": []}]
    assert set(userinfo["responses"]) == {"200", "401", "403"}
    assert "content" not in paths["/oauth2/revoke"]["post"]["responses"]["200"]
