"""The isolation matrix's OAuth rows: the authorization server's JSON endpoints x every kind of
caller, aimed at one victim's grant.

The management matrix (test_isolation_matrix.py) calls as people (API keys, x-signatures);
these endpoints are called by clients (HTTP Basic or form credentials) and with tokens, so
they get a table of their own. The victim is a confidential client of one tenant and the
grant one of that tenant's users gave it; each cell starts from a fresh grant (an access
token, its refresh token and, where the cell needs one, an unexchanged code) and is a
request by one caller:

- the victim client itself (the allowed cells), another client of the same tenant, a client
  of another tenant;
- no credentials, a wrong secret (Basic, and in the form), the secret of another client,
  an unknown client id, malformed Basic credentials.

A denied cell answers what RFC 6749 / 7009 / 7662 name (401 invalid_client, 400
invalid_grant, `{"active": false}`, a 200 that revokes nothing), and changes nothing: the
tenants' client and consent rows and the victim's token state (its grants, refresh tokens,
codes, and the revoked-token list) are the same after as before, column for column, and the
victim's tokens still introspect active. The exception is stated where it is: a code
presented by another client is spent (it leaked, so it is burnt), and that alone changes.

The userinfo table does the same for bearer tokens: the live one, and revoked, expired,
forged, tampered, foreign-issuer, wrong-type and missing ones.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt as pyjwt
import pytest
from joserfc import jwt as jose_jwt
from joserfc.jwk import ECKey
from sqlalchemy import select

from docspace_oauth.models import AuthorizationCode, RefreshToken, RevokedAccessToken, TokenFamily
from docspace_oauth.oauth2.keys import KeyStore
from tests.hardening.conftest import OAUTH_OTHER_TENANT, OAUTH_TENANT, _rows, snapshot
from tests.oauth2.conftest import REDIRECT, App, Kit, portal_user

ALL_GRANTS = ["authorization_code", "refresh_token", "client_credentials"]
CLIENT_CALLERS = (
    "victim",
    "same_tenant_client",
    "other_tenant_client",
    "anonymous",
    "wrong_secret",
    "wrong_secret_in_form",
    "another_clients_secret",
    "unknown_client",
    "malformed_basic",
)
BAD_CLIENT_CREDENTIALS = CLIENT_CALLERS[3:]


@dataclass
class Cast:
    kit: Kit
    victim: App
    same_tenant: App
    other_tenant: App
    keys: KeyStore


@dataclass
class Grant:
    """One fresh grant of the victim: what a cell aims at."""

    access: str
    refresh: str
    id_token: str
    user_id: str
    code: str = ""
    verifier: str = ""


def _basic(client_id: str, secret: str) -> dict[str, str]:
    value = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {value}"}


def _credentials(cast: Cast, caller: str) -> tuple[dict[str, str], dict[str, str]]:
    """(headers, form fields) that a caller authenticates with."""
    victim = cast.victim
    if caller == "victim":
        return _basic(victim.client_id, victim.secret), {}
    if caller == "same_tenant_client":
        return _basic(cast.same_tenant.client_id, cast.same_tenant.secret), {}
    if caller == "other_tenant_client":
        return _basic(cast.other_tenant.client_id, cast.other_tenant.secret), {}
    if caller == "anonymous":
        return {}, {}
    if caller == "wrong_secret":
        return _basic(victim.client_id, victim.secret[::-1]), {}
    if caller == "wrong_secret_in_form":
        return {}, {"client_id": victim.client_id, "client_secret": victim.secret[::-1]}
    if caller == "another_clients_secret":
        return _basic(victim.client_id, cast.same_tenant.secret), {}
    if caller == "unknown_client":
        return _basic(str(uuid.uuid4()), victim.secret), {}
    assert caller == "malformed_basic"
    return {"Authorization": "Basic not*base64"}, {}


Check = Callable[[httpx.Response, Grant, "Probe"], None]


@dataclass(frozen=True)
class Row:
    name: str
    path: str
    form: Callable[[Grant], dict[str, str]]
    # Per caller: the status, and what else the answer must show.
    expect: Mapping[str, tuple[int, Check]]
    needs_code: bool = False
    # Callers whose allowed call changes the victim's token state, and how to check it.
    changes: Mapping[str, Callable[[dict, dict, Grant], None]] = field(default_factory=dict)


class Probe:
    """What the victim's tokens look like to the victim, and the state behind them."""

    def __init__(self, cast: Cast, db: Any) -> None:
        self.cast, self.db = cast, db

    def active(self, token: str) -> bool:
        return bool(self.cast.kit.introspect(token, by=self.cast.victim)["active"])

    async def state(self) -> dict[str, Any]:
        client = self.cast.victim.client_id
        async with self.db() as session:
            state = {
                "families": _rows(
                    await session.execute(
                        select(TokenFamily.__table__).where(TokenFamily.client_id == client)
                    )
                ),
                "refresh": _rows(
                    await session.execute(
                        select(RefreshToken.__table__).where(RefreshToken.client_id == client)
                    )
                ),
                "codes": _rows(
                    await session.execute(
                        select(AuthorizationCode.__table__).where(
                            AuthorizationCode.client_id == client
                        )
                    )
                ),
                "revoked": _rows(await session.execute(select(RevokedAccessToken.__table__))),
            }
        return {**state, **await snapshot(self.db, (OAUTH_TENANT, OAUTH_OTHER_TENANT))}


# What an answer must show.


def _oauth_error(code: str) -> Check:
    def check(response: httpx.Response, grant: Grant, probe: Probe) -> None:
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["error"] == code, response.text
        assert response.headers["cache-control"] == "no-store"
        if response.status_code == 401:
            assert response.headers["www-authenticate"].startswith("Basic "), response.headers

    return check


INVALID_CLIENT = (401, _oauth_error("invalid_client"))
INVALID_GRANT = (400, _oauth_error("invalid_grant"))


def _introspected(active: bool) -> Check:
    def check(response: httpx.Response, grant: Grant, probe: Probe) -> None:
        body = response.json()
        if active:
            assert body["active"] is True, body
            assert body["cid"] == probe.cast.victim.client_id, body
        else:
            assert body == {"active": False}, body  # not a claim more

    return check


def _empty(response: httpx.Response, grant: Grant, probe: Probe) -> None:
    assert response.content == b"", response.content


def _issued(response: httpx.Response, grant: Grant, probe: Probe) -> None:
    body = response.json()
    assert body["access_token"] and body["refresh_token"], body
    claims = pyjwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["cid"] == probe.cast.victim.client_id
    assert claims["sub"] == grant.user_id


def _with_bad_credentials(expect: dict[str, tuple[int, Check]]) -> dict[str, tuple[int, Check]]:
    return {**expect, **{name: INVALID_CLIENT for name in BAD_CLIENT_CREDENTIALS}}


def _introspection(active_for_same_tenant: bool) -> dict[str, tuple[int, Check]]:
    return _with_bad_credentials(
        {
            "victim": (200, _introspected(True)),
            # RFC 7662 leaves it to the server: a resource server of the tenant may ask.
            "same_tenant_client": (200, _introspected(active_for_same_tenant)),
            "other_tenant_client": (200, _introspected(False)),
        }
    )


_REVOCATION = _with_bad_credentials(
    {name: (200, _empty) for name in ("victim", "same_tenant_client", "other_tenant_client")}
)
_GRANT = _with_bad_credentials(
    {
        "victim": (200, _issued),
        "same_tenant_client": INVALID_GRANT,
        "other_tenant_client": INVALID_GRANT,
    }
)


# How an allowed (or stated) change looks.


def _only(before: dict, after: dict, *changed: str) -> None:
    """Everything but these parts of the state is the same as before."""
    assert {k: v for k, v in after.items() if k not in changed} == {
        k: v for k, v in before.items() if k not in changed
    }


def _new(before: dict, after: dict, part: str) -> set[Any]:
    return set(after[part]) - set(before[part])


def _access_revoked(before: dict, after: dict, grant: Grant) -> None:
    assert (
        len(_new(before, after, "revoked")) == 1
        and len(after["revoked"]) == len(before["revoked"]) + 1
    )
    _only(before, after, "revoked")


def _family_revoked(before: dict, after: dict, grant: Grant) -> None:
    assert len(_new(before, after, "families")) == 1  # revoked_at set on that grant alone
    assert len(after["families"]) == len(before["families"])
    _only(before, after, "families")


def _rotated(before: dict, after: dict, grant: Grant) -> None:
    # The new refresh token, and the old one marked used: two rows differ, one more exists.
    assert len(_new(before, after, "refresh")) == 2
    assert len(after["refresh"]) == len(before["refresh"]) + 1
    _only(before, after, "refresh")


def _code_exchanged(before: dict, after: dict, grant: Grant) -> None:
    assert len(after["families"]) == len(before["families"]) + 1
    assert len(_new(before, after, "families")) == 1
    assert len(_new(before, after, "codes")) == 1  # the code, now used
    assert len(after["refresh"]) == len(before["refresh"]) + 1
    _only(before, after, "families", "codes", "refresh")


def _code_burnt(before: dict, after: dict, grant: Grant) -> None:
    """Another client presented the code: it is spent, and nothing else moved."""
    assert len(_new(before, after, "codes")) == 1
    assert len(after["codes"]) == len(before["codes"])
    _only(before, after, "codes")


ROWS: list[Row] = [
    Row(
        "introspect_access",
        "/oauth2/introspect",
        lambda g: {"token": g.access},
        _introspection(True),
    ),
    Row(
        "introspect_refresh",
        "/oauth2/introspect",
        lambda g: {"token": g.refresh},
        _introspection(True),
    ),
    Row(
        "revoke_access",
        "/oauth2/revoke",
        lambda g: {"token": g.access, "token_type_hint": "access_token"},
        _REVOCATION,
        changes={"victim": _access_revoked},
    ),
    Row(
        "revoke_refresh",
        "/oauth2/revoke",
        lambda g: {"token": g.refresh, "token_type_hint": "refresh_token"},
        _REVOCATION,
        changes={"victim": _family_revoked},
    ),
    Row(
        "refresh",
        "/oauth2/token",
        lambda g: {"grant_type": "refresh_token", "refresh_token": g.refresh},
        _GRANT,
        changes={"victim": _rotated},
    ),
    Row(
        "code",
        "/oauth2/token",
        lambda g: {
            "grant_type": "authorization_code",
            "code": g.code,
            "code_verifier": g.verifier,
            "redirect_uri": REDIRECT,
        },
        _GRANT,
        needs_code=True,
        changes={
            "victim": _code_exchanged,
            "same_tenant_client": _code_burnt,
            "other_tenant_client": _code_burnt,
        },
    ),
]


@pytest.fixture(scope="session")
async def oauth_cast(live_server, db, server_keys) -> Cast:
    kit = Kit(live_server)
    victim = kit.register(portal_user(OAUTH_TENANT), grant_types=ALL_GRANTS)
    same_tenant = kit.register(portal_user(OAUTH_TENANT), grant_types=ALL_GRANTS)
    other_tenant = kit.register(portal_user(OAUTH_OTHER_TENANT), grant_types=ALL_GRANTS)
    keys = KeyStore(server_keys.encryption_key, 3600)
    async with db() as session:
        await keys.load(session)
    return Cast(kit, victim, same_tenant, other_tenant, keys)


def _fresh_grant(cast: Cast, *, with_code: bool) -> Grant:
    person = portal_user(OAUTH_TENANT)
    tokens = cast.kit.tokens(cast.victim, person)
    grant = Grant(
        tokens["access_token"], tokens["refresh_token"], tokens["id_token"], person.user_id
    )
    if with_code:
        grant.code, grant.verifier = cast.kit.code(cast.victim, person)
    return grant


def test_the_table_covers_every_caller():
    for row in ROWS:
        assert set(row.expect) == set(CLIENT_CALLERS), row.name


def test_the_tables_cover_every_oauth_operation_that_takes_credentials(live_server):
    """Every documented operation that takes a client's credentials or a bearer token is
    in a table here (userinfo in its own); the rest (JWKS, discovery) are public."""
    spec = httpx.get(f"{live_server.url}/openapi.json").json()
    covered = {("POST", row.path) for row in ROWS} | {
        ("GET", "/oauth2/userinfo"),
        ("POST", "/oauth2/userinfo"),
        # Takes a client's credentials but names nobody's token: it starts the caller's own
        # device request. Another client's device code is unknown to the token endpoint
        # (tests/device/test_device_grant.py::test_another_clients_device_code_is_unknown).
        ("POST", "/oauth2/device_authorization"),
    }
    schemes = {"oauth2_client_basic", "oauth2_bearer"}
    taking = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if schemes & {name for option in operation.get("security", []) for name in option}
    }
    assert taking == covered, sorted(taking ^ covered)


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
async def test_oauth_endpoint_against_every_client(live_server, db, oauth_cast, row):
    probe = Probe(oauth_cast, db)
    failures = []
    for caller in CLIENT_CALLERS:
        grant = _fresh_grant(oauth_cast, with_code=row.needs_code)
        before = await probe.state()
        headers, credentials = _credentials(oauth_cast, caller)
        response = httpx.post(
            f"{live_server.url}{row.path}",
            data={**row.form(grant), **credentials},
            headers=headers,
            timeout=30,
        )
        after = await probe.state()
        status, check = row.expect[caller]
        try:
            assert response.status_code == status, (response.status_code, response.text)
            check(response, grant, probe)
            change = row.changes.get(caller)
            if change is not None:
                change(before, after, grant)
            else:  # denied, or a read: nothing moved
                assert before == after
                assert probe.active(grant.access) and probe.active(grant.refresh)
            if row.name == "refresh" and caller != "victim":
                # Not spent, not revoked as reused: the victim's refresh still works.
                refreshed = oauth_cast.kit.refresh(oauth_cast.victim, grant.refresh)
                assert refreshed.status_code == 200, refreshed.text
            if row.name == "code" and caller in BAD_CLIENT_CREDENTIALS:
                # Refused before the code was looked at: the victim can still exchange it.
                exchanged = cast_exchange(oauth_cast, grant)
                assert exchanged.status_code == 200, exchanged.text
            if row.name == "code" and caller in {"same_tenant_client", "other_tenant_client"}:
                # The victim's earlier grant lives on; the burnt code is refused to it too.
                assert probe.active(grant.access) and probe.active(grant.refresh)
                assert cast_exchange(oauth_cast, grant).json()["error"] == "invalid_grant"
        except AssertionError as exc:
            failures.append(f"{row.name} as {caller}: {exc!r}"[:800])
    assert not failures, "\n".join(failures)


def cast_exchange(cast: Cast, grant: Grant) -> httpx.Response:
    return cast.kit.token_request(
        cast.victim,
        grant_type="authorization_code",
        code=grant.code,
        code_verifier=grant.verifier,
        redirect_uri=REDIRECT,
    )


# Userinfo: the bearer token is the caller.

# A JWT-shaped token whose header is 5,000 nested arrays: deeper than the JSON decoder goes.
# Its RecursionError was a 500 at userinfo and introspection; it is now no token at all.
NESTED_HEADER_TOKEN = (
    base64.urlsafe_b64encode(b"[" * 5000).rstrip(b"=").decode() + ".e30.c2lnbmF0dXJl"
)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _header(token: str) -> dict[str, Any]:
    header: dict[str, Any] = pyjwt.get_unverified_header(token)
    return header


def _claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = pyjwt.decode(token, options={"verify_signature": False})
    return claims


def _sign(cast: Cast, claims: dict[str, Any], *, key: Any = None) -> str:
    current = cast.keys.current()
    header = {"typ": "at+jwt", "alg": current.alg, "kid": current.kid}
    return jose_jwt.encode(header, claims, key or current.key)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _bearer_cases(cast: Cast, grant: Grant, base: str) -> dict[str, tuple[dict[str, str], str]]:
    """Per case: the request's headers and its URL."""
    claims = _claims(grant.access)
    now = int(time.time())
    header, payload, signature = grant.access.split(".")
    tampered = _b64({**claims, "sub": str(uuid.uuid4())})
    stranger = ECKey.generate_key("P-256", private=True)
    url = f"{base}/oauth2/userinfo"
    return {
        "live": (bearer(grant.access), url),
        "expired": (bearer(_sign(cast, {**claims, "iat": now - 7200, "exp": now - 3600})), url),
        "forged_signature": (bearer(_sign(cast, claims, key=stranger)), url),
        "alg_none": (bearer(f"{_b64({**_header(grant.access), 'alg': 'none'})}.{payload}."), url),
        "tampered_claims": (bearer(f"{header}.{tampered}.{signature}"), url),
        "other_issuer": (bearer(_sign(cast, {**claims, "iss": "https://evil.example"})), url),
        "id_token": (bearer(grant.id_token), url),
        "refresh_token": (bearer(grant.refresh), url),
        "in_query_string": ({}, f"{url}?access_token={grant.access}"),
        "missing": ({}, url),
        "garbage": (bearer("a.b.c"), url),
        "nested_header": (bearer(NESTED_HEADER_TOKEN), url),
    }


USERINFO_EXPECT = {
    "live": 200,
    "revoked": 401,
    "consent_withdrawn": 401,
    "client_credentials": 403,
    "missing": 401,
    "in_query_string": 401,
    **{
        name: 401
        for name in (
            "expired",
            "forged_signature",
            "alg_none",
            "tampered_claims",
            "other_issuer",
            "id_token",
            "refresh_token",
            "garbage",
            "nested_header",
        )
    },
}


async def test_userinfo_against_every_token(live_server, db, oauth_cast):
    cast = oauth_cast
    probe = Probe(cast, db)
    grant = _fresh_grant(cast, with_code=False)
    cases = _bearer_cases(cast, grant, live_server.url)
    client_token = cast.kit.token_request(cast.victim, grant_type="client_credentials")
    cases["client_credentials"] = (
        {"Authorization": f"Bearer {client_token.json()['access_token']}"},
        f"{live_server.url}/oauth2/userinfo",
    )
    failures = []
    before = await probe.state()
    for name, (headers, url) in cases.items():
        for method in ("GET", "POST"):
            response = httpx.request(method, url, headers=headers, timeout=30)
            try:
                _check_userinfo(name, response, grant)
            except AssertionError as exc:
                failures.append(f"{method} userinfo with {name}: {exc!r}"[:600])
    # Reading changed nothing, and the live token still works.
    assert before == await probe.state()
    assert probe.active(grant.access)

    # Tokens that were live and no longer are: one revoked (RFC 7009), one whose consent the
    # user withdrew through the management API.
    revoked = _fresh_grant(cast, with_code=False)
    response = httpx.post(
        f"{live_server.url}/oauth2/revoke",
        data={"token": revoked.access},
        auth=(cast.victim.client_id, cast.victim.secret),
        timeout=30,
    )
    assert response.status_code == 200
    person = portal_user(OAUTH_TENANT)
    withdrawn = cast.kit.tokens(cast.victim, person)
    response = cast.kit.manage(person, "DELETE", f"/api/2.0/clients/{cast.victim.client_id}/revoke")
    assert response.status_code == 200, response.text
    for name, token in (
        ("revoked", revoked.access),
        ("consent_withdrawn", withdrawn["access_token"]),
    ):
        for method in ("GET", "POST"):
            response = httpx.request(
                method,
                f"{live_server.url}/oauth2/userinfo",
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            try:
                _check_userinfo(name, response, grant)
            except AssertionError as exc:
                failures.append(f"{method} userinfo with {name}: {exc!r}"[:600])
    # The other grants of the victim are untouched by either.
    assert probe.active(grant.access) and probe.active(grant.refresh)
    assert not failures, "\n".join(failures)


async def test_a_token_too_deep_to_parse_is_no_token(live_server, oauth_cast):
    """Regression: the nested header's RecursionError escaped as a 500."""
    victim = oauth_cast.victim
    auth = (victim.client_id, victim.secret)
    url = live_server.url
    for method in ("GET", "POST"):
        response = httpx.request(
            method,
            f"{url}/oauth2/userinfo",
            headers={"Authorization": f"Bearer {NESTED_HEADER_TOKEN}"},
            timeout=30,
        )
        assert response.status_code == 401, response.text
        assert response.json()["error"] == "invalid_token"
    data = {"token": NESTED_HEADER_TOKEN}
    response = httpx.post(f"{url}/oauth2/introspect", data=data, auth=auth, timeout=30)
    assert (response.status_code, response.json()) == (200, {"active": False}), response.text
    response = httpx.post(f"{url}/oauth2/revoke", data=data, auth=auth, timeout=30)
    assert (response.status_code, response.content) == (200, b""), response.text


def _check_userinfo(name: str, response: httpx.Response, grant: Grant) -> None:
    expected = USERINFO_EXPECT[name]
    assert response.status_code == expected, (response.status_code, response.text)
    body = response.json()
    if expected == 200:
        assert body["sub"] == grant.user_id, body
        assert body["tid"] == OAUTH_TENANT, body
        return
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer "), challenge
    if name in {"missing", "in_query_string"}:
        assert body["error"] == "invalid_request", body  # RFC 6750 3.1: no token, no error code
    elif expected == 401:
        assert body["error"] == "invalid_token", body
        assert 'error="invalid_token"' in challenge, challenge
    else:
        assert body["error"] == "insufficient_scope", body
    assert grant.user_id not in response.text
