"""Every management route x every kind of caller: who is let in, who is turned away, and that
a caller turned away changed nothing.

Each cell is a request by one caller to one route, aimed at a client that the tenant's plain
user created (and that the user and a portal user have consented to). The expectations are
the contract's role table (docspace-wire-contract.md, "Callers and roles"). A denied cell
answers what the contract says (403 for missing or wrong credentials, with the
authentication-required problem type; 404 where existence must not leak; 403 where the
contract refuses the role, guests first of all), and the tenant's client and consent rows are
the same after it as before, column for column. An allowed cell answers its 2xx, and changes
the tenant only where the route exists to change it.

New management routes join by adding rows to ROUTES; the test fails when the OpenAPI
document lists a management operation the table does not cover. The authorization server's
endpoints are called by clients and with tokens, not by people: their rows are in
test_isolation_oauth.py.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from docspace_oauth.models import Client, Consent
from tests.conftest import signature
from tests.factory import AUTHENTICATION_REQUIRED, BASES, client_body
from tests.hardening.conftest import MATRIX_TENANT, OTHER_TENANT, async_http, snapshot

TENANT_MEMBERS = ("owner", "admin", "user", "user2", "guest")
OTHERS = ("other_admin", "other_user")
BAD_CREDENTIALS = (
    "forged_signature",
    "expired_signature",
    "revoked_key",
    "expired_key",
    "unknown_key",
)
UNAUTHENTICATED = ("anonymous", *BAD_CREDENTIALS)
CALLERS = (*TENANT_MEMBERS, *OTHERS, *UNAUTHENTICATED)


def _everyone(status: int) -> dict[str, int]:
    return {name: status for name in (*TENANT_MEMBERS, *OTHERS)}


def _authenticated(expect: Mapping[str, int]) -> dict[str, int]:
    """Anonymous and every bad credential: 403 (DocSpace's answer), whatever the route."""
    return {**expect, **{name: 403 for name in UNAUTHENTICATED}}


def _members(status: int) -> dict[str, int]:
    """Users and admins of either tenant answer `status`; a guest is refused (403) first."""
    return {**_everyone(status), "guest": 403}


def _admins(status: int) -> dict[str, int]:
    """Admin-only routes: the admins of either tenant answer `status`, everyone else 403."""
    return _authenticated(
        {
            "owner": status,
            "admin": status,
            "user": 403,
            "user2": 403,
            "guest": 403,
            "other_admin": status,
            "other_user": 403,
        }
    )


# The managers of the target client: its creator and the tenant's admins. Another user, and
# anyone of another tenant, get a 404; a guest is refused by its role before any lookup.
MANAGE = _authenticated(
    {
        "owner": 200,
        "admin": 200,
        "user": 200,
        "user2": 404,
        "guest": 403,
        "other_admin": 404,
        "other_user": 404,
    }
)


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str  # "{id}" is the target client
    expect: Mapping[str, int]
    body: Any = None
    # Callers whose allowed call may change the target tenant's rows, and how to check it.
    changes: Mapping[str, Callable[[dict, dict, dict], None]] = field(default_factory=dict)


def _unchanged(before: dict, after: dict, ctx: dict) -> None:
    assert before == after


def _client_changed(before: dict, after: dict, ctx: dict) -> None:
    assert before["consents"] == after["consents"]
    assert before["clients"] != after["clients"]
    assert {row[0] for row in after["clients"]} == {row[0] for row in before["clients"]}


def _client_gone(before: dict, after: dict, ctx: dict) -> None:
    assert ctx["target"] not in {row[0] for row in after["clients"]}
    assert all(row[0] != ctx["target"] for row in after["consents"])


def _one_client_added(before: dict, after: dict, ctx: dict) -> None:
    added = set(after["clients"]) - set(before["clients"])
    assert len(added) == 1
    assert set(before["clients"]) <= set(after["clients"])
    assert before["consents"] == after["consents"]


def _own_consent_revoked(before: dict, after: dict, ctx: dict) -> None:
    changed = set(after["consents"]) - set(before["consents"])
    assert before["clients"] == after["clients"]
    assert [row[1] for row in changed] == [ctx["user_id"]]  # only the caller's own consent


def _tenant_emptied(before: dict, after: dict, ctx: dict) -> None:
    assert after == {"clients": [], "consents": []}


def _client_routes(base: str) -> list[Route]:
    members = {name: _one_client_added for name in ("owner", "admin", "user", "user2")}
    return [
        Route(
            "create",
            "POST",
            base,
            _authenticated(_members(201)),
            body=client_body,
            changes=members,
        ),
        Route("list", "GET", base, _authenticated(_members(200))),
        Route("list_info", "GET", f"{base}/info", _authenticated(_members(200))),
        Route("consents", "GET", f"{base}/consents", _authenticated(_members(200))),
        Route(
            "delete_own",
            "DELETE",
            base,
            _authenticated(_members(200)),
            changes={"user": _client_gone},
        ),
        Route(
            "delete_tenant",
            "DELETE",
            f"{base}/tenant",
            _authenticated(
                {
                    "owner": 200,
                    "admin": 200,
                    "user": 403,
                    "user2": 403,
                    "guest": 403,
                    "other_admin": 200,
                    "other_user": 403,
                }
            ),
            changes={"owner": _tenant_emptied, "admin": _tenant_emptied},
        ),
        Route("get", "GET", f"{base}/{{id}}", MANAGE),
        Route(
            "update",
            "PUT",
            f"{base}/{{id}}",
            MANAGE,
            body={"name": "Changed by a caller"},
            changes={name: _client_changed for name in ("owner", "admin", "user")},
        ),
        Route(
            "activation",
            "PATCH",
            f"{base}/{{id}}/activation",
            MANAGE,
            body={"status": False},
            changes={name: _client_changed for name in ("owner", "admin", "user")},
        ),
        Route(
            "regenerate",
            "PATCH",
            f"{base}/{{id}}/regenerate",
            MANAGE,
            changes={name: _client_changed for name in ("owner", "admin", "user")},
        ),
        Route(
            "delete",
            "DELETE",
            f"{base}/{{id}}",
            MANAGE,
            changes={name: _client_gone for name in ("owner", "admin", "user")},
        ),
        # Revoking does not look the client up: 200 for everyone, guests and other tenants
        # included, and only the caller's own consent in its own tenant moves.
        Route(
            "revoke",
            "DELETE",
            f"{base}/{{id}}/revoke",
            _authenticated(_everyone(200)),
            changes={"user": _own_consent_revoked},
        ),
        Route("info", "GET", f"{base}/{{id}}/info", MANAGE),
        Route(
            "public_info",
            "GET",
            f"{base}/{{id}}/public/info",
            # Bad credentials are refused even where none are needed; none at all is fine.
            {**_authenticated(_everyone(200)), "anonymous": 200},
        ),
    ]


ROUTES: list[Route] = [
    *(route for base in BASES for route in _client_routes(base)),
    Route("scopes", "GET", "/api/2.0/scopes", _authenticated(_everyone(200))),
    Route("scopes_alias", "GET", "/api/2.0/oauth2/scopes", _authenticated(_everyone(200))),
    Route("audit", "GET", "/api/2.0/audit", _admins(200)),
    # Registration (RFC 7591) and resources (RFC 8707): each tenant's admins, for their own
    # tenant only; none of it touches a client.
    Route("registration_policy", "GET", "/api/2.0/registration/policy", _admins(200)),
    Route(
        "set_registration_policy",
        "PUT",
        "/api/2.0/registration/policy",
        _admins(200),
        body={"mode": "token"},
    ),
    Route("issue_token", "POST", "/api/2.0/registration/tokens", _admins(201), body={}),
    Route("list_tokens", "GET", "/api/2.0/registration/tokens", _admins(200)),
    Route("withdraw_token", "DELETE", "/api/2.0/registration/tokens/{token_id}", _admins(404)),
    Route(
        "create_resource",
        "POST",
        "/api/2.0/resources",
        _admins(201),
        body=lambda: {
            "url": f"https://{uuid.uuid4().hex[:12]}.example.com/",
            "name": "A resource",
            "scopes": ["files:read"],
        },
    ),
    Route("list_resources", "GET", "/api/2.0/resources", _admins(200)),
    Route("delete_resource", "DELETE", "/api/2.0/resources/{resource_id}", _admins(404)),
    # Sign-in sessions: every caller lists its own (guests too; header callers have none),
    # admins their tenant's. No session has the literal id, so ending it is 404 for all.
    Route("sessions", "GET", "/api/2.0/sessions", _authenticated(_everyone(200))),
    Route(
        "tenant_sessions",
        "GET",
        "/api/2.0/sessions/tenant",
        _authenticated(
            {
                "owner": 200,
                "admin": 200,
                "user": 403,
                "user2": 403,
                "guest": 403,
                "other_admin": 200,
                "other_user": 403,
            }
        ),
    ),
    Route(
        "end_session", "DELETE", "/api/2.0/sessions/{session_id}", _authenticated(_everyone(404))
    ),
]
# Which (method, path template) of the OpenAPI document each row stands for.
_DOCUMENTED = {(r.method, r.path.replace("{id}", "{client_id}")) for r in ROUTES}


def _headers(cast, name: str) -> dict[str, str]:
    if name == "anonymous":
        return {}
    if name == "forged_signature":
        return {
            "x-signature": signature(
                str(uuid.uuid4()),
                MATRIX_TENANT,
                is_admin=True,
                secret="not-the-portal-secret-but-long-enough-32",
            )
        }
    if name == "expired_signature":
        return {
            "x-signature": signature(
                str(uuid.uuid4()), MATRIX_TENANT, is_admin=True, expires_in=-120
            )
        }
    if name == "unknown_key":
        return {"Authorization": f"Bearer dso_{secrets.token_urlsafe(32)}"}
    key = {"revoked_key": "revoked", "expired_key": "expired"}.get(name, name)
    return {"Authorization": f"Bearer {cast.keys[key]}"}


class World:
    """The matrix tenant as every cell starts it: one client of the plain user, consented to
    by that user and by a portal user, and nothing else in either tenant."""

    def __init__(self, live_server, db, cast) -> None:
        self.live_server, self.db, self.cast = live_server, db, cast
        self.target = ""
        self.baseline: dict | None = None
        self.portal_user = str(uuid.uuid4())

    async def reset(self) -> None:
        async with self.db() as session:
            await session.execute(
                delete(Client).where(Client.tenant_id.in_((MATRIX_TENANT, OTHER_TENANT)))
            )
            await session.commit()
        async with async_http(self.live_server, self.cast.keys["user"]) as http:
            response = await http.post(BASES[0], json=client_body())
            assert response.status_code == 201, response.text
            self.target = response.json()["client_id"]
        async with self.db() as session:
            for user_id in (self.cast.user_ids["user"], self.portal_user):
                session.add(
                    Consent(
                        client_id=self.target,
                        user_id=user_id,
                        tenant_id=MATRIX_TENANT,
                        scopes="openid files:read",
                        revoked=False,
                        generation=0,
                        modified_at=datetime.now(UTC),
                    )
                )
            await session.commit()
        self.baseline = await snapshot(self.db, (MATRIX_TENANT,))

    async def ready(self) -> dict:
        """The state a cell starts from, restored if an earlier allowed cell changed it."""
        current = await snapshot(self.db, (MATRIX_TENANT,))
        if current != self.baseline:
            await self.reset()
            current = await snapshot(self.db, (MATRIX_TENANT,))
        return current


@pytest.fixture(scope="session")
async def world(live_server, db, cast) -> World:
    world = World(live_server, db, cast)
    await world.reset()
    return world


def test_the_table_covers_every_documented_management_operation(live_server):
    spec = httpx.get(f"{live_server.url}/openapi.json").json()
    documented = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if path.startswith("/api/2.0/")
    }
    assert documented <= _DOCUMENTED, sorted(documented - _DOCUMENTED)
    for route in ROUTES:
        assert set(route.expect) == set(CALLERS), route.name


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r.method} {r.path}" for r in ROUTES])
async def test_route_against_every_caller(live_server, db, cast, world, route):
    failures = []
    async with async_http(live_server) as http:
        for name in CALLERS:
            before = await world.ready()
            body = route.body() if callable(route.body) else route.body
            response = await http.request(
                route.method,
                route.path.replace("{id}", world.target),
                json=body,
                headers=_headers(cast, name),
            )
            after = await snapshot(db, (MATRIX_TENANT,))
            expected = route.expect[name]
            try:
                assert response.status_code == expected, (response.status_code, response.text)
                if response.status_code >= 400:
                    assert response.headers["content-type"].startswith("application/problem+json")
                    if response.status_code == 403:
                        # Refused for its credentials, or for its role: the type tells which.
                        refused_credentials = response.json()["type"] == AUTHENTICATION_REQUIRED
                        assert refused_credentials == (name in UNAUTHENTICATED), response.text
                    _unchanged(before, after, {})  # denied: nothing moved
                else:
                    check = route.changes.get(name, _unchanged)
                    check(
                        before, after, {"target": world.target, "user_id": cast.user_ids.get(name)}
                    )
                    _no_leak(route, name, response, world, cast)
            except AssertionError as exc:
                failures.append(f"{route.method} {route.path} as {name}: {exc!r}"[:600])
    assert not failures, "\n".join(failures)


def _no_leak(route: Route, name: str, response: httpx.Response, world: World, cast) -> None:
    """An allowed read shows a caller only what is theirs to see."""
    body = response.json() if response.content else None
    if route.name in {"list", "list_info"}:
        ids = {c["client_id"] for c in body["data"]}
        sees_target = name in {"owner", "admin", "user"}
        assert (world.target in ids) == sees_target, (name, ids)
        if name in OTHERS:
            assert all(c.get("tenant", OTHER_TENANT) == OTHER_TENANT for c in body["data"])
    elif route.name == "consents":
        ids = {c["registered_client_id"] for c in body["data"]}
        assert ids == ({world.target} if name == "user" else set()), (name, ids)
    elif route.name in {"info", "public_info"}:
        assert body["client_id"] == world.target
        assert "client_secret" not in body
        assert "redirect_uris" not in body
    elif route.name == "audit" and name in OTHERS:
        assert all(e.get("tenant_id", OTHER_TENANT) == OTHER_TENANT for e in body["data"])
    elif route.name == "create":
        tenant = OTHER_TENANT if name in OTHERS else MATRIX_TENANT
        assert body["tenant"] == tenant
        assert body["created_by"] == cast.user_ids[name]
