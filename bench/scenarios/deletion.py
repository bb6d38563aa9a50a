"""Deleting a client and revoking a consent, each with N live tokens: sequential requests,
each on a fresh client that holds N live grants (family + refresh token).

Everything is seeded first, then the database is checkpointed, then the requests are made
interleaved (small, large, small, large...), so that both sizes meet the same background
(other processes, autovacuum) and only the number of tokens differs.
"""

from __future__ import annotations

import statistics
import time

import httpx

from bench.load import basic
from bench.report import Row, count_label, log
from bench.scenarios.stage import Stage
from bench.seed import SeededClient, SeededUser
from bench.targets import p50_within
from docspace_oauth.models import Role

Key = tuple[str, int]  # ("delete" or "revoke", live tokens per client)
Plan = dict[Key, list[tuple[SeededClient, SeededUser, str]]]  # client, holder, a token


def run_delete_and_revoke(stage: Stage, available: bool) -> None:
    sizes = stage.opts.sizes
    owner_id = stage.run(
        stage.seeder.scalar("SELECT id FROM users WHERE email = 'owner@example.com'")
    )
    owner = SeededUser(str(owner_id), 1, "owner@example.com", "")
    started = time.monotonic()
    plan = _seed(stage, owner)
    seeded_in = time.monotonic() - started
    times, errors = _timed(stage, plan, available)
    rows: dict[Key, Row] = {}
    for (op, count), taken in sorted(plan.items()):
        name = "delete client" if op == "delete" else "revoke consent"
        row = Row(
            f"{name}, {count_label(count)} live tokens",
            1,
            p50_ms=statistics.median(times[(op, count)]),
            p99_ms=max(times[(op, count)]),
            errors=errors[(op, count)],
            key=f"{op}-{count}",
            note=f"{len(taken)} requests; p99 column = max",
            extra={"times_ms": times[(op, count)], "seeded_in_s": round(seeded_in, 1)},
        )
        rows[(op, count)] = row
        stage.ctx.rows.append(row)
    for op in ("delete", "revoke"):
        small = rows[(op, sizes.tokens_small)]
        label = f"p50 ≤2× {count_label(sizes.tokens_small)}"
        p50_within(rows[(op, sizes.tokens_large)], small, 2, label)


def _seed(stage: Stage, owner: SeededUser) -> Plan:
    """Every client, holder and live token first; then statistics and a checkpoint."""
    sizes, seeder = stage.opts.sizes, stage.seeder
    plan: Plan = {}
    for count, reps in (
        (sizes.tokens_small, sizes.reps_small),
        (sizes.tokens_large, sizes.reps_large),
    ):
        log(f"seeding {2 * reps} clients with {count:,} live tokens each")
        for op in ("delete", "revoke"):
            clients = stage.run(seeder.clients(owner, reps, keep_secrets=True))
            for i, client in enumerate(clients):
                holder = stage.run(seeder.user(f"{op}{count}-{i}@example.com", Role.USER, 1))
                stage.run(seeder.consent(client.client_id, holder))
                tokens = stage.run(seeder.live_tokens(client.client_id, holder, count, keep=True))
                plan.setdefault((op, count), []).append((client, holder, tokens[0]))
    stage.run(seeder.analyze())
    stage.run(seeder.settle())
    return plan


def _timed(
    stage: Stage, plan: Plan, available: bool
) -> tuple[dict[Key, list[float]], dict[Key, int]]:
    """Each request's time in ms, and the errors: a failed request, or a token that was not
    live before (either operation) or not dead after (revocation)."""
    times: dict[Key, list[float]] = {key: [] for key in plan}
    errors: dict[Key, int] = dict.fromkeys(plan, 0)
    with httpx.Client(base_url=stage.url, timeout=60) as http:

        def introspect(client: SeededClient, token: str) -> bool | None:
            auth = {"Authorization": basic(client.client_id, client.secret)}
            check = http.post("/oauth2/introspect", data={"token": token}, headers=auth)
            active = check.json().get("active") if check.status_code == 200 else None
            return active if isinstance(active, bool) else None

        for i in range(max(stage.opts.sizes.reps_small, stage.opts.sizes.reps_large)):
            for key in sorted(plan):
                if i >= len(plan[key]):
                    continue
                op, _ = key
                client, holder, token = plan[key][i]
                if op == "delete":
                    path, headers = f"/api/2.0/clients/{client.client_id}", stage.owner_auth
                else:
                    path = f"/api/2.0/clients/{client.client_id}/revoke"
                    headers = {"Authorization": f"Bearer {holder.api_key}"}
                if available and introspect(client, token) is not True:
                    errors[key] += 1  # the tokens must be live before, or this measures nothing
                begun = time.perf_counter()
                response = http.request("DELETE", path, headers=headers)
                times[key].append((time.perf_counter() - begun) * 1000)
                if response.status_code != 200:
                    errors[key] += 1
                elif available and op == "revoke" and introspect(client, token) is not False:
                    errors[key] += 1  # and dead after
    return times, errors
