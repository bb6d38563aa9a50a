"""docspace-oauth's load bench: one command, one table.

    python bench/run.py            # full run (about 10 minutes on 2 cores)
    python bench/run.py --quick    # tiny sizes, 1 s per scenario (under a minute)

It starts `docspace-oauth serve` as deployed (uvicorn workers, PostgreSQL, Redis configured,
an explicit secret key; rate limits off so that the limits do not become the measurement),
loads it from a separate process over loopback with wrk (installed with apt-get when
missing), and measures in the same run:

- the ceiling: a bare Starlette endpoint returning small JSON (bench/ceiling.py), served by
  uvicorn with the same worker count;
- the peer: Authlib's Flask authorization server (bench/peer/app.py) in its own virtualenv
  (bench/.peer-venv, from PyPI), served by gunicorn with the same worker count, doing the
  same client_credentials and introspection work;
- the scenarios: client_credentials, introspection of a live JWT, authorization-code
  exchange, refresh, get client, list page, create client (each at 16 and 64 connections);
  list-page latency at 1k and 1M clients; delete-client and revoke-consent time with 100
  and 100,000 live tokens; two instances against one; RSS per worker.

Everything that is seeded goes straight into the database in bulk (bench/seed.py), hashed
with the server's own keyed hash under the server's own key, so it verifies as shipped.
Only 127.0.0.1 is ever targeted. See docs/performance.md for the results and what they mean.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import profile  # noqa: E402
from bench.seed import REDIRECT_URI, SeededUser, Seeder  # noqa: E402
from docspace_oauth.models import Role  # noqa: E402

HOST = "127.0.0.1"  # the only address this bench ever loads
WRK_SCRIPT = BENCH / "wrk" / "request.lua"
PEER_DIR = BENCH / "peer"
PEER_VENV = BENCH / ".peer-venv"
RESULTS = BENCH / "results"
FORM = "application/x-www-form-urlencoded"
SECRET_KEY = "bench-secret-key-" + "x" * 32  # production needs an explicit one; so do we
API_KEY_LINE = re.compile(r"^dso_[A-Za-z0-9_-]+$")
SKIPPED = "skipped: endpoint not available"


# ---------------------------------------------------------------------------------------
# Options and sizes


@dataclass(frozen=True)
class Sizes:
    duration: int  # seconds per measured wrk run
    warmup: int  # seconds of warm-up before each (0: none)
    list_small: int
    list_large: int
    tokens_small: int
    tokens_large: int
    reps_small: int  # timed deletions / revocations per size
    reps_large: int
    single_use_rate: int  # codes / refresh tokens seeded per second of a run


FULL = Sizes(10, 2, 1_000, 1_000_000, 100, 100_000, 7, 5, 6_000)
QUICK = Sizes(1, 0, 100, 2_000, 10, 1_000, 2, 2, 6_000)
CONNECTIONS = (16, 64)


@dataclass(frozen=True)
class Options:
    quick: bool
    workers: int
    wrk_threads: int
    database: str  # "postgresql" or "sqlite"
    postgres_url: str
    redis_url: str
    log_level: str
    peer: bool
    json_path: Path | None
    sizes: Sizes
    profile_dir: Path | None = None  # --profile: py-spy each measured run into here


# ---------------------------------------------------------------------------------------
# The table


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


# Targets (issue 5).


def _bind(row: Row, check: Callable[[Context, Row], tuple[bool | None, str]], label: str) -> None:
    row.checks.append(Check(label, lambda ctx: check(ctx, row)))


def add_targets(row: Row, key: str, connections: int) -> None:
    share = {"cc": 0.25, "introspect": 0.40, "get": 0.40, "list": 0.40}.get(key)
    if share is not None:

        def by_ratio(ctx: Context, r: Row, share: float = share) -> tuple[bool | None, str]:
            if r.rps is None or not ctx.ceiling(r.connections):
                return None, "no ceiling"
            ratio = r.rps / (ctx.ceiling(r.connections) or 1)
            return ratio >= share, f"{ratio:.0%}"

        _bind(row, by_ratio, f"≥{share:.0%} of ceiling")
    if key == "code":
        _bind(
            row,
            lambda ctx, r: (
                (None, "not run") if r.rps is None else (r.rps >= 2000, f"{r.rps:,.0f}/s")
            ),
            "≥2,000 req/s",
        )
    if key in {"cc", "introspect"}:

        def by_peer(ctx: Context, r: Row) -> tuple[bool | None, str]:
            peer = ctx.find(f"peer:{key}", r.connections)
            if peer is None or not peer.rps or r.rps is None:
                return None, "no peer"
            return r.rps >= 5 * peer.rps, f"{r.rps / peer.rps:.1f}×"

        _bind(row, by_peer, "≥5× peer")
    if connections == 16:
        _bind(
            row,
            lambda ctx, r: (
                (None, "not run") if r.p99_ms is None else (r.p99_ms < 10, f"p99 {r.p99_ms:.1f} ms")
            ),
            "p99<10 ms",
        )


# ---------------------------------------------------------------------------------------
# Processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Server:
    """A server process this bench started; stopped by its own pid (and its group)."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: dict[str, str],
        port: int,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.port = port
        self.url = f"http://{HOST}:{port}"
        self.log_path = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")[1])
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            list(argv),
            env=env,
            cwd=cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, path: str, statuses: set[int], timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log()[-4000:]}")
            try:
                if httpx.get(self.url + path, timeout=2).status_code in statuses:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not start:\n{self.log()[-4000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()

    def worker_pids(self) -> list[int]:
        """The worker processes: uvicorn's spawned children, gunicorn's forked ones, or the
        process itself when it serves alone."""
        children = [
            pid
            for pid in _descendants(self.process.pid)
            if b"resource_tracker" not in _cmdline(pid)
        ]
        spawned = [pid for pid in children if b"spawn_main" in _cmdline(pid)]
        return spawned or children or [self.process.pid]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    stack = [pid]
    while stack:
        parent = stack.pop()
        try:
            tasks = Path(f"/proc/{parent}/task").iterdir()
            for task in tasks:
                children = (task / "children").read_text().split()
                for child in children:
                    found.append(int(child))
                    stack.append(int(child))
        except OSError:
            continue
    return found


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def cpu_snapshot(
    servers: Sequence[Server], database: str | None
) -> tuple[dict[int, float], dict[int, float]]:
    """CPU so far of every process of the servers, and of the PostgreSQL backends serving
    `database` (matched by the name in their process title)."""
    app = {
        pid: cpu_seconds(pid)
        for s in servers
        for pid in [s.process.pid, *_descendants(s.process.pid)]
    }
    db: dict[int, float] = {}
    if database:
        marker = f" {database} ".encode()
        for entry in Path("/proc").iterdir():
            pid = int(entry.name) if entry.name.isdigit() else 0
            if pid and marker in _cmdline(pid).replace(b"\0", b" "):
                db[pid] = cpu_seconds(pid)
    return app, db


def cpu_used(
    before: tuple[dict[int, float], dict[int, float]],
    after: tuple[dict[int, float], dict[int, float]],
) -> tuple[float, float]:
    def used(b: dict[int, float], a: dict[int, float]) -> float:
        return sum(value - b.get(pid, 0.0) for pid, value in a.items())

    return used(before[0], after[0]), used(before[1], after[1])


def serve(
    opts: Options, database_url: str, *, workers: int, issuer: str | None = None
) -> tuple[Server, str | None]:
    """`docspace-oauth serve` as deployed; returns it and the owner key it printed, if any.
    Instances behind one load balancer share one issuer: pass the first one's."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCSPACE_OAUTH_")}
    env.update(
        DOCSPACE_OAUTH_DATABASE_URL=database_url,
        DOCSPACE_OAUTH_ISSUER=issuer or f"http://{HOST}:{port}",
        DOCSPACE_OAUTH_SECRET_KEY=SECRET_KEY,
        DOCSPACE_OAUTH_REDIS_URL=opts.redis_url,
        DOCSPACE_OAUTH_RATE_LIMIT_ENABLED="false",
    )
    server = Server(
        f"serve-{port}",
        [
            sys.executable,
            "-m",
            "docspace_oauth.cli.main",
            "serve",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            opts.log_level,
        ],
        env,
        port,
    )
    server.wait_ready("/health", {200})
    keys = [ln.strip() for ln in server.log().splitlines() if API_KEY_LINE.match(ln.strip())]
    return server, (keys[0] if keys else None)


def ceiling_server(opts: Options) -> Server:
    port = free_port()
    server = Server(
        "ceiling",
        [
            sys.executable,
            "-m",
            "uvicorn",
            "ceiling:app",
            "--app-dir",
            str(BENCH),
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            str(opts.workers),
            "--log-level",
            "warning",
            "--no-access-log",
            "--no-server-header",
            "--no-proxy-headers",
        ],
        dict(os.environ),
        port,
    )
    server.wait_ready("/ceiling", {200})
    return server


# ---------------------------------------------------------------------------------------
# wrk


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
    match = re.search(r"^BENCH_RESULT (\{.*\})$", done.stdout, re.M)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw = json.loads(match.group(1))
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


PROFILES: list[tuple[str, Path]] = []


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


# ---------------------------------------------------------------------------------------
# Databases


async def _pg_admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql://", "postgres://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def database_name(url: str) -> str | None:
    """The PostgreSQL database's name (its backends' titles carry it); None for SQLite."""
    return None if url.startswith("sqlite") else url.rsplit("/", 1)[1]


@contextmanager
def fresh_database(opts: Options, prefix: str) -> Iterator[str]:
    """An empty database for this run, dropped afterwards."""
    if opts.database == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as tmp:
            yield f"sqlite:///{tmp}/docspace-oauth.db"
        return
    name = f"{prefix}_{secrets.token_hex(5)}"
    asyncio.run(_pg_admin(opts.postgres_url, f'CREATE DATABASE "{name}"'))
    try:
        yield f"{opts.postgres_url.rsplit('/', 1)[0]}/{name}"
    finally:
        asyncio.run(_pg_admin(opts.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# ---------------------------------------------------------------------------------------
# The peer


def _requirements_stamp() -> str:
    return hashlib.sha256((PEER_DIR / "requirements.txt").read_bytes()).hexdigest()


def ensure_peer_venv() -> Path:
    """bench/.peer-venv with the peer's pinned requirements from PyPI (made once, reused)."""
    stamp = PEER_VENV / ".requirements.sha256"
    python = PEER_VENV / "bin" / "python"
    if python.exists() and stamp.exists() and stamp.read_text() == _requirements_stamp():
        return python
    if PEER_VENV.exists():
        shutil.rmtree(PEER_VENV)
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "-r",
            str(PEER_DIR / "requirements.txt"),
        ],
        check=True,
        capture_output=True,
    )
    stamp.write_text(_requirements_stamp())
    return python


def peer_jwk() -> str:
    from joserfc.jwk import ECKey

    key = ECKey.generate_key("P-256", private=True)
    data = {**key.as_dict(private=True), "kid": "peer-1", "alg": "ES256", "use": "sig"}
    return json.dumps({"keys": [data]})


# ---------------------------------------------------------------------------------------
# The run


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def oauth2_available(url: str) -> bool:
    try:
        response = httpx.post(
            f"{url}/oauth2/token", data={"grant_type": "client_credentials"}, timeout=5
        )
    except httpx.TransportError:
        return False
    return response.status_code in {400, 401}  # an OAuth error: the endpoint is there


def run_ceiling(opts: Options, ctx: Context) -> None:
    log(f"ceiling: bare Starlette, uvicorn × {opts.workers} workers")
    server = ceiling_server(opts)
    try:
        for connections in CONNECTIONS:
            m = measure(opts, Load(f"{server.url}/ceiling", servers=[server]), connections)
            ctx.rows.append(row_from("ceiling: bare Starlette JSON", "ceiling", connections, m))
    finally:
        server.stop()


@dataclass
class Cast:
    """What the main run seeded, for the later phases."""

    database_url: str
    issuer: str
    owner_key: str
    client_id: str
    secret: str
    access_token: str | None
    owner: SeededUser


def run_service(opts: Options, ctx: Context, database_url: str) -> Cast:
    sizes = opts.sizes
    log(f"docspace-oauth serve × {opts.workers} workers on {opts.database}")
    server, owner_key = serve(opts, database_url, workers=opts.workers)
    assert owner_key, "the first start printed no owner key"
    try:
        seeder = Seeder(database_url, SECRET_KEY, server.url)
        loop = asyncio.new_event_loop()
        run = loop.run_until_complete
        run(seeder.open())
        try:
            return _service_phases(opts, ctx, server, owner_key, seeder, run, sizes)
        finally:
            run(seeder.close())
            loop.close()
    finally:
        server.stop()


def _service_phases(
    opts: Options,
    ctx: Context,
    server: Server,
    owner_key: str,
    seeder: Seeder,
    run: Callable[..., Any],
    sizes: Sizes,
) -> Cast:
    url = server.url
    owner_auth = {"Authorization": f"Bearer {owner_key}"}
    http = httpx.Client(base_url=url, timeout=30)

    # The owner, as a seeded user (tenant 1), and a bench user who consents.
    owner_id = run(seeder.scalar("SELECT id FROM users WHERE email = 'owner@example.com'"))
    owner = SeededUser(str(owner_id), 1, "owner@example.com", owner_key)
    person = run(seeder.user("person@example.com", Role.USER, 1))

    # The bench client, created through the API like any client.
    from bench.seed import LOGO, SCOPES

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
    created = http.post("/api/2.0/clients", json=body, headers=owner_auth)
    created.raise_for_status()
    client_id, secret = created.json()["client_id"], created.json()["client_secret"]
    client_auth = basic(client_id, secret)

    # Tenant 1's list: the seeded clients plus the bench client.
    log(f"seeding {sizes.list_small:,} clients in tenant 1")
    run(seeder.clients(owner, sizes.list_small))
    run(seeder.consent(client_id, person))
    run(seeder.analyze())

    available = oauth2_available(url)
    access_token = None
    if available:
        code = run(seeder.codes(client_id, person, 1))[0]
        exchanged = http.post(
            "/oauth2/token",
            headers={"Authorization": client_auth},
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        )
        if exchanged.status_code == 200:
            access_token = exchanged.json()["access_token"]
        else:
            log(f"code exchange failed: {exchanged.status_code} {exchanged.text[:200]}")
            available = False
    form = {"Content-Type": FORM, "Authorization": client_auth}
    if access_token:  # the introspection rows measure a live token, or they mean nothing
        check = http.post("/oauth2/introspect", headers=form, content=f"token={access_token}")
        assert check.json().get("active") is True, check.text

    def codes(count: int) -> list[str]:
        raw = run(seeder.codes(client_id, person, count))
        target = quote(REDIRECT_URI, safe="")
        return [f"grant_type=authorization_code&code={c}&redirect_uri={target}" for c in raw]

    def refresh_tokens(count: int) -> list[str]:
        raw = run(seeder.live_tokens(client_id, person, count, keep=True))
        return [f"grant_type=refresh_token&refresh_token={t}" for t in raw]

    create_body = json.dumps({**body, "name": "Bench created app"})
    on = {"servers": [server], "database": database_name(seeder.database_url)}
    scenarios: list[tuple[str, str, Load, bool]] = [
        ("framework floor: GET /health (no database)", "floor", Load(f"{url}/health", **on), False),
        (
            "client_credentials token",
            "cc",
            Load(
                f"{url}/oauth2/token",
                "POST",
                form,
                body="grant_type=client_credentials&scope=files:read",
                **on,
            ),
            True,
        ),
        (
            "introspection of a live JWT",
            "introspect",
            Load(f"{url}/oauth2/introspect", "POST", form, body=f"token={access_token}", **on),
            True,
        ),
        (
            "get client",
            "get",
            Load(f"{url}/api/2.0/clients/{client_id}", headers=owner_auth, **on),
            False,
        ),
        (
            "list page (30 of 1k)",
            "list",
            Load(f"{url}/api/2.0/clients", headers=owner_auth, **on),
            False,
        ),
        (
            "authorization-code exchange",
            "code",
            Load(f"{url}/oauth2/token", "POST", form, single_use=codes, **on),
            True,
        ),
        (
            "refresh (rotation)",
            "refresh",
            Load(f"{url}/oauth2/token", "POST", form, single_use=refresh_tokens, **on),
            True,
        ),
        (
            "create client",
            "create",
            Load(
                f"{url}/api/2.0/clients",
                "POST",
                {**owner_auth, "Content-Type": "application/json"},
                body=create_body,
                **on,
            ),
            False,
        ),
    ]
    for name, key, load, needs_oauth2 in scenarios:
        for connections in CONNECTIONS:
            if needs_oauth2 and not available:
                row = Row(name, connections, key=key, met=SKIPPED)
                ctx.rows.append(row)
                continue
            log(f"{name} at {connections} connections")
            m = measure(opts, load, connections, profile_as=f"{name} at {connections}")
            row = row_from(name, key, connections, m)
            add_targets(row, key, connections)
            ctx.rows.append(row)

    # RSS of every worker, after all of the above.
    rss = [rss_mb(pid) for pid in server.worker_pids()]
    measured = [r for r in rss if r is not None]
    row = Row(
        f"RSS per worker after the run ({len(measured)} workers)",
        None,
        key="rss",
        extra={"rss_mb": measured},
    )
    row.checks.append(
        Check(
            "<150 MB",
            lambda ctx: (
                bool(measured) and max(measured) < 150,
                ", ".join(f"{r:.0f} MB" for r in measured) or "none found",
            ),
        )
    )
    ctx.rows.append(row)

    _list_scaling(opts, ctx, url, seeder, run, on)
    _delete_and_revoke(opts, ctx, url, seeder, run, owner_auth, available)
    http.close()
    return Cast(seeder.database_url, url, owner_key, client_id, secret, access_token, owner)


def _list_scaling(
    opts: Options,
    ctx: Context,
    url: str,
    seeder: Seeder,
    run: Callable[..., Any],
    on: dict[str, Any],
) -> None:
    """List-page latency (1 connection: no queueing) at 1k and 1M clients, and a page from
    the middle of the 1M by its cursor."""
    sizes = opts.sizes
    rows: dict[str, Row] = {}
    for tenant, count in ((2, sizes.list_small), (3, sizes.list_large)):
        admin = run(seeder.user(f"admin{tenant}@example.com", Role.ADMIN, tenant))
        log(f"seeding {count:,} clients in tenant {tenant}")
        started = time.monotonic()
        newest = datetime.now(UTC) - timedelta(seconds=1)
        run(seeder.clients(admin, count, newest=newest))
        run(seeder.analyze())
        seeded_in = time.monotonic() - started
        headers = {"Authorization": f"Bearer {admin.api_key}"}
        label = _count_label(count)
        m = measure(opts, Load(f"{url}/api/2.0/clients", headers=headers, **on), 1)
        row = row_from(
            f"list page latency, {label} clients",
            f"list-{tenant}",
            1,
            m,
            note=f"seeded in {seeded_in:.1f} s",
        )
        rows[label] = row
        ctx.rows.append(row)
        if tenant == 3:
            # A cursor half-way down: keyset paging costs the same wherever it starts. The
            # page found by time alone (DocSpace's cursor) gives the full cursor, time and
            # id, which the SDK and the console send; that is the one measured.
            middle = newest - timedelta(milliseconds=count // 2)
            cursor = middle.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            found = httpx.get(
                f"{url}/api/2.0/clients?last_created_on={quote(cursor)}", headers=headers
            ).json()
            path = (
                f"/api/2.0/clients?last_client_id={found['last_client_id']}"
                f"&last_created_on={quote(found['last_created_on'])}"
            )
            m = measure(opts, Load(f"{url}{path}", headers=headers, **on), 1)
            row = row_from(
                f"list page latency, {label} clients, cursor half-way", "list-deep", 1, m
            )
            ctx.rows.append(row)
            rows["deep"] = row
    small = rows[_count_label(sizes.list_small)]
    for key in (_count_label(sizes.list_large), "deep"):
        _bind(
            rows[key],
            lambda ctx, r, s=small: (
                (None, "not run")
                if not (r.p50_ms and s.p50_ms)
                else (r.p50_ms <= 1.5 * s.p50_ms, f"{r.p50_ms / s.p50_ms:.2f}×")
            ),
            f"p50 ≤1.5× {_count_label(sizes.list_small)}",
        )


def _count_label(count: int) -> str:
    if count >= 1_000_000 and count % 1_000_000 == 0:
        return f"{count // 1_000_000}M"
    if count >= 1_000 and count % 1_000 == 0:
        return f"{count // 1_000}k"
    return f"{count:,}"


def _delete_and_revoke(
    opts: Options,
    ctx: Context,
    url: str,
    seeder: Seeder,
    run: Callable[..., Any],
    owner_auth: dict[str, str],
    available: bool,
) -> None:
    """Deleting a client and revoking a consent, each with N live tokens: sequential
    requests, each on a fresh client that holds N live grants (family + refresh token).

    Everything is seeded first, then the database is checkpointed, then the requests are
    made interleaved (small, large, small, large...), so that both sizes meet the same
    background (other processes, autovacuum) and only the number of tokens differs."""
    sizes = opts.sizes
    owner_id = run(seeder.scalar("SELECT id FROM users WHERE email = 'owner@example.com'"))
    owner = SeededUser(str(owner_id), 1, "owner@example.com", "")
    plan: dict[tuple[str, int], list[tuple[Any, SeededUser, str]]] = {}
    started = time.monotonic()
    for count, reps in (
        (sizes.tokens_small, sizes.reps_small),
        (sizes.tokens_large, sizes.reps_large),
    ):
        log(f"seeding {2 * reps} clients with {count:,} live tokens each")
        for op in ("delete", "revoke"):
            clients = run(seeder.clients(owner, reps, keep_secrets=True))
            for i, client in enumerate(clients):
                holder = run(seeder.user(f"{op}{count}-{i}@example.com", Role.USER, 1))
                run(seeder.consent(client.client_id, holder))
                tokens = run(seeder.live_tokens(client.client_id, holder, count, keep=True))
                plan.setdefault((op, count), []).append((client, holder, tokens[0]))
    run(seeder.analyze())
    run(seeder.settle())
    seeded_in = time.monotonic() - started

    http = httpx.Client(base_url=url, timeout=60)
    times: dict[tuple[str, int], list[float]] = {key: [] for key in plan}
    errors: dict[tuple[str, int], int] = dict.fromkeys(plan, 0)

    def introspect(client: Any, token: str) -> bool | None:
        auth = {"Authorization": basic(client.client_id, client.secret)}
        check = http.post("/oauth2/introspect", data={"token": token}, headers=auth)
        return check.json().get("active") if check.status_code == 200 else None

    for i in range(max(sizes.reps_small, sizes.reps_large)):
        for key in sorted(plan, key=lambda k: (k[0], k[1])):
            if i >= len(plan[key]):
                continue
            op, _ = key
            client, holder, token = plan[key][i]
            if op == "delete":
                path, headers = f"/api/2.0/clients/{client.client_id}", owner_auth
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
    http.close()

    rows: dict[tuple[str, int], Row] = {}
    for (op, count), taken in sorted(plan.items()):
        name = "delete client" if op == "delete" else "revoke consent"
        row = Row(
            f"{name}, {_count_label(count)} live tokens",
            1,
            p50_ms=statistics.median(times[(op, count)]),
            p99_ms=max(times[(op, count)]),
            errors=errors[(op, count)],
            key=f"{op}-{count}",
            note=f"{len(taken)} requests; p99 column = max",
            extra={"times_ms": times[(op, count)], "seeded_in_s": round(seeded_in, 1)},
        )
        rows[(op, count)] = row
        ctx.rows.append(row)
    for op in ("delete", "revoke"):
        small = rows[(op, sizes.tokens_small)]
        _bind(
            rows[(op, sizes.tokens_large)],
            lambda ctx, r, s=small: (
                (None, "not run")
                if not (r.p50_ms and s.p50_ms)
                else (r.p50_ms <= 2 * s.p50_ms, f"{r.p50_ms / s.p50_ms:.2f}×")
            ),
            f"p50 ≤2× {_count_label(sizes.tokens_small)}",
        )


def run_two_instances(opts: Options, ctx: Context, cast: Cast) -> None:
    """Two `serve` instances (1 worker each) on the same database and Redis, wrk spreading
    its connections over both as a load balancer would, against one instance (2 workers)."""
    log("two instances × 1 worker on the same database and Redis")
    a, _ = serve(opts, cast.database_url, workers=1, issuer=cast.issuer)
    try:
        b, _ = serve(opts, cast.database_url, workers=1, issuer=cast.issuer)
        try:
            addrs = [f"{HOST}:{a.port}", f"{HOST}:{b.port}"]
            form = {"Content-Type": FORM, "Authorization": basic(cast.client_id, cast.secret)}
            if cast.access_token:
                for instance in (a, b):  # the token is live on both, or the rows mean nothing
                    check = httpx.post(
                        f"{instance.url}/oauth2/introspect",
                        headers=form,
                        content=f"token={cast.access_token}",
                    ).json()
                    assert check.get("active") is True, check
            on = {"servers": [a, b], "database": database_name(cast.database_url), "addrs": addrs}
            loads = [
                (
                    "get client",
                    "get",
                    Load(
                        f"{a.url}/api/2.0/clients/{cast.client_id}",
                        headers={"Authorization": f"Bearer {cast.owner_key}"},
                        **on,
                    ),
                )
            ]
            if cast.access_token:
                loads.insert(
                    0,
                    (
                        "introspection of a live JWT",
                        "introspect",
                        Load(
                            f"{a.url}/oauth2/introspect",
                            "POST",
                            form,
                            body=f"token={cast.access_token}",
                            **on,
                        ),
                    ),
                )
            for name, key, load in loads:
                connections = CONNECTIONS[-1]
                m = measure(opts, load, connections, threads=2, profile_as=f"{name}, 2 instances")
                row = row_from(
                    f"{name}: 2 instances × 1 worker",
                    f"2x:{key}",
                    connections,
                    m,
                    note="wrk 2 threads, one per instance",
                )
                one = ctx.find(key, connections)

                def compare(ctx: Context, r: Row, one: Row | None = one) -> tuple[bool | None, str]:
                    if one is None or not one.rps or r.rps is None:
                        return None, "no single-instance row"
                    return True, f"{r.rps / one.rps:.2f}× one instance"

                _bind(row, compare, "same state, any instance")
                ctx.rows.append(row)
        finally:
            b.stop()
    finally:
        a.stop()


def run_peer(opts: Options, ctx: Context, python: Path) -> None:
    log(f"peer: Authlib Flask server, gunicorn × {opts.workers} workers (gthread)")
    with fresh_database(opts, "dso_bench_peer") as database_url:
        if opts.database == "sqlite":
            peer_url = database_url
        else:
            peer_url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
        port = free_port()
        client_id, secret = "bench-peer-client", secrets.token_urlsafe(30)
        env = {
            **os.environ,
            "PEER_DATABASE_URL": peer_url,
            "PEER_ISSUER": f"http://{HOST}:{port}",
            "PEER_JWK": peer_jwk(),
        }
        subprocess.run(
            [str(python), "app.py", "init", client_id, secret],
            cwd=PEER_DIR,
            env=env,
            check=True,
            capture_output=True,
        )
        gunicorn = str(python.parent / "gunicorn")
        server = Server(
            "peer",
            [
                gunicorn,
                "--workers",
                str(opts.workers),
                "--worker-class",
                "gthread",
                "--threads",
                "8",
                "--bind",
                f"{HOST}:{port}",
                "app:app",
            ],
            env,
            port,
            cwd=PEER_DIR,
        )
        try:
            server.wait_ready("/oauth/token", {400, 401, 405})
            form = {"Content-Type": FORM, "Authorization": basic(client_id, secret)}
            cc = "grant_type=client_credentials&scope=files:read"
            token = httpx.post(f"{server.url}/oauth/token", content=cc, headers=form).json()
            check = httpx.post(
                f"{server.url}/oauth/introspect",
                content=f"token={token['access_token']}",
                headers=form,
            ).json()
            assert check.get("active") is True, check
            on = {"servers": [server], "database": database_name(database_url)}
            loads = [
                (
                    "peer: client_credentials token",
                    "peer:cc",
                    Load(f"{server.url}/oauth/token", "POST", form, body=cc, **on),
                ),
                (
                    "peer: introspection of a live JWT",
                    "peer:introspect",
                    Load(
                        f"{server.url}/oauth/introspect",
                        "POST",
                        form,
                        body=f"token={token['access_token']}",
                        **on,
                    ),
                ),
            ]
            for name, key, load in loads:
                for connections in CONNECTIONS:
                    log(f"{name} at {connections} connections")
                    m = measure(opts, load, connections, profile_as=f"{name} at {connections}")
                    ctx.rows.append(row_from(name, key, connections, m))
        finally:
            server.stop()


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


def parse(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes and 1 s per scenario, to check the bench works",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="uvicorn / gunicorn workers (default 2: one per core)",
    )
    parser.add_argument(
        "--wrk-threads", type=int, default=1, help="wrk threads (default 1: wrk needs CPU too)"
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "DOCSPACE_OAUTH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
        help="admin URL; the bench creates and drops its own databases beside it",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--log-level",
        default="warning",
        help="the server's log level (info logs a JSON line per request)",
    )
    parser.add_argument("--no-peer", action="store_true", help="skip the Authlib peer")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="py-spy one worker during each measured run (pip install py-spy); raw stacks and "
        "a summary by layer go to bench/results/profile-<time>/",
    )
    args = parser.parse_args(argv)
    return Options(
        quick=args.quick,
        workers=args.workers,
        wrk_threads=args.wrk_threads,
        database=args.database,
        postgres_url=args.postgres_url,
        redis_url=args.redis_url,
        log_level=args.log_level,
        peer=not args.no_peer,
        json_path=args.json,
        sizes=QUICK if args.quick else FULL,
        profile_dir=(
            RESULTS / f"profile-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
            if args.profile
            else None
        ),
    )


def _git_revision() -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse(argv)
    ensure_wrk()
    if opts.profile_dir:
        if not profile.available():
            sys.exit("--profile needs py-spy: pip install py-spy")
        opts.profile_dir.mkdir(parents=True)
    started = time.monotonic()
    load_before = os.getloadavg()
    ctx = Context()

    # The peer's virtualenv: made up front on a full run (so pip never competes with a
    # measurement), in the background on a quick one.
    peer_python: list[Path] = []
    peer_error: list[BaseException] = []

    def make_peer() -> None:
        try:
            peer_python.append(ensure_peer_venv())
        except BaseException as exc:  # reported in the table
            peer_error.append(exc)

    maker = threading.Thread(target=make_peer, daemon=True)
    if opts.peer:
        if opts.quick:
            maker.start()
        else:
            log("peer virtualenv (bench/.peer-venv)")
            make_peer()

    run_ceiling(opts, ctx)
    with fresh_database(opts, "dso_bench") as database_url:
        cast = run_service(opts, ctx, database_url)
        run_two_instances(opts, ctx, cast)
    if opts.peer:
        if maker.is_alive() or (opts.quick and maker.ident):
            maker.join()
        if peer_python:
            run_peer(opts, ctx, peer_python[0])
        else:
            log(f"peer unavailable: {peer_error[0] if peer_error else 'not built'}")

    finish(ctx)
    order_rows(ctx)
    elapsed = time.monotonic() - started
    load_after = os.getloadavg()
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
        summary.write_text(profile.report(PROFILES))
        log(f"profiles: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
