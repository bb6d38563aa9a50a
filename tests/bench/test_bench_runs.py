"""The load bench keeps working: `python bench/run.py --quick` produces its one table, with a
row for every scenario and no errors. Timings are never asserted here: they belong to the
full run on a quiet machine (docs/performance.md), not to a test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# (key, connections) of every row the table must have.
EXPECTED = {
    *(("ceiling", c) for c in (16, 64)),
    *(
        (key, c)
        for key in ("floor", "cc", "introspect", "get", "list", "code", "refresh", "create")
        for c in (16, 64)
    ),
    *((f"peer:{key}", c) for key in ("cc", "introspect") for c in (16, 64)),
    ("rss", None),
    ("list-2", 1),
    ("list-3", 1),
    ("list-deep", 1),
    ("delete-10", 1),
    ("revoke-10", 1),
    ("delete-1000", 1),
    ("revoke-1000", 1),
    ("2x:introspect", 64),
    ("2x:get", 64),
    ("prune", 1),
    ("prune:introspect", 16),
}


@pytest.mark.timeout(240)
def test_quick_bench_produces_every_row(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    database = "sqlite" if request.config.getoption("--db") == "sqlite" else "postgresql"
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            "--quick",
            "--database",
            database,
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=230,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    result = json.loads(out.read_text())
    rows = result["rows"]
    assert {(r["key"], r["connections"]) for r in rows} == EXPECTED

    for row in rows:
        assert not row["met"].startswith("skipped"), row
        if row["key"] != "rss":
            assert row["errors"] == 0, row
            assert row["p50_ms"] is not None, row
            assert row["p50_ms"] > 0, row
        if row["connections"] in (16, 64):
            assert row["rps"], row
    rss = next(r for r in rows if r["key"] == "rss")
    assert rss["extra"]["rss_mb"], rss

    # One table on stdout, a line per row, each with a verdict where a target applies.
    table = [ln for ln in done.stdout.splitlines() if ln.startswith("| ")]
    assert table[0].startswith("| scenario | conns | req/s | p50 ms | p99 ms | errors |")
    assert len(table) == len(rows) + 1
    for row in rows:
        assert any(ln.startswith(f"| {row['scenario']}") for ln in table), row["scenario"]
        if row["target"]:
            assert row["met"].startswith(("yes", "NO", "unknown")), row
