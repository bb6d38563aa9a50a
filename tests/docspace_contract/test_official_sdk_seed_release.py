"""ONLYOFFICE's Python SDK of the seed's release (`docspace-api-sdk` 3.6.0), configured exactly
as the seed shows, against the live server.

The seed (ONLYOFFICE's SDK page for ClientManagementApi) declares the `asc_auth_key` scheme on
its six operations and configures it with `setApiKey('asc_auth_key', KEY)`; in Python that is
`Configuration(host=URL, api_key={"asc_auth_key": KEY})`. SDK 3.7.0 (installed for
test_official_sdk.py) declares `x-signature` instead, so that configuration sends nothing
there; 3.6.0 declares `asc_auth_key` on every OAuth 2.0 operation, as the seed documents, and
is driven here with no per-call override at all.

3.6.0 and 3.7.0 cannot share a process: the module installs 3.6.0 once per machine
(`pip install --no-deps --target`, into a cache under the temporary directory) and runs
`_sdk_seed_driver.py` with `PYTHONPATH` on it, one driver process for the whole module,
talking JSON lines (each step: what the SDK returned or raised, and what it sent).

Every test but the first two runs with both credentials 3.6.0 can carry in that one slot:

- `api-key`: a local user's API key, `api_key={"asc_auth_key": KEY}` (the seed's very words);
- `x-signature`: a portal member's signature, `api_key={"asc_auth_key": SIGNATURE}`. 3.6.0's
  Configuration knows an `x-signature` scheme too, but no OAuth 2.0 operation declares it:
  a signature configured there is never sent (`test_the_x_signature_slot_sends_nothing`).

Either way 3.6.0 sends the credential as a cookie without a name (`Cookie: VALUE`:
`ApiClient._apply_auth_params` ignores a cookie scheme's name), which the server reads by its
shape (an API key, or a JWT: an x-signature). Where 3.6.0's models cannot hold the contract's
answers (pages, the scope catalogue), the test pins the SDK's parse error and checks the
answer through the SDK's own `*_without_preload_content` variant. The two bulk deletes are
not offered by 3.6.0; they go through its generic layer, with the scheme its operations
declare. Token effects are covered for 3.7.0 (same bytes on the wire) by test_official_sdk;
here one cheap end-to-end check per operation: the created secret gets tokens, a disabled
client cannot refresh, the regenerated secret (only) authenticates, deleted clients' secrets
no longer do, a revoked consent's token is inactive.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import LiveServer
from tests.docspace_contract._sdk_support import (
    CATALOGUE,
    SDK_DATETIME,
    SECRET,
    LocalTenant,
    create_fields,
    is_active,
    is_inactive,
    key_actor,
    new_local_tenant,
    portal_actor,
)
from tests.docspace_contract.conftest import Portal
from tests.oauth2.conftest import SCOPE, Actor, App, Kit

RELEASE = "3.6.0"
CACHE = Path(tempfile.gettempdir()) / f"docspace-oauth-sdk-{RELEASE}"
DRIVER = Path(__file__).with_name("_sdk_seed_driver.py")
USER_AGENT = f"OpenAPI-Generator/{RELEASE}/python"
ASC_AUTH_KEY = "asc_auth_key"
API_KEY, SIGNATURE = "api-key", "x-signature"
NEW_ORIGIN = "https://new.app.example.com"
ANSWER_TIMEOUT = 60.0

# The seed's table: its six operations, each declaring `asc_auth_key`.
SEED_OPERATIONS = {
    "change_activation": ("PATCH", "/api/2.0/clients/{clientId}/activation"),
    "create_client": ("POST", "/api/2.0/clients"),
    "delete_client": ("DELETE", "/api/2.0/clients/{clientId}"),
    "regenerate_secret": ("PATCH", "/api/2.0/clients/{clientId}/regenerate"),
    "revoke_user_client": ("DELETE", "/api/2.0/clients/{clientId}/revoke"),
    "update_client": ("PUT", "/api/2.0/clients/{clientId}"),
}
QUERYING_OPERATIONS = {
    "get_client": ("GET", "/api/2.0/clients/{clientId}"),
    "get_client_info": ("GET", "/api/2.0/clients/{clientId}/info"),
    "get_clients": ("GET", "/api/2.0/clients"),
    "get_clients_info": ("GET", "/api/2.0/clients/info"),
    "get_consents": ("GET", "/api/2.0/clients/consents"),
    "get_public_client_info": ("GET", "/api/2.0/clients/{clientId}/public/info"),
}


# Installing 3.6.0, and the driver that runs it.


class DriverError(RuntimeError):
    pass


def install(target: Path) -> None:
    """pip-install 3.6.0 alone (its dependencies are the test environment's) into `target`,
    through a staging directory renamed into place: a concurrent run sees all or nothing."""
    staging = Path(tempfile.mkdtemp(prefix=f"{target.name}-staging-", dir=target.parent))
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "--target",
        str(staging),
        f"docspace-api-sdk=={RELEASE}",
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=100, check=False)
    except subprocess.TimeoutExpired as exc:
        shutil.rmtree(staging, ignore_errors=True)
        pytest.fail(f"installing docspace-api-sdk {RELEASE} timed out: {exc}")
    if done.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        pytest.fail(f"installing docspace-api-sdk {RELEASE} failed:\n{done.stdout}{done.stderr}")
    try:
        staging.rename(target)
    except OSError:  # another run put it in place meanwhile
        shutil.rmtree(staging, ignore_errors=True)


@dataclass
class Result:
    """One step's report from the driver."""

    returned: Any
    error: dict[str, Any] | None
    wire: list[dict[str, Any]]

    @property
    def value(self) -> Any:
        assert self.error is None, self.error
        return self.returned

    @property
    def sent(self) -> dict[str, Any]:
        """The one request the step put on the wire."""
        assert len(self.wire) == 1, self.wire
        return self.wire[0]

    def raised(self, name: str, status: int | None = None) -> dict[str, Any]:
        assert self.error is not None, self.returned
        assert self.error["class"] == name, self.error
        if status is not None:
            assert self.error["status"] == status, self.error
        return self.error


class SeedRelease:
    """The driver process: 3.6.0 imported from `target`, steps in, reports out."""

    def __init__(self, target: Path) -> None:
        self.target = target
        # The driver's stderr (closed in stop()): read when it dies.
        self.log: IO[str] = tempfile.TemporaryFile("w+")  # noqa: SIM115
        env = {**os.environ, "PYTHONPATH": str(target)}
        self.process = subprocess.Popen(
            [sys.executable, str(DRIVER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        try:
            self.hello: dict[str, Any] = self._answer()
        except DriverError:
            self.stop()
            raise
        self.operations: dict[str, str] = {
            operation: api
            for api, operations in self.hello["operations"].items()
            for operation in operations
        }

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put("")

    def _answer(self) -> dict[str, Any]:
        try:
            line = self.lines.get(timeout=ANSWER_TIMEOUT)
        except queue.Empty:
            raise DriverError(f"the driver did not answer in {ANSWER_TIMEOUT}s") from None
        if not line:
            self.process.wait(timeout=10)
            self.log.seek(0)
            raise DriverError(f"the driver exited ({self.process.returncode}):\n{self.log.read()}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def run(self, *steps: dict[str, Any]) -> list[Result]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(steps) + "\n")
        self.process.stdin.flush()
        answer = self._answer()
        assert "crash" not in answer, answer["crash"]
        return [Result(**result) for result in answer["results"]]

    def configure(
        self, host: str, api_key: dict[str, str] | None, actor: Actor | None = None
    ) -> Member:
        """A member with `Configuration(host=host, api_key=api_key)` of its own."""
        member = Member(self, f"member-{uuid.uuid4()}", api_key, actor)
        step: dict[str, Any] = {"do": "configure", "as": member.name, "host": host}
        if api_key is not None:
            step["api_key"] = api_key
        member.auth_settings = self.run(step)[0].value
        return member

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@dataclass
class Member:
    """One integrator's 3.6.0 SDK in the driver, and who it is at the browser."""

    release: SeedRelease
    name: str
    api_key: dict[str, str] | None
    actor: Actor | None
    auth_settings: Any = None

    @property
    def credential(self) -> str:
        assert self.api_key is not None
        return self.api_key[ASC_AUTH_KEY]

    def op(self, operation: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """A step: the SDK operation (or one of its variants), with its own arguments only."""
        base = operation.removesuffix("_with_http_info").removesuffix("_without_preload_content")
        return {
            "do": "call",
            "as": self.name,
            "api": self.release.operations[base],
            "operation": operation,
            "args": list(args),
            "kwargs": kwargs,
        }

    def call(self, operation: str, *args: Any, **kwargs: Any) -> Result:
        return self.release.run(self.op(operation, *args, **kwargs))[0]

    def call_generic(self, method: str, path: str) -> Result:
        return self.release.run(self.generic(method, path))[0]

    def generic(self, method: str, path: str) -> dict[str, Any]:
        """A step for an operation 3.6.0 lacks: through its generic layer, declaring the
        scheme its OAuth 2.0 operations declare, with their response types."""
        return {
            "do": "generic",
            "as": self.name,
            "method": method,
            "path": path,
            "auth_settings": [ASC_AUTH_KEY],
            "response_types": {
                "200": "object",
                **{status: "ErrorResponse" for status in ("400", "403", "429", "500")},
            },
        }


@pytest.fixture(scope="module")
def seed_release() -> Iterator[SeedRelease]:
    """3.6.0, installed on first use and reused while it imports as 3.6.0."""
    if not (CACHE / "docspace_api_sdk" / "__init__.py").is_file():
        install(CACHE)
    release: SeedRelease | None = None
    with contextlib.suppress(DriverError):  # reported below: install afresh
        release = SeedRelease(CACHE)
    if release is not None and release.hello["version"] != RELEASE:
        release.stop()
        release = None
    if release is None:  # a cache that does not import as 3.6.0: install afresh
        shutil.rmtree(CACHE, ignore_errors=True)
        install(CACHE)
        try:
            release = SeedRelease(CACHE)
        except DriverError as exc:
            pytest.fail(f"docspace-api-sdk {RELEASE} does not run from {CACHE}: {exc}")
    try:
        yield release
    finally:
        release.stop()


# Who calls.


def model(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """An SDK model as an argument: built in the driver, from 3.6.0's classes."""
    return {"$model": kind, "fields": fields}


def moment(value: str) -> dict[str, Any]:
    """A datetime as an argument (the SDK formats it itself)."""
    return {"$datetime": value}


def seeded(release: SeedRelease, live: LiveServer, credential: str, actor: Actor) -> Member:
    """Configured exactly as the seed shows: `setApiKey('asc_auth_key', KEY)`."""
    return release.configure(live.url, {ASC_AUTH_KEY: credential}, actor)


@dataclass
class Cast:
    configuration: str  # what the asc_auth_key slot holds: API_KEY or SIGNATURE
    tenant_id: int
    admin: Member
    user: Member

    @property
    def release(self) -> SeedRelease:
        return self.admin.release


@pytest.fixture
def kit(live_server: LiveServer) -> Kit:
    return Kit(live_server)


@pytest.fixture(scope="module")
def local_tenant(live_server: LiveServer) -> LocalTenant:
    """A tenant of its own for the API keys, so that bulk deletes stay out of tenants 1, 2."""
    return new_local_tenant(live_server)


@pytest.fixture(params=[API_KEY, SIGNATURE])
def cast(
    request: pytest.FixtureRequest, live_server: LiveServer, seed_release: SeedRelease
) -> Cast:
    if request.param == API_KEY:
        tenant: LocalTenant = request.getfixturevalue("local_tenant")
        return Cast(
            API_KEY,
            tenant.tenant_id,
            seeded(
                seed_release,
                live_server,
                tenant.admin_key,
                key_actor(tenant.admin_key, tenant.tenant_id),
            ),
            seeded(
                seed_release,
                live_server,
                tenant.user_key,
                key_actor(tenant.user_key, tenant.tenant_id),
            ),
        )
    portal: Portal = request.getfixturevalue("portal")
    admin, user = portal.member("admin"), portal.member("user")
    return Cast(
        SIGNATURE,
        portal.tenant_id,
        seeded(seed_release, live_server, admin.signature, portal_actor(admin)),
        seeded(seed_release, live_server, user.signature, portal_actor(user)),
    )


# What the driver reports.


def fields_of(returned: Any, name: str) -> dict[str, Any]:
    """The fields of an SDK model the SDK returned, checking its class."""
    assert isinstance(returned, dict) and returned.get("$model") == name, returned
    fields: dict[str, Any] = returned["fields"]
    return fields


def http_body(returned: Any) -> Any:
    """The body of a `*_without_preload_content` answer (the urllib3 response)."""
    assert isinstance(returned, dict) and "$http" in returned, returned
    assert returned["$http"]["status"] == 200, returned
    return returned["$http"]["body"]


def assert_sent(
    result: Result, who: Member, method: str, path: str, body: Any = ..., query: Any = ...
) -> dict[str, Any]:
    """The one request of a step: the credential as a nameless cookie, and nothing else."""
    sent = result.sent
    url = urlsplit(sent["url"])
    assert (sent["method"], url.path) == (method, path)
    headers = sent["headers"]
    assert headers["Cookie"] == who.credential
    assert "Authorization" not in headers
    assert "x-signature" not in {name.lower() for name in headers}
    assert headers["User-Agent"] == USER_AGENT
    assert headers["Accept"] == "application/json"
    if body is not ...:
        assert headers["Content-Type"] == "application/json"
        assert json.loads(sent["body"]) == body
    else:
        assert sent["body"] is None
    if query is not ...:
        assert parse_qs(url.query) == query
    return sent


# 3.6.0 types its error answers as ErrorResponse (`{"reason": ...}`): our RFC 9457 document
# (type, title, status, detail, reason) parses into one that carries our detail as reason.
AS_ERROR_RESPONSE = object()


def assert_refused(
    result: Result, name: str, status: int, data: Any = AS_ERROR_RESPONSE
) -> dict[str, Any]:
    """An error answer: the SDK raises its exception, with our problem document as body and
    `data` parsed as the operation types that status (by default DocSpace's ErrorResponse,
    whose one field, reason, is our problem's detail; None where it types nothing)."""
    error = result.raised(name, status)
    assert error["headers"]["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = json.loads(error["body"])
    assert problem["status"] == status
    assert problem["reason"] == problem["detail"]
    if data is AS_ERROR_RESPONSE:
        data = {"$model": "ErrorResponse", "fields": {"reason": problem["detail"]}}
    assert error["data"] == data
    return problem


def same_moment(a: str | None, b: str | None) -> bool:
    return (
        a is not None and b is not None and datetime.fromisoformat(a) == datetime.fromisoformat(b)
    )


def assert_same_client(
    got: dict[str, Any], expected: dict[str, Any], *, but: tuple[str, ...] = ()
) -> None:
    for name in expected:
        if name in but:
            continue
        if name in ("created_on", "modified_on"):
            assert same_moment(got[name], expected[name]), name
        else:
            assert got[name] == expected[name], name


def create(who: Member, **overrides: Any) -> tuple[App, dict[str, Any], Result]:
    """create_client, as the seed calls it; the client as its developer holds it."""
    fields = create_fields(**overrides)
    result = who.call("create_client", model("CreateClientRequest", fields))
    created = fields_of(result.value, "ClientResponse")
    assert who.actor is not None
    return App(created["client_id"], created["client_secret"], who.actor), created, result


def listed(who: Member, operation: str, limit: int = 50) -> tuple[list[Any], list[Result]]:
    """Every page of a listing, following its cursor back through the SDK."""
    pages: list[Any] = []
    results: list[Result] = []
    cursor: dict[str, Any] = {}
    while True:
        result = who.call(f"{operation}_without_preload_content", limit=limit, **cursor)
        results.append(result)
        page = http_body(result.value)
        pages.append(page)
        if page["last_client_id"] is None:
            return pages, results
        cursor = {
            "last_client_id": page["last_client_id"],
            "last_created_on": moment(page["last_created_on"]),
        }


def assert_dict_typed_page(result: Result, name: str) -> None:
    """3.6.0 types a page's `data` as Dict[str, Any]; the contract's holds a list."""
    error = result.raised("ValidationError")
    assert error["title"] == name
    assert [(e["loc"], e["type"], e["input_type"]) for e in error["errors"]] == [
        (["data"], "dict_type", "list")
    ]


def introspection_status(kit: Kit, client_id: str, secret: str) -> int:
    """Whether the token endpoints take the secret (any token: only the client's auth)."""
    return httpx.post(
        f"{kit.base}/oauth2/introspect",
        data={"token": "not-a-token"},
        auth=(client_id, secret),
        timeout=30,
    ).status_code


# The release itself.


def test_the_seed_release_declares_asc_auth_key(seed_release: SeedRelease) -> None:
    """The driver runs 3.6.0 from the cache, and its OAuth 2.0 operations are the seed's:
    the same six management operations, each declaring `asc_auth_key`, as do the querying
    and scope operations; the public info declares nothing. It has no bulk deletes."""
    hello = seed_release.hello
    assert hello["version"] == RELEASE
    assert Path(hello["file"]).is_relative_to(CACHE)
    assert hello["user_agent"] == USER_AGENT
    operations = hello["operations"]
    management = operations["ClientManagementApi"]
    assert {name: (op["method"], op["path"]) for name, op in management.items()} == (
        SEED_OPERATIONS
    )
    assert {op_name: op["auth"] for op_name, op in management.items()} == {
        name: [ASC_AUTH_KEY] for name in SEED_OPERATIONS
    }
    assert "delete_user_clients" not in management
    assert "delete_tenant_clients" not in management
    querying = operations["ClientQueryingApi"]
    assert {name: (op["method"], op["path"]) for name, op in querying.items()} == (
        QUERYING_OPERATIONS
    )
    assert {name: op["auth"] for name, op in querying.items()} == {
        name: [] if name == "get_public_client_info" else [ASC_AUTH_KEY]
        for name in QUERYING_OPERATIONS
    }
    assert operations["ScopeManagementApi"] == {
        "get_scopes": {"method": "GET", "path": "/api/2.0/scopes", "auth": [ASC_AUTH_KEY]}
    }


def test_the_x_signature_slot_sends_nothing(
    seed_release: SeedRelease, live_server: LiveServer, portal: Portal
) -> None:
    """3.6.0's Configuration has an `x-signature` scheme, but no OAuth 2.0 operation
    declares it: a signature configured there never leaves. In the `asc_auth_key` slot (the
    one its operations send) the same signature goes out as `Cookie: SIGNATURE`."""
    member = portal.member("admin")
    signature = member.signature
    slot = seed_release.configure(live_server.url, {"x-signature": signature})
    assert slot.auth_settings == {
        "x-signature": {"type": "api_key", "in": "cookie", "key": "x-signature", "value": signature}
    }
    nobody = seed_release.configure(live_server.url, None)
    assert nobody.auth_settings == {}
    request = model("CreateClientRequest", create_fields())
    seed = seeded(seed_release, live_server, signature, portal_actor(member))
    assert seed.auth_settings == {
        ASC_AUTH_KEY: {"type": "api_key", "in": "cookie", "key": ASC_AUTH_KEY, "value": signature}
    }
    in_slot, without, in_seed_slot = seed_release.run(
        slot.op("create_client", request),
        nobody.op("create_client", request),
        seed.op("create_client", request),
    )
    for refused in (in_slot, without):
        assert_refused(refused, "ForbiddenException", 403)
        assert "Cookie" not in refused.sent["headers"]
        assert "x-signature" not in {name.lower() for name in refused.sent["headers"]}
    created = fields_of(in_seed_slot.value, "ClientResponse")
    assert_sent(in_seed_slot, seed, "POST", "/api/2.0/clients", request["fields"])
    assert created["tenant"] == portal.tenant_id
    assert created["created_by"] == member.user_id


# The seed's six operations.


def test_create_client(cast: Cast, kit: Kit) -> None:
    fields = create_fields()
    app, created, result = create(cast.admin, **fields)
    assert_sent(result, cast.admin, "POST", "/api/2.0/clients", fields)
    assert result.sent["status"] == 201
    assert uuid.UUID(created["client_id"])
    assert created["client_secret"] and SECRET.match(created["client_secret"])
    assert created["tenant"] == cast.tenant_id
    assert created["enabled"] is True
    assert created["is_public"] is False
    for name in (
        "name",
        "description",
        "logo",
        "scopes",
        "website_url",
        "terms_url",
        "policy_url",
        "redirect_uris",
        "allowed_origins",
    ):
        assert created[name] == fields[name], name
    assert created["logout_redirect_uris"] == [fields["logout_redirect_uri"]]
    assert created["authentication_methods"] == ["client_secret_post"]
    assert datetime.fromisoformat(created["created_on"]).utcoffset() is not None
    assert same_moment(created["modified_on"], created["created_on"])
    assert created["created_by"] == created["modified_by"]
    if cast.configuration == SIGNATURE:
        assert cast.admin.actor is not None
        assert created["created_by"] == cast.admin.actor.user_id

    # End to end: the secret 3.6.0 returned is the client's at /oauth2/token (Authlib's
    # authorization code flow with client_secret_basic, then a refresh).
    assert cast.user.actor is not None
    tokens = kit.tokens(app, cast.user.actor)
    assert set(tokens["scope"].split()) == set(SCOPE.split())
    assert is_active(kit, tokens["access_token"], app)
    assert kit.refresh(app, tokens["refresh_token"]).status_code == 200


def test_update_client(cast: Cast) -> None:
    app, created, _ = create(cast.admin)
    request = model(
        "UpdateClientRequest",
        {
            "name": "Renamed by SDK 3.6.0",
            "description": "Updated with docspace-api-sdk 3.6.0",
            "allow_pkce": True,
            "allowed_origins": [NEW_ORIGIN],
        },
    )
    updated, got, public = cast.release.run(
        cast.admin.op("update_client", app.client_id, request),
        cast.admin.op("get_client", app.client_id),
        cast.admin.op("get_public_client_info", app.client_id),
    )
    assert_sent(updated, cast.admin, "PUT", f"/api/2.0/clients/{app.client_id}", request["fields"])
    # Typed `object`: the client as JSON.
    answer = updated.value
    assert answer["client_id"] == app.client_id
    assert answer["client_secret"] is None
    assert answer["name"] == "Renamed by SDK 3.6.0"
    assert answer["description"] == "Updated with docspace-api-sdk 3.6.0"
    assert answer["allowed_origins"] == [NEW_ORIGIN]
    assert answer["authentication_methods"] == ["client_secret_post", "none"]
    assert_same_client(
        answer,
        created,
        but=(
            "client_secret",
            "name",
            "description",
            "allowed_origins",
            "authentication_methods",
            "modified_on",
        ),
    )
    assert datetime.fromisoformat(answer["modified_on"]) >= datetime.fromisoformat(
        created["modified_on"]
    )
    assert_same_client(answer, fields_of(got.value, "ClientResponse"))
    assert fields_of(public.value, "ClientInfoResponse")["name"] == "Renamed by SDK 3.6.0"


def test_change_activation(cast: Cast, kit: Kit) -> None:
    app, _, _ = create(cast.admin)
    assert cast.user.actor is not None
    tokens = kit.tokens(app, cast.user.actor)
    path = f"/api/2.0/clients/{app.client_id}/activation"
    off, off_read = cast.release.run(
        cast.admin.op(
            "change_activation",
            app.client_id,
            model("ChangeClientActivationRequest", {"status": False}),
        ),
        cast.admin.op("get_client", app.client_id),
    )
    assert_sent(off, cast.admin, "PATCH", path, {"status": False})
    assert off.value == {"client_id": app.client_id, "enabled": False}
    assert fields_of(off_read.value, "ClientResponse")["enabled"] is False
    refused = kit.refresh(app, tokens["refresh_token"])
    assert refused.status_code == 400
    assert refused.json()["error"] == "unauthorized_client"

    on, on_read = cast.release.run(
        cast.admin.op(
            "change_activation",
            app.client_id,
            model("ChangeClientActivationRequest", {"status": True}),
        ),
        cast.admin.op("get_client", app.client_id),
    )
    assert_sent(on, cast.admin, "PATCH", path, {"status": True})
    assert on.value == {"client_id": app.client_id, "enabled": True}
    assert fields_of(on_read.value, "ClientResponse")["enabled"] is True
    assert kit.refresh(app, tokens["refresh_token"]).status_code == 200


def test_regenerate_secret(cast: Cast, kit: Kit) -> None:
    app, _, _ = create(cast.admin)
    result = cast.admin.call("regenerate_secret", app.client_id)
    assert_sent(result, cast.admin, "PATCH", f"/api/2.0/clients/{app.client_id}/regenerate")
    # 3.6.0's model holds the secret alone (our answer also has previous_secret_expires_at).
    regenerated = fields_of(result.value, "ClientSecretResponse")
    assert set(regenerated) == {"client_secret"}
    new_secret = regenerated["client_secret"]
    assert new_secret and SECRET.match(new_secret)
    assert new_secret != app.secret
    # The new secret authenticates the client; the old one no longer does.
    assert introspection_status(kit, app.client_id, new_secret) == 200
    assert introspection_status(kit, app.client_id, app.secret) == 401


def test_delete_client(cast: Cast, kit: Kit) -> None:
    app, _, _ = create(cast.admin)
    deleted, got, public = cast.release.run(
        cast.admin.op("delete_client", app.client_id),
        cast.admin.op("get_client", app.client_id),
        cast.admin.op("get_public_client_info", app.client_id),
    )
    assert_sent(deleted, cast.admin, "DELETE", f"/api/2.0/clients/{app.client_id}")
    assert deleted.sent["status"] == 200
    assert deleted.value == {"client_id": app.client_id}
    assert_refused(got, "NotFoundException", 404)
    # get_public_client_info types no 404 answer: the SDK raises, with no data.
    assert_refused(public, "NotFoundException", 404, data=None)
    assert introspection_status(kit, app.client_id, app.secret) == 401


def test_revoke_user_client(cast: Cast, kit: Kit) -> None:
    """The user's consent goes (and its tokens with it); the client stays."""
    app, _, _ = create(cast.admin)
    assert cast.user.actor is not None
    tokens = kit.tokens(app, cast.user.actor)
    before, revoked, after, still = cast.release.run(
        cast.user.op("get_consents_without_preload_content", limit=50),
        cast.user.op("revoke_user_client", app.client_id),
        cast.user.op("get_consents_without_preload_content", limit=50),
        cast.admin.op("get_client", app.client_id),
    )
    assert app.client_id in {c["registered_client_id"] for c in http_body(before.value)["data"]}
    assert_sent(revoked, cast.user, "DELETE", f"/api/2.0/clients/{app.client_id}/revoke")
    assert revoked.sent["status"] == 200
    assert revoked.value == {"client_id": app.client_id}
    assert app.client_id not in {c["registered_client_id"] for c in http_body(after.value)["data"]}
    assert fields_of(still.value, "ClientResponse")["client_id"] == app.client_id
    assert is_inactive(kit, tokens["access_token"], app)


# The querying siblings.


def test_get_client(cast: Cast) -> None:
    app, created, _ = create(cast.admin)
    mine, theirs = cast.release.run(
        cast.admin.op("get_client_with_http_info", app.client_id),
        cast.user.op("get_client", app.client_id),
    )
    assert_sent(mine, cast.admin, "GET", f"/api/2.0/clients/{app.client_id}")
    answer = mine.value["$api_response"]
    assert answer["status_code"] == 200
    got = fields_of(answer["data"], "ClientResponse")
    assert got["client_secret"] is None  # shown once, at creation
    assert answer["raw"]["client_secret"] is None
    # What 3.6.0's ClientResponse has no field for (nothing of it is lost the other way).
    assert set(answer["raw"]) - set(got) == {"allow_pkce", "grant_types"}
    assert set(got) <= set(answer["raw"])
    assert_same_client(got, created, but=("client_secret",))
    # A plain user does not see another user's client: 404, as if it did not exist.
    assert_sent(theirs, cast.user, "GET", f"/api/2.0/clients/{app.client_id}")
    assert_refused(theirs, "NotFoundException", 404)


def assert_info_of(info: dict[str, Any], client: dict[str, Any]) -> None:
    assert set(info) == {
        "name",
        "description",
        "scopes",
        "client_id",
        "website_url",
        "terms_url",
        "policy_url",
        "logo",
        "authentication_methods",
        "is_public",
        "created_on",
        "created_by",
        "modified_on",
        "modified_by",
    }
    assert_same_client(info, {name: client[name] for name in info})


def test_get_client_info(cast: Cast) -> None:
    app, created, _ = create(cast.admin)
    result = cast.admin.call("get_client_info_with_http_info", app.client_id)
    assert_sent(result, cast.admin, "GET", f"/api/2.0/clients/{app.client_id}/info")
    answer = result.value["$api_response"]
    assert_info_of(fields_of(answer["data"], "ClientInfoResponse"), created)
    assert "client_secret" not in answer["raw"]


def test_get_public_client_info(cast: Cast, live_server: LiveServer) -> None:
    """The operation declares no scheme: nothing is sent, by a configured SDK or a bare one."""
    app, created, _ = create(cast.admin)
    nobody = cast.release.configure(live_server.url, None)
    configured, bare = cast.release.run(
        cast.admin.op("get_public_client_info", app.client_id),
        nobody.op("get_public_client_info", app.client_id),
    )
    for result in (configured, bare):
        sent = result.sent
        assert urlsplit(sent["url"]).path == f"/api/2.0/clients/{app.client_id}/public/info"
        assert "Cookie" not in sent["headers"]
        assert_info_of(fields_of(result.value, "ClientInfoResponse"), created)
    assert configured.value == bare.value


def assert_cursor(results: list[Result], who: Member, path: str, pages: list[Any]) -> None:
    """Pages of two, the cursor sent back as the SDK formats it."""
    assert len(pages) >= 2
    for page in pages[:-1]:
        assert page["limit"] == 2
        assert page["last_client_id"] == page["data"][-1]["client_id"]
        assert same_moment(page["last_created_on"], page["data"][-1]["created_on"])
    assert (pages[-1]["last_client_id"], pages[-1]["last_created_on"]) == (None, None)
    for number, result in enumerate(results):
        sent = assert_sent(result, who, "GET", path)
        query = parse_qs(urlsplit(sent["url"]).query)
        assert query["limit"] == ["2"]
        if number:
            assert query["last_client_id"] == [pages[number - 1]["last_client_id"]]
            assert SDK_DATETIME.match(query["last_created_on"][0]), sent["url"]


def test_get_clients(cast: Cast) -> None:
    mine = [create(cast.admin)[1] for _ in range(3)]
    typed = cast.admin.call("get_clients", limit=2)
    assert_sent(typed, cast.admin, "GET", "/api/2.0/clients", query={"limit": ["2"]})
    assert_dict_typed_page(typed, "PageableResponse")

    pages, results = listed(cast.admin, "get_clients", limit=2)
    assert_cursor(results, cast.admin, "/api/2.0/clients", pages)
    items = [item for page in pages for item in page["data"]]
    ids = [item["client_id"] for item in items]
    assert len(ids) == len(set(ids))
    ours = [client["client_id"] for client in mine]
    assert [i for i in ids if i in ours] == ours[::-1]  # newest first
    if cast.configuration == SIGNATURE:  # a fresh portal: nothing but ours
        assert ids == ours[::-1]
    by_id = {item["client_id"]: item for item in items}
    for client in mine:
        assert_same_client(by_id[client["client_id"]], client, but=("client_secret",))
    # A plain user lists only its own.
    theirs, _ = listed(cast.user, "get_clients")
    assert not {item["client_id"] for page in theirs for item in page["data"]} & set(ours)


def test_get_clients_info(cast: Cast) -> None:
    mine = [create(cast.admin)[1] for _ in range(3)]
    typed = cast.admin.call("get_clients_info", limit=2)
    assert_sent(typed, cast.admin, "GET", "/api/2.0/clients/info", query={"limit": ["2"]})
    assert_dict_typed_page(typed, "PageableResponseClientInfoResponse")

    pages, results = listed(cast.admin, "get_clients_info", limit=2)
    assert_cursor(results, cast.admin, "/api/2.0/clients/info", pages)
    by_id = {item["client_id"]: item for page in pages for item in page["data"]}
    for client in mine:
        info = by_id[client["client_id"]]
        assert "client_secret" not in info
        assert_same_client(info, {name: client[name] for name in info})


def test_get_consents(cast: Cast, kit: Kit) -> None:
    first, _, _ = create(cast.admin)
    second, second_created, _ = create(cast.admin)
    assert cast.user.actor is not None
    kit.tokens(first, cast.user.actor)
    kit.tokens(second, cast.user.actor)

    typed, raw = cast.release.run(
        cast.user.op("get_consents", limit=1),
        cast.user.op("get_consents_without_preload_content", limit=1),
    )
    assert_sent(typed, cast.user, "GET", "/api/2.0/clients/consents", query={"limit": ["1"]})
    assert_dict_typed_page(typed, "PageableModificationResponse")
    page = http_body(raw.value)
    assert page["limit"] == 1
    [newest] = page["data"]
    assert newest["registered_client_id"] == second.client_id
    assert set(newest["scopes"].split()) == set(SCOPE.split())
    assert_same_client(newest["client"], {name: second_created[name] for name in newest["client"]})
    assert page["last_modified_on"] is not None
    # The next page, with the SDK's time-only cursor.
    following = cast.user.call(
        "get_consents_without_preload_content",
        limit=1,
        last_modified_on=moment(page["last_modified_on"]),
    )
    sent = assert_sent(following, cast.user, "GET", "/api/2.0/clients/consents")
    assert SDK_DATETIME.match(parse_qs(urlsplit(sent["url"]).query)["last_modified_on"][0])
    assert [c["registered_client_id"] for c in http_body(following.value)["data"]] == [
        first.client_id
    ]


def test_get_scopes(cast: Cast) -> None:
    typed, raw = cast.release.run(
        cast.admin.op("get_scopes"), cast.admin.op("get_scopes_without_preload_content")
    )
    # 3.6.0 declares the answer as one ScopeResponse; the contract's is an array.
    assert_sent(typed, cast.admin, "GET", "/api/2.0/scopes")
    error = typed.raised("ValidationError")
    assert error["title"] == "ScopeResponse"
    assert [(e["loc"], e["type"]) for e in error["errors"]] == [([], "model_type")]
    assert http_body(raw.value) == CATALOGUE


# The bulk deletes 3.6.0 does not offer, through its generic layer.


def test_delete_user_clients(cast: Cast, kit: Kit) -> None:
    """The caller's own clients go; nobody else's."""
    assert "delete_user_clients" not in cast.release.operations
    before, _ = listed(cast.user, "get_clients")
    doomed = [create(cast.user)[0] for _ in range(2)]
    kept, _, _ = create(cast.admin)

    deleted, gone, there = cast.release.run(
        cast.user.generic("DELETE", "/api/2.0/clients"),
        cast.admin.op("get_client", doomed[0].client_id),
        cast.admin.op("get_client", kept.client_id),
    )
    assert_sent(deleted, cast.user, "DELETE", "/api/2.0/clients")
    assert deleted.value == {"deleted": sum(len(page["data"]) for page in before) + 2}
    assert_refused(gone, "NotFoundException", 404)
    assert fields_of(there.value, "ClientResponse")["client_id"] == kept.client_id
    after, _ = listed(cast.user, "get_clients")
    assert [page["data"] for page in after] == [[]]
    for app in doomed:
        assert introspection_status(kit, app.client_id, app.secret) == 401


def test_delete_tenant_clients(cast: Cast, kit: Kit) -> None:
    """Admins only; the whole tenant, and no other."""
    assert "delete_tenant_clients" not in cast.release.operations
    apps = [create(cast.admin)[0], create(cast.user)[0]]
    elsewhere = kit.register()  # another tenant's client

    refused = cast.user.call_generic("DELETE", "/api/2.0/clients/tenant")
    assert_sent(refused, cast.user, "DELETE", "/api/2.0/clients/tenant")
    assert_refused(refused, "ForbiddenException", 403)
    present, _ = listed(cast.admin, "get_clients")
    count = sum(len(page["data"]) for page in present)
    assert count >= len(apps)

    deleted = cast.admin.call_generic("DELETE", "/api/2.0/clients/tenant")
    assert_sent(deleted, cast.admin, "DELETE", "/api/2.0/clients/tenant")
    assert deleted.value == {"deleted": count}
    after, _ = listed(cast.admin, "get_clients")
    assert [page["data"] for page in after] == [[]]
    for app in apps:
        assert introspection_status(kit, app.client_id, app.secret) == 401
    assert introspection_status(kit, elsewhere.client_id, elsewhere.secret) == 200
