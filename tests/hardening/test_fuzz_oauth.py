"""Schemathesis against the authorization server's JSON endpoints (token, introspection,
revocation, userinfo, JWKS, discovery) of the live server's own /openapi.json: no 5xx, and
every response one the document promises.

They are fuzzed as a confidential client registered in a tenant of its own, with HTTP Basic
credentials (and, drawn per example, wrong ones or none). Some positive examples carry real
tokens, refresh tokens and codes of that client, so issuing, introspecting, revoking and
userinfo are fuzzed on their 200 paths too. test_fuzz_api.py does the management API.
"""

from __future__ import annotations

import base64
import collections
import itertools
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.hardening.conftest import OAUTH_FUZZ_TENANT
from tests.hardening.fuzz_kit import CHECKS, FUZZ_EXAMPLES, Tally, checked_operations, fuzz_settings
from tests.oauth2.conftest import REDIRECT, App, Kit, portal_user

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


def form_negatable(operation: Any) -> bool:
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
    operations = checked_operations(schema, "oauth2")
    # token, introspect, revoke, userinfo (GET and POST), jwks and the three discovery paths
    assert len(operations) == 9, [op.label for op in operations]

    tokens = Tokens(kit, app)
    good = _basic(app.client_id, app.secret)
    credentials = {
        "basic": good,
        "wrong_secret": _basic(app.client_id, app.secret[::-1]),
        "unknown": _basic("00000000-0000-4000-8000-000000000000", app.secret),
        "none": None,
    }
    session = requests.Session()
    tally = Tally()

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

        # Twice the management API's: each example also takes its turn in SCHEDULE, and
        # requests here are cheap (about 15 ms).
        @fuzz_settings(2 * FUZZ_EXAMPLES)
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
            tally.count(operation, mode, response.status_code)
            after(case, real, response)
            case.validate_response(response, checks=CHECKS, headers=headers)

        return fuzz

    tally.run(operations, fuzzer, form_negatable)
    tally.report(
        f"{len(operations)} oauth2 operations",
        f", real credentials fetched: {dict(tokens.fetched)}",
        detail=True,
    )
    # Past client authentication and the parameters' checks, to real answers.
    reached = tally.reached(200, 200)
    for label in (
        "POST /oauth2/token",
        "POST /oauth2/introspect",
        "POST /oauth2/revoke",
        "GET /oauth2/userinfo",
        "GET /oauth2/jwks",
    ):
        assert label in reached, (label, sorted(tally.statuses.items()))
    for label, status in (("POST /oauth2/token", 401), ("GET /oauth2/userinfo", 401)):
        assert (label, status) in tally.statuses, (label, status, sorted(tally.statuses.items()))


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
