"""List-page latency (1 connection: no queueing) with 1k and 1M clients in the caller's
tenant, and a page from the middle of the 1M by its cursor."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx

from bench.load import Load, measure, row_from
from bench.report import Row, count_label, log
from bench.scenarios.stage import Stage
from bench.targets import p50_within
from docspace_oauth.models import Role


def run_list_scaling(stage: Stage) -> None:
    sizes = stage.opts.sizes
    small, _, _ = _first_page(stage, 2, sizes.list_small)
    large, headers, newest = _first_page(stage, 3, sizes.list_large)
    deep = _page_half_way(stage, headers, newest, sizes.list_large)
    for row in (large, deep):
        p50_within(row, small, 1.5, f"p50 ≤1.5× {count_label(sizes.list_small)}")


def _first_page(stage: Stage, tenant: int, count: int) -> tuple[Row, dict[str, str], datetime]:
    """`count` clients seeded in a tenant of their own, and its admin's first page; the
    admin's headers and the newest client's time, for a page further down."""
    admin = stage.run(stage.seeder.user(f"admin{tenant}@example.com", Role.ADMIN, tenant))
    log(f"seeding {count:,} clients in tenant {tenant}")
    started = time.monotonic()
    newest = datetime.now(UTC) - timedelta(seconds=1)
    stage.run(stage.seeder.clients(admin, count, newest=newest))
    stage.run(stage.seeder.analyze())
    seeded_in = time.monotonic() - started
    headers = {"Authorization": f"Bearer {admin.api_key}"}
    m = measure(stage.opts, Load(f"{stage.url}/api/2.0/clients", headers=headers, **stage.on()), 1)
    row = row_from(
        f"list page latency, {count_label(count)} clients",
        f"list-{tenant}",
        1,
        m,
        note=f"seeded in {seeded_in:.1f} s",
    )
    stage.ctx.rows.append(row)
    return row, headers, newest


def _page_half_way(stage: Stage, headers: dict[str, str], newest: datetime, count: int) -> Row:
    # A cursor half-way down: keyset paging costs the same wherever it starts. The page found
    # by time alone (DocSpace's cursor) gives the full cursor, time and id, which the SDK and
    # the console send; that is the one measured. The clients are seeded 1 ms apart.
    middle = newest - timedelta(milliseconds=count // 2)
    cursor = middle.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    found = httpx.get(
        f"{stage.url}/api/2.0/clients?last_created_on={quote(cursor)}", headers=headers
    ).json()
    path = (
        f"/api/2.0/clients?last_client_id={found['last_client_id']}"
        f"&last_created_on={quote(found['last_created_on'])}"
    )
    m = measure(stage.opts, Load(f"{stage.url}{path}", headers=headers, **stage.on()), 1)
    row = row_from(
        f"list page latency, {count_label(count)} clients, cursor half-way", "list-deep", 1, m
    )
    stage.ctx.rows.append(row)
    return row
