"""Two `serve` instances (1 worker each) on the same database and Redis, wrk spreading its
connections over both as a load balancer would, against one instance (2 workers)."""

from __future__ import annotations

import httpx

from bench.databases import database_name
from bench.load import FORM, Accounting, Load, basic, measure, row_from
from bench.options import CONNECTIONS, Options
from bench.processes import HOST, Server, serve
from bench.report import Context, log
from bench.scenarios.service import Cast
from bench.targets import served_alike


def run_two_instances(opts: Options, ctx: Context, cast: Cast) -> None:
    log("two instances × 1 worker on the same database and Redis")
    a, _ = serve(opts, cast.database_url, workers=1, issuer=cast.issuer)
    try:
        b, _ = serve(opts, cast.database_url, workers=1, issuer=cast.issuer)
        try:
            _measure(opts, ctx, cast, a, b)
        finally:
            b.stop()
    finally:
        a.stop()


def _loads(cast: Cast, a: Server, b: Server) -> list[tuple[str, str, Load]]:
    """Introspection (of the run's live token, checked live on both instances first) and get
    client, both sent to either instance."""
    form = {"Content-Type": FORM, "Authorization": basic(cast.client_id, cast.secret)}
    if cast.access_token:
        for instance in (a, b):  # the token is live on both, or the rows mean nothing
            check = httpx.post(
                f"{instance.url}/oauth2/introspect",
                headers=form,
                content=f"token={cast.access_token}",
            ).json()
            assert check.get("active") is True, check
    on: Accounting = {
        "servers": [a, b],
        "database": database_name(cast.database_url),
        "addrs": [f"{HOST}:{a.port}", f"{HOST}:{b.port}"],
    }
    owner = {"Authorization": f"Bearer {cast.owner_key}"}
    loads = [
        (
            "get client",
            "get",
            Load(f"{a.url}/api/2.0/clients/{cast.client_id}", headers=owner, **on),
        )
    ]
    if cast.access_token:
        body = f"token={cast.access_token}"
        introspect = Load(f"{a.url}/oauth2/introspect", "POST", form, body=body, **on)
        loads.insert(0, ("introspection of a live JWT", "introspect", introspect))
    return loads


def _measure(opts: Options, ctx: Context, cast: Cast, a: Server, b: Server) -> None:
    connections = CONNECTIONS[-1]
    for name, key, load in _loads(cast, a, b):
        m = measure(opts, load, connections, threads=2, profile_as=f"{name}, 2 instances")
        row = row_from(
            f"{name}: 2 instances × 1 worker",
            f"2x:{key}",
            connections,
            m,
            note="wrk 2 threads, one per instance",
        )
        served_alike(row, ctx.find(key, connections))
        ctx.rows.append(row)
