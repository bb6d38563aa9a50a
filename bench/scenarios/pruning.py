"""The janitor at scale: `docspace-oauth prune` deletes `prune_rows` expired rows (spent
codes, expired refresh tokens, their families, revoked jtis) from the running server's
database, while the server answers introspection under load.

The baseline is the same load on the same database just before, with the dead rows in place,
measured in a few runs. The load during the prune is measured in back-to-back runs for as long
as the prune takes. Each side's runs are pooled into one load test (bench/load.pooled_percentile)
and their p99s compared: one 10-second run's p99 at saturation varies by 2-3x from run to run on
this machine, so a single baseline run is no yardstick. The worst single run is reported beside
it, so that no part of the prune hides in the pool.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

from bench.load import Load, Measure, measure, pooled_percentile
from bench.processes import deployed_env
from bench.report import Context, Row, count_label, log
from bench.scenarios.stage import Stage
from bench.seed import SeededUser
from bench.targets import bind

CONNECTIONS = 16
BASELINE_RUNS = 3
_SUMMARY = re.compile(r"^(\w+)\t(\d+)$", re.M)
_BATCHES = re.compile(r"Pruned \d+ rows in (\d+) transactions")


def run_prune_under_load(stage: Stage, load: Load, client_id: str, person: SeededUser) -> None:
    opts = stage.opts
    per_kind = opts.sizes.prune_rows // 4
    log(f"seeding {count_label(4 * per_kind)} expired rows for the janitor")
    seeded = stage.run(stage.seeder.expired_grants(client_id, person, per_kind))
    stage.run(stage.seeder.analyze())
    stage.run(stage.seeder.settle())
    log(f"introspection at {CONNECTIONS} connections, before pruning")
    baselines = [measure(opts, load, CONNECTIONS) for _ in range(BASELINE_RUNS)]
    baseline_p99 = pooled_percentile(baselines, 99)

    env = deployed_env(opts, stage.seeder.database_url, stage.url)
    started = time.monotonic()
    prune = subprocess.Popen(
        [sys.executable, "-m", "docspace_oauth.cli.main", "prune"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    runs: list[Measure] = []
    while prune.poll() is None or not runs:
        log(f"introspection at {CONNECTIONS} connections, while pruning (run {len(runs) + 1})")
        runs.append(measure(opts, load, CONNECTIONS))
    out, err = prune.communicate(timeout=600)
    took = time.monotonic() - started  # an upper bound: the last load run may outlast it
    deleted = sum(int(n) for _, n in _SUMMARY.findall(out))
    batches = _BATCHES.search(err)
    errors = (prune.returncode != 0) + (deleted < seeded)
    stage.ctx.rows.append(
        Row(
            f"prune {count_label(seeded)} expired rows (CLI, server running)",
            1,
            p50_ms=took * 1000,  # one run: its time in both columns
            p99_ms=took * 1000,
            errors=errors,
            key="prune",
            note=f"{deleted:,} rows in ≤{took:.0f} s, {batches[1] if batches else '?'} batches",
            extra={"seconds": round(took, 1), "deleted": deleted, "stderr": err[-2000:]},
        )
    )
    worst = max(runs, key=lambda m: m.p99_ms)
    seconds = sum(m.seconds for m in runs)
    row = Row(
        "introspection while pruning (its runs pooled)",
        CONNECTIONS,
        rps=sum(m.requests for m in runs) / seconds if seconds else 0.0,
        p50_ms=pooled_percentile(runs, 50),
        p99_ms=pooled_percentile(runs, 99),
        errors=sum(m.errors for m in runs),
        key="prune:introspect",
        note=f"{len(runs)} runs, the worst p99 {worst.p99_ms:.1f} ms; baseline p99 "
        f"{baseline_p99:.1f} ms over {BASELINE_RUNS} runs",
        extra={
            "baseline_p99_ms": baseline_p99,
            "baseline_p99s_ms": [m.p99_ms for m in baselines],
            "p99s_ms": [m.p99_ms for m in runs],
        },
    )
    stage.ctx.rows.append(row)

    def within(_ctx: Context, r: Row) -> tuple[bool | None, str]:
        if not (r.p99_ms and baseline_p99):
            return None, "not run"
        return r.p99_ms <= 2 * baseline_p99, f"{r.p99_ms / baseline_p99:.2f}×"

    bind(row, within, "p99 ≤2× baseline")
