"""Schemathesis against the live server's own /openapi.json: no 5xx, and every response is one
the document promises (status code, content type, body schema), for every operation.

Each operation is fuzzed with schema-valid data (positive) and with schema-violating data
(negative, which must be refused with a 4xx).

- The management API and the audit trail: as a tenant admin and as a plain user (the role is
  drawn per example), with the API key in the Authorization header. Three in five positive
  examples aim at a real client the callers may manage, so the 200 paths are fuzzed too, not
  only the 404s a random id meets. The callers live in a tenant of their own: the fuzzer
  deletes whole tenants' clients.
- The authorization server's JSON endpoints: test_fuzz_oauth.py.

The browser pages (/oauth2/authorize, /oauth2/login, /oauth2/consent) answer HTML to a person
and are fuzzed as a browser uses them, by test_fuzz_forms.py (its FORMS: the page fetched
first for its CSRF token and hidden fields, then the form posted), against this same
document's entries; PAGES says so, and a test here checks that each of their operations is
one of FORMS.

Bounded for CI: FUZZ_EXAMPLES examples per operation and mode (environment variable
DOCSPACE_OAUTH_FUZZ_EXAMPLES raises it for a longer run).
"""

from __future__ import annotations

import httpx
import pytest
import requests
import schemathesis
from hypothesis import given
from hypothesis import strategies as st

from docspace_oauth.models import Role
from tests.factory import client_body
from tests.hardening.conftest import FUZZ_TENANT, add_user
from tests.hardening.fuzz_kit import (
    AREAS,
    CHECKS,
    EXCLUDED,
    PAGES,
    Tally,
    checked_operations,
    fuzz_settings,
    negatable,
)
from tests.hardening.test_fuzz_forms import FORMS


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


def test_every_api_operation_is_in_a_fuzzed_area(live_server):
    """Every documented operation is fuzzed here, or as a form by test_fuzz_forms.py, or
    excluded above with its reason."""
    spec = httpx.get(f"{live_server.url}/openapi.json").json()
    for path in spec["paths"]:
        fuzzed = [name for name, area in AREAS.items() if area.match(path)]
        page = PAGES.match(path) is not None
        assert len(fuzzed) + (path in EXCLUDED) + page == 1, (path, fuzzed)
    assert set(EXCLUDED) <= set(spec["paths"]), set(EXCLUDED) - set(spec["paths"])
    pages = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if PAGES.match(path)
    }
    # authorize (GET, POST), login (GET, POST), consent, logout (GET, POST), its
    # confirmation, the device page (GET, POST)
    assert len(pages) == 10, pages
    assert pages <= {form.route for form in FORMS.values()}, pages


@pytest.mark.parametrize("area", ["management", "audit", "sessions"])
def test_fuzz_every_operation(live_server, fuzz_keys, area):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    operations = checked_operations(schema, area)
    if area == "management":
        assert len(operations) == 30  # 14 client routes and the scopes, under each prefix

    pool = Pool(live_server.url, fuzz_keys["user"])
    session = requests.Session()
    tally = Tally()

    def fuzzer(operation, mode):
        has_client_id = "{client_id}" in operation.path

        @fuzz_settings()
        @given(
            case=operation.as_strategy(generation_mode=mode),
            role=st.sampled_from(sorted(fuzz_keys)),
            real=st.sampled_from([None, None, 0, 1, 2]),
            # Every optional URL field a generated update carries must be a URL the server
            # takes, and random strings rarely are: with eight such fields, a run could meet
            # no 200 at all. An empty update (all fields optional) keeps the success path in
            # every run; the other examples still fuzz every field.
            empty=st.sampled_from([False, False, False, True]),
        )
        def fuzz(case, role, real, empty):
            if has_client_id and mode.is_positive and real is not None:
                case.path_parameters["client_id"] = pool.get(real)
                if empty and operation.method.upper() in {"PUT", "PATCH"}:
                    case.body = {}
            headers = {"Authorization": fuzz_keys[role]}
            response = case.call(session=session, headers=headers)
            tally.count(operation, mode, response.status_code)
            if response.status_code == 200 and operation.method.upper() == "DELETE":
                pool.invalidate()
            case.validate_response(response, checks=CHECKS, headers=headers)

        return fuzz

    tally.run(operations, fuzzer, negatable)
    pool.http.close()
    tally.report(f"{len(operations)} operations")
    # The fuzzer reached past authentication and validation: real successes on the routes
    # that act on a client, not only 404s and 400s.
    reached = tally.reached()
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
