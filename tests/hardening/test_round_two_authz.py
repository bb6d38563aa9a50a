"""Issue 12, round two: the authorization defects the outside review found, and their rules.

- 4: every tenant has its own URL, the `aud` of its tokens; a resource server of one tenant
  verifying offline (JWKS) refuses another tenant's token. `tenants set-url` changes it.
- 6: one failure throttle per secret: the console's sign-in and an app's share the password's;
  token, introspection and revocation share the client secret's.
- 7: only admins register (or widen) client_credentials clients; machine tokens carry no
  user-bound scope.
- 8: scopes an admin takes from a client leave its existing grants at once.
- 10: /metrics needs the metrics token (or loopback outside production).
- Unknown accounts cost the same work as known ones, counted (hashes, statements), not timed.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt as pyjwt
import pytest
from sqlalchemy import event

from docspace_oauth.app import close_runtime, open_runtime
from docspace_oauth.oauth2 import client_auth
from docspace_oauth.oauth2.errors import InvalidClient
from docspace_oauth.oauth2.state import AuthServer, open_auth_server
from docspace_oauth.security import hashing
from docspace_oauth.settings import Settings, UnsafeProductionSettings
from docspace_oauth.users import service as users
from tests.conftest import SIGNATURE_SECRET, LiveServer, ServerProcess, run_cli_here, start_server
from tests.factory import client_body
from tests.oauth2.conftest import (
    REDIRECT,
    Actor,
    App,
    Kit,
    hidden_fields,
    portal_user,
    start_sibling,
)

PASSWORD = "round two password"
METRICS_TOKEN = "m" * 40


@pytest.fixture(scope="module")
def kit(live_server: LiveServer) -> Kit:
    return Kit(live_server)


def _fresh_tenant() -> int:
    return 7_200_000 + secrets.randbelow(700_000)


def local_admin(live: LiveServer, tenant: int) -> Actor:
    """An admin of a local tenant (made by `users create --tenant N`), calling with its key."""
    key = live.create_user(f"admin-{secrets.token_hex(4)}@example.com", "admin", tenant)
    return Actor(str(uuid.uuid4()), tenant, {"Authorization": f"Bearer {key}"})


def tenant_urls(live: LiveServer) -> dict[int, str]:
    listed = run_cli_here(live.env, "tenants", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return {row["id"]: row["url"] for row in json.loads(listed.stdout)}


# 4. Per-tenant audiences.


def test_a_tenants_resource_server_refuses_another_tenants_token(
    kit: Kit, live_server: LiveServer
) -> None:
    one, two = local_admin(live_server, _fresh_tenant()), local_admin(live_server, _fresh_tenant())
    token_one = kit.tokens(kit.register(one), one)["access_token"]
    token_two = kit.tokens(kit.register(two), two)["access_token"]
    aud_one = pyjwt.decode(token_one, options={"verify_signature": False})["aud"]
    aud_two = pyjwt.decode(token_two, options={"verify_signature": False})["aud"]
    assert aud_one != aud_two
    urls = tenant_urls(live_server)
    assert (urls[one.tenant_id], urls[two.tenant_id]) == (aud_one, aud_two)
    assert urls[1] == kit.base  # the quickstart's tenant keeps the issuer
    # Tenant two's resource server, checking offline as docs/oauth.md says.
    assert kit.verify(token_two, audience=urls[two.tenant_id])["tid"] == two.tenant_id
    with pytest.raises(pyjwt.InvalidAudienceError):
        kit.verify(token_one, audience=urls[two.tenant_id])
    with pytest.raises(pyjwt.InvalidAudienceError):
        kit.verify(token_one, audience=kit.base)  # nor tenant 1's


def test_tenants_set_url_moves_the_audience_of_live_grants(
    kit: Kit, live_server: LiveServer
) -> None:
    admin = local_admin(live_server, _fresh_tenant())
    app = kit.register(admin)
    token = kit.tokens(app, admin)
    portal = f"https://portal-{admin.tenant_id}.example.com"
    changed = run_cli_here(
        live_server.env, "tenants", "set-url", str(admin.tenant_id), portal + "/"
    )
    assert changed.returncode == 0, changed.stderr
    assert tenant_urls(live_server)[admin.tenant_id] == portal
    refreshed = kit.refresh(app, token["refresh_token"]).json()
    assert kit.verify(refreshed["access_token"], audience=portal)["tid"] == admin.tenant_id
    # A URL is one tenant's only, and must be a URL.
    taken = run_cli_here(live_server.env, "tenants", "set-url", str(_fresh_tenant()), portal)
    assert taken.returncode == 8 and "already" in taken.stderr  # ExitCode.CONFLICT
    assert run_cli_here(live_server.env, "tenants", "set-url", "5", "not a url").returncode == 5


def test_a_portal_tenants_machine_token_is_not_tenant_ones(kit: Kit) -> None:
    app = kit.register(grant_types=["client_credentials"], scopes=["files:read"])
    body = kit.token_request(app, grant_type="client_credentials").json()
    claims = pyjwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["aud"] == f"{kit.base}/tenants/{app.owner.tenant_id}"


# 6. One throttle per secret.


@pytest.fixture(scope="module")
def limited(live_server: LiveServer) -> Iterator[ServerProcess]:
    server = start_sibling(
        live_server,
        DOCSPACE_OAUTH_RATE_LIMIT_ENABLED="true",
        DOCSPACE_OAUTH_CLIENT_AUTH_FAILURE_LIMIT="3",
        DOCSPACE_OAUTH_SIGN_IN_FAILURE_LIMIT="3",
        DOCSPACE_OAUTH_AUTH_FAILURE_WINDOW_SECONDS="3600",
    )
    try:
        yield server
    finally:
        server.stop()


def _sign_in(server: ServerProcess, issuer: str, next_url: str, email: str, password: str) -> int:
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        page = browser.get("/oauth2/login", params={"next": next_url})
        assert page.status_code == 200, page.text
        fields = dict(hidden_fields(page.text))
        answer = browser.post(
            "/oauth2/login",
            data={**fields, "email": email, "password": password},
            headers={"Origin": issuer},
        )
        return answer.status_code


def test_console_and_app_sign_in_share_one_failure_count(
    kit: Kit, live_server: LiveServer, limited: ServerProcess
) -> None:
    tenant = _fresh_tenant()
    email = f"guessed-{secrets.token_hex(4)}@example.com"
    live_server.create_user(email, "user", tenant, password=PASSWORD)
    app = kit.register(portal_user(tenant))
    authorize = "/oauth2/authorize?" + urlencode(
        {"client_id": app.client_id, "redirect_uri": REDIRECT, "response_type": "code"}
    )
    statuses = [_sign_in(limited, kit.base, "/console", email, "wrong") for _ in range(4)]
    assert statuses == [400, 400, 400, 429]  # three failures allowed, the fourth blocks
    # Blocked at the console, so blocked for the app too: even the right password waits.
    assert _sign_in(limited, kit.base, authorize, email, PASSWORD) == 429
    assert _sign_in(limited, kit.base, "/console", email, PASSWORD) == 429


def test_client_secret_failures_count_at_every_endpoint(kit: Kit, limited: ServerProcess) -> None:
    app = kit.register(grant_types=["client_credentials"], scopes=["files:read"])
    wrong = (app.client_id, "not-the-secret")
    with httpx.Client(base_url=limited.url, timeout=30) as http:
        assert http.post("/oauth2/introspect", data={"token": "x"}, auth=wrong).status_code == 401
        assert http.post("/oauth2/revoke", data={"token": "x"}, auth=wrong).status_code == 401
        assert http.post("/oauth2/introspect", data={"token": "x"}, auth=wrong).status_code == 401
        form = {"grant_type": "client_credentials"}
        assert http.post("/oauth2/token", data=form, auth=wrong).status_code == 429
        right = (app.client_id, app.secret)
        assert http.post("/oauth2/token", data=form, auth=right).status_code == 429
        assert http.post("/oauth2/introspect", data={"token": "x"}, auth=right).status_code == 429


# 7. Machine clients are the admins'; machine tokens carry no user-bound scope.


def test_only_admins_register_or_widen_client_credentials_clients(kit: Kit) -> None:
    tenant = _fresh_tenant()
    user, admin = portal_user(tenant, admin=False), portal_user(tenant)
    machine = {"grant_types": ["client_credentials"], "scopes": ["files:read"]}
    refused = kit.manage(user, "POST", "/api/2.0/clients", json=client_body(**machine))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "admins" in refused.json()["detail"]
    own = kit.register(user)  # an ordinary client is fine
    path = f"/api/2.0/clients/{own.client_id}"
    grants = {"grant_types": ["authorization_code", "client_credentials"]}
    assert kit.manage(user, "PUT", path, json=grants).status_code == 403
    # An admin may make it a machine client; its owner may then not widen what it mints.
    assert kit.manage(admin, "PUT", path, json=grants).status_code == 200
    widened = kit.manage(user, "PUT", path, json={"scopes": ["files:read", "files:write"]})
    assert widened.status_code == 403
    assert kit.manage(user, "PUT", path, json={"name": "Renamed app"}).status_code == 200
    shown = kit.manage(user, "GET", path).json()
    assert shown["scopes"] == own.info["scopes"] and shown["name"] == "Renamed app"
    assert kit.manage(admin, "POST", "/api/2.0/clients", json=client_body(**machine)).is_success


def test_the_console_offers_client_credentials_to_admins_only(kit: Kit) -> None:
    tenant = _fresh_tenant()
    for actor, offered in ((portal_user(tenant, admin=False), False), (portal_user(tenant), True)):
        page = kit.manage(actor, "GET", "/console/clients/new")
        assert page.status_code == 200, page.text
        assert ('value="client_credentials"' in page.text) is offered


def test_machine_tokens_carry_no_user_bound_scope(kit: Kit) -> None:
    app = kit.register(
        grant_types=["client_credentials"], scopes=["files:read", "accounts.self:read", "openid"]
    )
    body = kit.token_request(app, grant_type="client_credentials").json()
    assert body["scope"] == "files:read"
    asked = kit.token_request(app, grant_type="client_credentials", scope="accounts.self:read")
    assert asked.status_code == 400 and asked.json()["error"] == "invalid_scope"
    only_user_bound = kit.register(
        grant_types=["client_credentials"], scopes=["accounts.self:write", "openid"]
    )
    none = kit.token_request(only_user_bound, grant_type="client_credentials")
    assert none.status_code == 400 and none.json()["error"] == "invalid_scope"


# 8. Narrowed scopes leave existing grants.


def test_narrowing_a_client_narrows_its_refresh_tokens_and_introspection(kit: Kit) -> None:
    app = kit.register(scopes=["openid", "files:read", "rooms:read"])
    token = kit.tokens(app, scope="openid files:read rooms:read")

    def scope(of: str) -> set[str]:
        return set(kit.introspect(of, by=app)["scope"].split())

    assert scope(token["access_token"]) == {"openid", "files:read", "rooms:read"}
    path = f"/api/2.0/clients/{app.client_id}"
    narrowed = kit.manage(app.owner, "PUT", path, json={"scopes": ["openid", "files:read"]})
    assert narrowed.status_code == 200, narrowed.text
    # Already-minted access tokens: introspection reports only what the client may have now.
    assert scope(token["access_token"]) == scope(token["refresh_token"]) == {"openid", "files:read"}
    refreshed = kit.refresh(app, token["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert set(refreshed.json()["scope"].split()) == {"openid", "files:read"}
    claims = pyjwt.decode(refreshed.json()["access_token"], options={"verify_signature": False})
    assert set(claims["scope"].split()) == {"openid", "files:read"}
    again = kit.token_request(
        app,
        grant_type="refresh_token",
        refresh_token=refreshed.json()["refresh_token"],
        scope="rooms:read",
    )
    assert again.status_code == 400 and again.json()["error"] == "invalid_scope"


def test_a_grant_left_with_no_scope_is_dead(kit: Kit) -> None:
    app = kit.register(scopes=["openid", "files:read"])
    token = kit.tokens(app, scope="files:read")
    path = f"/api/2.0/clients/{app.client_id}"
    assert kit.manage(app.owner, "PUT", path, json={"scopes": ["openid"]}).status_code == 200
    assert kit.introspect(token["access_token"], by=app) == {"active": False}
    refreshed = kit.refresh(app, token["refresh_token"])
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"


# 10. /metrics.


def test_metrics_need_the_token_when_one_is_set(live_server: LiveServer) -> None:
    server = start_server(live_server.database_url, DOCSPACE_OAUTH_METRICS_TOKEN=METRICS_TOKEN)
    try:
        assert httpx.get(f"{server.url}/metrics").status_code == 403
        wrong = {"Authorization": "Bearer " + "x" * 40}
        assert httpx.get(f"{server.url}/metrics", headers=wrong).status_code == 403
        right = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        answer = httpx.get(f"{server.url}/metrics", headers=right)
        assert answer.status_code == 200
        assert "docspace_oauth_http_requests_total" in answer.text
    finally:
        server.stop()


def test_metrics_are_off_in_production_without_a_token(tmp_path: Any) -> None:
    server = start_server(
        f"sqlite:///{tmp_path / 'production.db'}",
        DOCSPACE_OAUTH_PRODUCTION="true",
        DOCSPACE_OAUTH_ISSUER="https://auth.example.com",
        DOCSPACE_OAUTH_SECRET_KEY="s" * 40,
        DOCSPACE_OAUTH_RATE_LIMIT_ENABLED="true",
    )
    try:
        answer = httpx.get(f"{server.url}/metrics")
        assert answer.status_code == 403
        assert "DOCSPACE_OAUTH_METRICS_TOKEN" in answer.json()["detail"]
    finally:
        server.stop()
    with pytest.raises(UnsafeProductionSettings, match="METRICS_TOKEN"):
        Settings(
            production=True,
            issuer="https://auth.example.com",
            secret_key="s" * 40,
            metrics_token="short",
        )


# Constant work for unknown accounts, counted in-process on the live server's database.


@pytest.fixture(scope="module")
async def in_process(live_server: LiveServer) -> AsyncIterator[AuthServer]:
    settings = Settings(
        database_url=live_server.database_url,
        rate_limit_enabled=False,
        signature_secret=SIGNATURE_SECRET,
    )
    runtime = await open_runtime(settings)
    try:
        yield await open_auth_server(runtime)
    finally:
        await close_runtime(runtime)


async def _client_auth_work(server: AuthServer, client_id: str, secret: str | None) -> int:
    before = hashing.WORK["hmac"]
    method = client_auth.AuthMethod.POST if secret else client_auth.AuthMethod.NONE
    with pytest.raises(InvalidClient):
        async with server.audited():
            await client_auth.authenticate(
                server, client_auth.Credentials(client_id, secret, method), ip="t", allow_none=True
            )
    return hashing.WORK["hmac"] - before


async def test_an_unknown_client_costs_the_hashes_a_known_one_does(
    kit: Kit, in_process: AuthServer
) -> None:
    app: App = kit.register()
    known = await _client_auth_work(in_process, app.client_id, "wrong-secret")
    unknown = await _client_auth_work(in_process, str(uuid.uuid4()), "wrong-secret")
    assert known == unknown == 2  # the current secret and the previous one, always


async def _sign_in_work(server: AuthServer, tenant: int | None, email: str) -> Counter[str]:
    statements: Counter[str] = Counter()

    def count(*_: Any) -> None:
        statements["sql"] += 1

    engine = server.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    before = hashing.WORK["scrypt"]
    try:
        async with server.runtime.sessions() as session:
            user = await users.authenticate(
                session, tenant_id=tenant, email=email, password="wrong password"
            )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert user is None
    statements["scrypt"] = hashing.WORK["scrypt"] - before
    return statements


async def test_an_unknown_email_costs_the_work_a_known_one_does(
    live_server: LiveServer, in_process: AuthServer
) -> None:
    tenant = _fresh_tenant()
    email = f"known-{secrets.token_hex(4)}@example.com"
    live_server.create_user(email, "user", tenant, password=PASSWORD)
    unknown = f"nobody-{secrets.token_hex(4)}@example.com"
    for scope in (None, tenant):  # the console's sign-in, and an app's
        known_work = await _sign_in_work(in_process, scope, email)
        assert known_work == await _sign_in_work(in_process, scope, unknown)
        assert known_work["scrypt"] == 1
    assert (await _sign_in_work(in_process, None, "not an email"))["scrypt"] == 1
