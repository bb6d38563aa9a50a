"""The service as deployed, under every scenario at 16 and 64 connections, then the phases
that reuse its server and database (list scaling, delete and revoke)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from bench.load import FORM, Load, basic, measure, row_from
from bench.options import CONNECTIONS, Options
from bench.processes import SECRET_KEY, Server, rss_mb, serve
from bench.report import Context, Row, log
from bench.scenarios.deletion import run_delete_and_revoke
from bench.scenarios.listing import run_list_scaling
from bench.scenarios.pruning import run_prune_under_load
from bench.scenarios.stage import Stage
from bench.seed import LOGO, REDIRECT_URI, SCOPES, SeededUser, Seeder
from bench.targets import add_targets, rss_below
from docspace_oauth.models import Role

SKIPPED = "skipped: endpoint not available"
CC_BODY = "grant_type=client_credentials&scope=files:read"
SingleUse = Callable[[int], list[str]]


@dataclass(frozen=True)
class Cast:
    """What the main run seeded, for the later phases."""

    database_url: str
    issuer: str
    owner_key: str
    client_id: str
    secret: str
    access_token: str | None


@dataclass(frozen=True)
class BenchClient:
    """The bench's client, created through the API like any client, and the user who
    consented to it."""

    client_id: str
    secret: str
    body: dict[str, Any]  # as created (the create-client scenario sends it again)
    person: SeededUser

    @property
    def form(self) -> dict[str, str]:
        return {"Content-Type": FORM, "Authorization": basic(self.client_id, self.secret)}


@dataclass(frozen=True)
class Scenario:
    name: str
    key: str
    load: Load
    needs_oauth2: bool = False


def oauth2_available(url: str) -> bool:
    try:
        response = httpx.post(
            f"{url}/oauth2/token", data={"grant_type": "client_credentials"}, timeout=5
        )
    except httpx.TransportError:
        return False
    return response.status_code in {400, 401}  # an OAuth error: the endpoint is there


def run_service(opts: Options, ctx: Context, database_url: str) -> Cast:
    log(f"docspace-oauth serve × {opts.workers} workers on {opts.database}")
    server, owner_key = serve(opts, database_url, workers=opts.workers)
    assert owner_key, "the first start printed no owner key"
    try:
        seeder = Seeder(database_url, SECRET_KEY, server.url)
        loop = asyncio.new_event_loop()
        loop.run_until_complete(seeder.open())
        try:
            return _service_phases(Stage(opts, ctx, server, seeder, loop, owner_key))
        finally:
            loop.run_until_complete(seeder.close())
            loop.close()
    finally:
        server.stop()


def _service_phases(stage: Stage) -> Cast:
    with httpx.Client(base_url=stage.url, timeout=30) as http:
        bench = _seed_tenant(stage, http)
        available, access_token = _user_token(stage, http, bench)
        scenarios = _scenarios(stage, bench, access_token)
        if stage.opts.runs("scenarios"):
            for scenario in scenarios:
                _measure(stage, scenario, available)
            stage.ctx.rows.append(_rss_row(stage.server))  # after all of the above
        if stage.opts.runs("lists"):
            run_list_scaling(stage)
        if stage.opts.runs("deletion"):
            run_delete_and_revoke(stage, available)
        if available and stage.opts.runs("prune"):
            introspect = next(s.load for s in scenarios if s.key == "introspect")
            run_prune_under_load(stage, introspect, bench.client_id, bench.person)
    return Cast(
        stage.seeder.database_url,
        stage.url,
        stage.owner_key,
        bench.client_id,
        bench.secret,
        access_token,
    )


def _seed_tenant(stage: Stage, http: httpx.Client) -> BenchClient:
    """Tenant 1: the owner, a user who consents, the bench client, and the seeded clients
    of the list page."""
    sizes = stage.opts.sizes
    owner_id = stage.run(
        stage.seeder.scalar("SELECT id FROM users WHERE email = 'owner@example.com'")
    )
    owner = SeededUser(str(owner_id), 1, "owner@example.com", stage.owner_key)
    person = stage.run(stage.seeder.user("person@example.com", Role.USER, 1))
    body = {
        "name": "Bench app",
        "description": "The bench's client",
        "logo": LOGO,
        "scopes": SCOPES,
        "allow_pkce": False,
        "is_public": False,
        "website_url": "https://app.example.com",
        "terms_url": "https://app.example.com/terms",
        "policy_url": "https://app.example.com/privacy",
        "logout_redirect_uri": "https://app.example.com/logout",
        "redirect_uris": [REDIRECT_URI],
        "allowed_origins": ["https://app.example.com"],
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
    }
    created = http.post("/api/2.0/clients", json=body, headers=stage.owner_auth)
    created.raise_for_status()
    bench = BenchClient(created.json()["client_id"], created.json()["client_secret"], body, person)

    log(f"seeding {sizes.list_small:,} clients in tenant 1")  # the list: these + the bench's
    stage.run(stage.seeder.clients(owner, sizes.list_small))
    stage.run(stage.seeder.consent(bench.client_id, person))
    stage.run(stage.seeder.analyze())
    return bench


def _user_token(stage: Stage, http: httpx.Client, bench: BenchClient) -> tuple[bool, str | None]:
    """Whether the OAuth 2 endpoints are there, and a user's live access token from a code
    exchange (so that introspecting it runs every revocation check)."""
    available = oauth2_available(stage.url)
    access_token: str | None = None
    if available:
        code = stage.run(stage.seeder.codes(bench.client_id, bench.person, 1))[0]
        exchanged = http.post(
            "/oauth2/token",
            headers={"Authorization": basic(bench.client_id, bench.secret)},
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        )
        if exchanged.status_code == 200:
            access_token = exchanged.json()["access_token"]
        else:
            log(f"code exchange failed: {exchanged.status_code} {exchanged.text[:200]}")
            available = False
    if access_token:  # the introspection rows measure a live token, or they mean nothing
        check = http.post("/oauth2/introspect", headers=bench.form, content=f"token={access_token}")
        assert check.json().get("active") is True, check.text
    return available, access_token


def _single_use(stage: Stage, bench: BenchClient) -> tuple[SingleUse, SingleUse]:
    """Fresh request bodies for each run: unused codes, and unused refresh tokens."""

    def codes(count: int) -> list[str]:
        raw = stage.run(stage.seeder.codes(bench.client_id, bench.person, count))
        target = quote(REDIRECT_URI, safe="")
        return [f"grant_type=authorization_code&code={c}&redirect_uri={target}" for c in raw]

    def refresh_tokens(count: int) -> list[str]:
        raw = stage.run(stage.seeder.live_tokens(bench.client_id, bench.person, count, keep=True))
        return [f"grant_type=refresh_token&refresh_token={t}" for t in raw]

    return codes, refresh_tokens


def _scenarios(stage: Stage, bench: BenchClient, access_token: str | None) -> list[Scenario]:
    url, on, form, owner = stage.url, stage.on(), bench.form, stage.owner_auth
    codes, refresh_tokens = _single_use(stage, bench)
    token_url, clients_url = f"{url}/oauth2/token", f"{url}/api/2.0/clients"
    create_body = json.dumps({**bench.body, "name": "Bench created app"})
    as_json = {**owner, "Content-Type": "application/json"}
    introspect = Load(f"{url}/oauth2/introspect", "POST", form, body=f"token={access_token}", **on)
    return [
        Scenario(
            "framework floor: GET /health (no database)", "floor", Load(f"{url}/health", **on)
        ),
        Scenario(
            "client_credentials token",
            "cc",
            Load(token_url, "POST", form, body=CC_BODY, **on),
            True,
        ),
        Scenario("introspection of a live JWT", "introspect", introspect, True),
        Scenario(
            "get client", "get", Load(f"{clients_url}/{bench.client_id}", headers=owner, **on)
        ),
        Scenario("list page (30 of 1k)", "list", Load(clients_url, headers=owner, **on)),
        Scenario(
            "authorization-code exchange",
            "code",
            Load(token_url, "POST", form, single_use=codes, **on),
            True,
        ),
        Scenario(
            "refresh (rotation)",
            "refresh",
            Load(token_url, "POST", form, single_use=refresh_tokens, **on),
            True,
        ),
        Scenario(
            "create client", "create", Load(clients_url, "POST", as_json, body=create_body, **on)
        ),
    ]


def _measure(stage: Stage, scenario: Scenario, available: bool) -> None:
    name, key = scenario.name, scenario.key
    for connections in CONNECTIONS:
        if scenario.needs_oauth2 and not available:
            stage.ctx.rows.append(Row(name, connections, key=key, met=SKIPPED))
            continue
        log(f"{name} at {connections} connections")
        m = measure(stage.opts, scenario.load, connections, profile_as=f"{name} at {connections}")
        row = row_from(name, key, connections, m)
        add_targets(row, key, connections)
        stage.ctx.rows.append(row)


def _rss_row(server: Server) -> Row:
    """RSS of every worker, from /proc."""
    rss = [rss_mb(pid) for pid in server.worker_pids()]
    measured = [r for r in rss if r is not None]
    row = Row(
        f"RSS per worker after the run ({len(measured)} workers)",
        None,
        key="rss",
        extra={"rss_mb": measured},
    )
    rss_below(row, measured, 150)
    return row
