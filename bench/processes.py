"""The processes the bench starts: the server as deployed, the ceiling, and what they cost.

Each one is stopped by its own pid (and, if it will not stop, its own process group), and
its CPU and memory are read from /proc.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from bench.options import Options

HOST = "127.0.0.1"  # the only address this bench ever loads
BENCH = Path(__file__).resolve().parent
SECRET_KEY = "bench-secret-key-" + "x" * 32  # production needs an explicit one; so do we
API_KEY_LINE = re.compile(r"^dso_[A-Za-z0-9_-]+$")

# CPU seconds so far: (server processes by pid, PostgreSQL backends by pid).
CpuSnapshot = tuple[dict[int, float], dict[int, float]]


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
        handle, log_path = tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")
        os.close(handle)  # reopened by name below; the descriptor would only leak
        self.log_path = Path(log_path)
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


def cpu_snapshot(servers: Sequence[Server], database: str | None) -> CpuSnapshot:
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


def cpu_used(before: CpuSnapshot, after: CpuSnapshot) -> tuple[float, float]:
    def used(b: dict[int, float], a: dict[int, float]) -> float:
        return sum(value - b.get(pid, 0.0) for pid, value in a.items())

    return used(before[0], after[0]), used(before[1], after[1])


def deployed_env(opts: Options, database_url: str, issuer: str) -> dict[str, str]:
    """The environment of a deployed server, and of the commands run beside it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCSPACE_OAUTH_")}
    env.update(
        DOCSPACE_OAUTH_DATABASE_URL=database_url,
        DOCSPACE_OAUTH_ISSUER=issuer,
        DOCSPACE_OAUTH_SECRET_KEY=SECRET_KEY,
        DOCSPACE_OAUTH_REDIS_URL=opts.redis_url,
        DOCSPACE_OAUTH_RATE_LIMIT_ENABLED="false",
    )
    return env


def serve(
    opts: Options, database_url: str, *, workers: int, issuer: str | None = None
) -> tuple[Server, str | None]:
    """`docspace-oauth serve` as deployed; returns it and the owner key it printed, if any.
    Instances behind one load balancer share one issuer: pass the first one's."""
    port = free_port()
    env = deployed_env(opts, database_url, issuer or f"http://{HOST}:{port}")
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
