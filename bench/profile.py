"""Where a scenario's time goes: py-spy samples of one server worker, summed by layer.

`python bench/run.py --profile` records each scenario's measured run with
`py-spy record --gil --format raw` (on-CPU samples: only while the worker holds the GIL) and
writes, next to the results, the raw stacks and one Markdown table of layers per scenario.
py-spy comes from PyPI (`pip install py-spy`) and needs ptrace (root, or
kernel.yama.ptrace_scope=0).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

# First match from the innermost frame outwards names the layer a sample belongs to.
LAYERS: list[tuple[str, re.Pattern[str]]] = [
    ("threadpool hop (sync def dependency)", re.compile(r"anyio/|starlette/concurrency")),
    ("asyncpg (driver, round trips)", re.compile(r"asyncpg/")),
    ("psycopg (driver, round trips)", re.compile(r"psycopg/")),
    ("sqlite3", re.compile(r"sqlite3/")),
    ("SQLAlchemy (ORM, Core, pool)", re.compile(r"sqlalchemy/")),
    ("JOSE (joserfc, cryptography)", re.compile(r"joserfc/|cryptography/")),
    ("Authlib", re.compile(r"authlib/")),
    ("prometheus_client", re.compile(r"prometheus_client/")),
    ("pydantic", re.compile(r"pydantic")),
    ("form parsing", re.compile(r"multipart/|formparsers")),
    ("logging", re.compile(r"logging/")),
    ("FastAPI / Starlette", re.compile(r"fastapi/|starlette/")),
    ("Flask / Werkzeug", re.compile(r"flask/|werkzeug/")),
    ("uvicorn / httptools", re.compile(r"uvicorn/|httptools")),
    ("gunicorn", re.compile(r"gunicorn/")),
    ("docspace_oauth", re.compile(r"docspace_oauth/")),
    ("the peer's app", re.compile(r"bench/peer/")),
]
# Frames that say nothing about who asked for the work: look further out.
_TRANSPARENT = re.compile(r"threading\.py|queue\.py|asyncio/|contextlib\.py|functools\.py")
OTHER = "event loop, stdlib, other"
_LINE = re.compile(r":\d+\)$")


def available() -> bool:
    return shutil.which("py-spy") is not None


def start(pid: int, seconds: int, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            "py-spy",
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(seconds),
            "--rate",
            "200",
            "--gil",
            "--nonblocking",
            "--format",
            "raw",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def layers(raw: Path) -> tuple[int, list[tuple[str, float]]]:
    """(samples, [(layer, share)]) from py-spy's raw (collapsed) output."""
    counts: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        total += int(n)
        layer = OTHER
        for frame in reversed(stack.split(";")):
            if _TRANSPARENT.search(frame):
                continue
            hit = next((name for name, pattern in LAYERS if pattern.search(frame)), None)
            if hit:
                layer = hit
                break
        counts[layer] += int(n)
    return total, [(name, n / total) for name, n in counts.most_common()] if total else []


def hottest(raw: Path, top: int = 12) -> list[tuple[str, float]]:
    """Functions by inclusive share (line numbers dropped), outermost frames excluded."""
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        total += int(n)
        for frame in {_LINE.sub(")", f) for f in stack.split(";")}:
            inclusive[frame] += int(n)
    if not total:
        return []
    mine = [
        (f, c / total)
        for f, c in inclusive.most_common()
        if "docspace_oauth/" in f
        or "sqlalchemy/" in f
        or "asyncpg/" in f
        or "joserfc/" in f
        or "run_in_threadpool" in f
        or "solve_dependencies" in f
    ]
    return mine[:top]


def report(entries: list[tuple[str, Path]]) -> str:
    """One Markdown section per profiled scenario."""
    parts = ["# Where the time goes (py-spy --gil, one worker, the measured run)", ""]
    for title, raw in entries:
        if not raw.exists():
            continue
        total, shares = layers(raw)
        parts += [f"## {title}", "", f"{total} samples", "", "| layer | share |", "|---|---|"]
        parts += [f"| {name} | {share:.0%} |" for name, share in shares]
        parts += ["", "| function (inclusive) | share |", "|---|---|"]
        parts += [f"| `{name[:110]}` | {share:.0%} |" for name, share in hottest(raw)]
        parts.append("")
    return "\n".join(parts)


if __name__ == "__main__":  # re-summarise a profile directory: python -m bench.profile DIR
    import sys

    directory = Path(sys.argv[1])
    print(report([(raw.stem, raw) for raw in sorted(directory.glob("*.txt"))]))
