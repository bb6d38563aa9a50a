"""Load: wrk with one Lua script (bench/wrk/request.lua) for every scenario, and what a
measured run is: an optional warm-up, then the run, with the servers' CPU read around it
and, with --profile, py-spy on one worker during it."""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from bench import profile
from bench.options import Options
from bench.processes import Server, cpu_snapshot, cpu_used
from bench.report import Row

WRK_SCRIPT = Path(__file__).resolve().parent / "wrk" / "request.lua"
FORM = "application/x-www-form-urlencoded"

# (title, raw py-spy output) of every profiled run, for the summary at the end.
PROFILES: list[tuple[str, Path]] = []


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


@dataclass
class Measure:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    raw: dict[str, Any]
    cpu_ms: float | None = None
    db_cpu_ms: float | None = None


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, env=env, check=False, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=False, capture_output=True)
        subprocess.run(install, env=env, check=True, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk could not be installed")
    return found


def _lines_file(lines: Sequence[str], tmp: Path) -> str:
    path = tmp / f"lines-{secrets.token_hex(4)}.txt"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _result(done: subprocess.CompletedProcess[str]) -> Measure:
    """The BENCH_RESULT line request.lua prints at the end."""
    match = re.search(r"^BENCH_RESULT (\{.*\})$", done.stdout, re.M)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw: dict[str, Any] = json.loads(match.group(1))
    seconds = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Measure(
        requests=raw["requests"],
        seconds=seconds,
        rps=raw["requests"] / seconds if seconds else 0.0,
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        errors=errors,
        raw=raw,
    )


def _share_below(tail: Sequence[Sequence[float]], us: float) -> float:
    """The share of one run's requests faster than `us`, read off its tail points by linear
    interpolation (below the first point, from 0 at 0 µs)."""
    previous = (0.0, 0.0)
    for pct, at in tail:
        if us <= at:
            span = at - previous[1]
            step = (us - previous[1]) / span if span else 1.0
            return (previous[0] + step * (pct - previous[0])) / 100
        previous = (float(pct), float(at))
    return 1.0


def pooled_percentile(runs: Sequence[Measure], pct: float) -> float:
    """The `pct` percentile, in ms, of all the requests of several runs taken as one load test:
    each run's distribution (its tail points) weighted by its request count, and the pooled
    distribution searched for the latency below which `pct`% of all requests fall."""
    runs = [m for m in runs if m.requests and "tail" in m.raw]
    if not runs:
        return 0.0
    total = sum(m.requests for m in runs)

    def share(us: float) -> float:
        return sum(m.requests * _share_below(m.raw["tail"], us) for m in runs) / total

    low, high = 0.0, float(max(m.raw["tail"][-1][1] for m in runs))
    for _ in range(60):  # bisection to well under a microsecond
        middle = (low + high) / 2
        low, high = (middle, high) if share(middle) < pct / 100 else (low, middle)
    return high / 1000


def wrk(
    url: str,
    *,
    connections: int,
    duration: int,
    threads: int = 1,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    bodies: Sequence[str] | None = None,
    paths: Sequence[str] | None = None,
    once: bool = False,
    addrs: Sequence[str] | None = None,
) -> Measure:
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        env = {
            **os.environ,
            "BENCH_METHOD": method,
            "BENCH_ONCE": "1" if once else "0",
            "BENCH_THREADS": str(threads),
            "BENCH_BODIES": _lines_file(bodies, Path(tmp)) if bodies else "",
            "BENCH_PATHS": _lines_file(paths, Path(tmp)) if paths else "",
            "BENCH_ADDRS": ",".join(addrs or ()),
        }
        argv = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(WRK_SCRIPT),
        ]
        for name, value in (headers or {}).items():
            argv += ["-H", f"{name}: {value}"]
        argv.append(url)
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, check=False, timeout=duration + 60
        )
    return _result(done)


class Accounting(TypedDict, total=False):
    """Where a load goes and whose CPU it is charged to (a Load's last three fields)."""

    servers: Sequence[Server]
    database: str | None
    addrs: Sequence[str] | None


@dataclass
class Load:
    """One scenario's requests: the same request over and over, or single-use bodies made
    fresh for each run (codes, refresh tokens)."""

    url: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    paths: Sequence[str] | None = None
    single_use: Callable[[int], list[str]] | None = None  # count -> bodies
    addrs: Sequence[str] | None = None
    servers: Sequence[Server] = ()  # whose CPU to account per request
    database: str | None = None  # the PostgreSQL database whose backends' CPU to account


def measure(
    opts: Options,
    load: Load,
    connections: int,
    *,
    threads: int | None = None,
    profile_as: str | None = None,
) -> Measure:
    threads = threads or opts.wrk_threads
    sizes = opts.sizes

    def once(duration: int) -> Measure:
        bodies: Sequence[str] | None = [load.body] if load.body is not None else None
        if load.single_use is not None:
            bodies = load.single_use(sizes.single_use_rate * duration + 100 * connections)
        return wrk(
            load.url,
            connections=connections,
            duration=duration,
            threads=threads,
            method=load.method,
            headers=load.headers,
            bodies=bodies,
            paths=load.paths,
            once=load.single_use is not None,
            addrs=load.addrs,
        )

    if sizes.warmup:
        once(sizes.warmup)
    before = cpu_snapshot(load.servers, load.database)
    spy = None
    if opts.profile_dir and profile_as and load.servers:
        raw = opts.profile_dir / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', profile_as)}.txt"
        spy = profile.start(load.servers[0].worker_pids()[0], sizes.duration, raw)
        PROFILES.append((profile_as, raw))
    result = once(sizes.duration)
    if spy is not None:
        spy.wait(timeout=60)
    if load.servers and result.requests:
        app, db = cpu_used(before, cpu_snapshot(load.servers, load.database))
        result.cpu_ms = 1000 * app / result.requests
        result.db_cpu_ms = 1000 * db / result.requests if load.database else None
    return result


def row_from(scenario: str, key: str, connections: int, m: Measure, note: str = "") -> Row:
    return Row(
        scenario,
        connections,
        m.rps,
        m.p50_ms,
        m.p99_ms,
        m.errors,
        key=key,
        note=note,
        cpu_ms=m.cpu_ms,
        db_cpu_ms=m.db_cpu_ms,
        extra={"requests": m.requests, "seconds": round(m.seconds, 3), "wrk": m.raw},
    )
