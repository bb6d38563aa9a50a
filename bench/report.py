"""What the bench puts out: progress on stderr, one table on stdout, and the results file.

A row is checked against its targets (bench/targets.py) only once every row is measured,
because a target may compare it with another row: the ceiling, the peer, a smaller size.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import profile
from bench.options import CONNECTIONS, RESULTS, Options

ROOT = Path(__file__).resolve().parents[1]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def count_label(count: int) -> str:
    if count >= 1_000_000 and count % 1_000_000 == 0:
        return f"{count // 1_000_000}M"
    if count >= 1_000 and count % 1_000 == 0:
        return f"{count // 1_000}k"
    return f"{count:,}"


@dataclass
class Check:
    label: str  # what the target column shows
    evaluate: Callable[[Context], tuple[bool | None, str]]  # (met?, measured value)


@dataclass
class Row:
    scenario: str
    connections: int | None
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int | None = None
    ratio: float | None = None  # to the ceiling at the same connection count
    cpu_ms: float | None = None  # server processes' CPU per request
    db_cpu_ms: float | None = None  # PostgreSQL backends' CPU per request
    target: str = ""
    met: str = ""
    note: str = ""
    key: str = ""  # scenario key, for lookups (peer rows: "peer:<key>")
    checks: list[Check] = field(default_factory=list, repr=False)
    extra: dict[str, Any] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("checks")
        return data


@dataclass
class Context:
    rows: list[Row] = field(default_factory=list)

    def find(self, key: str, connections: int | None = None) -> Row | None:
        for row in self.rows:
            if row.key == key and (connections is None or row.connections == connections):
                return row
        return None

    def ceiling(self, connections: int | None) -> float | None:
        row = self.find("ceiling", connections)
        return row.rps if row and row.rps else None


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def finish(ctx: Context) -> None:
    """Ratios to the ceiling, then every target checked against what was measured."""
    for row in ctx.rows:
        if row.rps is not None and row.key != "ceiling" and row.connections in CONNECTIONS:
            ceiling = ctx.ceiling(row.connections)
            if ceiling:
                row.ratio = row.rps / ceiling
        if not row.checks or row.met.startswith("skipped"):
            row.met = row.met or "—"
            continue
        row.target = "; ".join(c.label for c in row.checks)
        failures, unknown, values = [], [], []
        for check in row.checks:
            ok, measured = check.evaluate(ctx)
            values.append(measured)
            if ok is None:
                unknown.append(f"{check.label}: {measured}")
            elif not ok:
                failures.append(f"{check.label} ({measured})")
        if failures:
            row.met = "NO: " + "; ".join(failures)
        elif unknown:
            row.met = "unknown: " + "; ".join(unknown)
        else:
            row.met = "yes (" + "; ".join(values) + ")"


def order_rows(ctx: Context) -> None:
    """Ceiling first, then each scenario beside its peer, then the rest."""
    ordered: list[Row] = [r for r in ctx.rows if r.key == "ceiling"]
    for row in ctx.rows:
        if row.key == "ceiling" or row.key.startswith("peer:"):
            continue
        ordered.append(row)
        if row.key in {"cc", "introspect"}:
            peer = ctx.find(f"peer:{row.key}", row.connections)
            if peer is not None:
                ordered.append(peer)
    ordered += [r for r in ctx.rows if r not in ordered]
    ctx.rows[:] = ordered


def _cpu(row: Row) -> str:
    if row.cpu_ms is None:
        return "—"
    return f"{row.cpu_ms:.2f}" + (f" + {row.db_cpu_ms:.2f} db" if row.db_cpu_ms else "")


def render(ctx: Context) -> str:
    head = [
        "scenario",
        "conns",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "vs ceiling",
        "CPU ms/req",
        "target",
        "met?",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for row in ctx.rows:
        cells = [
            row.scenario + (f" ({row.note})" if row.note else ""),
            "—" if row.connections is None else str(row.connections),
            _fmt(row.rps, 0),
            _fmt(row.p50_ms, 2),
            _fmt(row.p99_ms, 2),
            "—" if row.errors is None else str(row.errors),
            "—" if row.ratio is None else f"{row.ratio:.0%}",
            _cpu(row),
            row.target or "—",
            row.met or "—",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _git_revision() -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def publish(
    opts: Options,
    ctx: Context,
    elapsed: float,
    load_before: Sequence[float],
    load_after: Sequence[float],
    profiles: list[tuple[str, Path]],
) -> None:
    """The header and the table on stdout; the results to bench/results/ (and --json)."""
    header = (
        f"docspace-oauth bench {_git_revision()} — {'quick' if opts.quick else 'full'} run, "
        f"{os.cpu_count()} cores, {opts.workers} workers, wrk {opts.wrk_threads} thread(s), "
        f"{opts.database}, {opts.sizes.duration} s per run"
        f"{f' after {opts.sizes.warmup} s warm-up' if opts.sizes.warmup else ''}; "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
        f"{elapsed:.0f} s in all"
    )
    print(header)
    print()
    print(render(ctx))
    result = {
        "header": header,
        "started": datetime.now(UTC).isoformat(),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "load_before": load_before,
            "load_after": load_after,
        },
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(opts).items()},
        "elapsed_s": round(elapsed, 1),
        "rows": [row.public() for row in ctx.rows],
    }
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"{stamp}{'-quick' if opts.quick else ''}.json").write_text(
        json.dumps(result, indent=2, default=str)
    )
    if opts.json_path:
        opts.json_path.write_text(json.dumps(result, indent=2, default=str))
    if opts.profile_dir:
        summary = opts.profile_dir / "README.md"
        summary.write_text(profile.report(profiles))
        log(f"profiles: {summary}")
