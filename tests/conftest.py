"""Shared fixtures: a real database per run (SQLite and PostgreSQL) and a live server on it.

`--db sqlite|postgresql|all` picks the databases (default: all). PostgreSQL is never skipped:
if it was asked for and is not reachable, the run fails.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import jwt as pyjwt
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from docspace_oauth.db.engine import create_engine, session_factory
from docspace_oauth.security.server_keys import ServerKeys, load_server_keys
from docspace_oauth.settings import Settings

POSTGRES_ADMIN_URL = os.environ.get(
    "DOCSPACE_OAUTH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SIGNATURE_SECRET = "test-signature-secret-with-at-least-32-chars"
API_KEY_LINE = re.compile(r"^dso_[A-Za-z0-9_-]+$")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default="all",
        choices=["sqlite", "postgresql", "all"],
        help="database(s) to run the suite on",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_kind" in metafunc.fixturenames:
        choice = metafunc.config.getoption("--db")
        kinds = ["sqlite", "postgresql"] if choice == "all" else [choice]
        # One xdist worker per database (`-n 2 --dist loadgroup` in pyproject): each starts
        # only its own database's live server, and the two databases' runs overlap.
        params = [pytest.param(kind, marks=pytest.mark.xdist_group(kind)) for kind in kinds]
        metafunc.parametrize("database_kind", params, scope="session")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run every test of one database before any of the next, a module's tests together.

    pytest's own reordering interleaves the session-scoped `database_kind` with
    `@pytest.mark.parametrize`, which would restart the session's live server at nearly every
    item. A stable sort keeps each database's tests together, in their collected order.
    """

    def database(item: pytest.Item) -> str:
        callspec = getattr(item, "callspec", None)
        return str(callspec.params.get("database_kind", "")) if callspec else ""

    # pytest's reordering also scatters a module's tests across the run (those with
    # parametrize of their own especially), and each return to a module sets its
    # module-scoped fixtures up again: a server started per test instead of per module. So
    # within a database, a module's tests stay together too, in the order they came.
    kinds = list(dict.fromkeys(database(item) for item in items))
    modules = list(dict.fromkeys(item.nodeid.split("::", 1)[0] for item in items))
    rank = {name: index for index, name in enumerate(modules)}
    items.sort(key=lambda item: (kinds.index(database(item)), rank[item.nodeid.split("::", 1)[0]]))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _postgres_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(POSTGRES_ADMIN_URL.replace("postgresql://", "postgres://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def postgres_admin(sql: str) -> None:
    """Run one statement as PostgreSQL's admin, from sync code, even where an event loop is
    already running in this thread (Playwright's sync API keeps one for the browser)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _postgres_admin(sql)).result()


@pytest.fixture(scope="session")
def database_url(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty database for this run."""
    if database_kind == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'docspace-oauth.db'}"
        return
    name = f"dso_test_{secrets.token_hex(6)}"
    try:
        postgres_admin(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN_URL} is required for --db postgresql: {exc}")
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(database_url: str, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCSPACE_OAUTH_")}
    env.update(
        DOCSPACE_OAUTH_DATABASE_URL=database_url,
        DOCSPACE_OAUTH_RATE_LIMIT_ENABLED="false",
        DOCSPACE_OAUTH_SIGNATURE_SECRET=SIGNATURE_SECRET,
    )
    env.update(overrides)
    return env


def run_cli(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "docspace_oauth.cli.main", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def run_cli_here(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """run_cli's command run in this process by Typer's CliRunner: the same app and code,
    without a console script's start-up (a second or more of imports, hundreds of times a
    run). For helpers and for tests of a command's behaviour; a test about the console
    script or the process itself (tests/cli/test_entry_point.py, tests/users) uses run_cli.

    In a thread of its own: the command's asyncio.run cannot start where a loop is already
    running in this thread (Playwright's sync API keeps one for the browser)."""
    from typer.testing import CliRunner

    from docspace_oauth.cli.main import app

    # The command sees exactly `env`'s DOCSPACE_OAUTH_ settings, as the subprocess would,
    # and whatever else `env` sets (COLUMNS, XDG_CONFIG_HOME).
    overrides: dict[str, str | None] = {
        k: None for k in os.environ if k.startswith("DOCSPACE_OAUTH_") and k not in env
    }
    overrides.update({k: v for k, v in env.items() if os.environ.get(k) != v})
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(
            CliRunner().invoke, app, list(args), input=stdin, env=overrides
        ).result()
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # What the console script would have printed as its traceback.
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(
        ["docspace-oauth", *args], result.exit_code, result.stdout, stderr
    )


@dataclass
class ServerProcess:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[str]
    log_path: Path
    first_output: list[str] = field(default_factory=list)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(
    database_url: str,
    *,
    workers: int = 1,
    port: int | None = None,
    log_level: str = "warning",
    **env_overrides: str,
) -> ServerProcess:
    """`docspace-oauth serve` as a user would run it, waiting until it answers."""
    port = port or _free_port()
    url = f"http://127.0.0.1:{port}"
    # An issuer given by the caller wins (several instances answering as one service).
    env = server_env(database_url, **{"DOCSPACE_OAUTH_ISSUER": url, **env_overrides})
    log = Path(tempfile.mkstemp(prefix="docspace-oauth-serve-", suffix=".log")[1])
    handle = log.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "docspace_oauth.cli.main",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            log_level,
        ],
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = ServerProcess(url=url, env=env, process=process, log_path=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                server.first_output = server.log().splitlines()
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server did not start:\n{server.log()}")


@dataclass
class LiveServer:
    """A running server on this run's database, with a cast of users to call it as."""

    url: str
    env: dict[str, str]
    owner_key: str
    database_url: str
    keys: dict[str, str] = field(default_factory=dict)

    def create_user(
        self, email: str, role: str, tenant: int = 1, password: str | None = None
    ) -> str:
        args = ["users", "create", email, "--role", role, "--tenant", str(tenant)]
        if password is not None:
            args.append("--password-stdin")
        result = run_cli_here(self.env, *args, stdin=(password + "\n") if password else None)
        assert result.returncode == 0, result.stderr
        key = result.stdout.strip().splitlines()[-1]
        assert API_KEY_LINE.match(key), result.stdout
        return key

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def signature(
    user_id: str,
    tenant_id: int,
    *,
    is_admin: bool = False,
    is_guest: bool = False,
    expires_in: int = 300,
    secret: str = SIGNATURE_SECRET,
) -> str:
    """An x-signature JWT with JSON-typed claims (tests/docspace_contract mints them with
    string claims, as a real portal does). A member the portal does not make public is a
    guest in DocSpace, so every non-guest here is public."""
    now = int(time.time())
    claims = {
        "user_id": user_id,
        "user_name": f"Portal user {user_id[:8]}",
        "user_email": f"{user_id[:8]}@portal.example",
        "tenant_id": tenant_id,
        "tenant_url": f"https://tenant{tenant_id}.portal.example",
        "is_admin": is_admin,
        "is_guest": is_guest,
        "is_public": not is_guest,
        "iat": now,
        "exp": now + expires_in,
    }
    return pyjwt.encode(claims, secret, algorithm="HS256")


ROLES = {
    "owner": ("owner", 1),
    "admin": ("admin", 1),
    "user": ("user", 1),
    "user2": ("user", 1),
    "guest": ("guest", 1),
    "other_admin": ("admin", 2),
    "other_user": ("user", 2),
}


@pytest.fixture(scope="session")
def live_server(database_url: str) -> Iterator[LiveServer]:
    server = start_server(database_url)
    try:
        key_lines = [line for line in server.first_output if API_KEY_LINE.match(line.strip())]
        live = LiveServer(url=server.url, env=server.env, owner_key="", database_url=database_url)
        # The database's first start prints its owner's key. A test that started its own
        # server on this database first (tests/ratelimit does) took that start: make another.
        live.owner_key = (
            key_lines[0].strip()
            if key_lines
            else live.create_user(f"owner-{secrets.token_hex(3)}@example.com", "owner")
        )
        live.keys["owner"] = live.owner_key
        for name, (role, tenant) in ROLES.items():
            if name != "owner":
                live.keys[name] = live.create_user(f"{name}@example.com", role, tenant)
        yield live
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def db(live_server: LiveServer) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Direct access to the live server's database, to check what is (and isn't) stored."""
    engine = create_engine(live_server.database_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
async def server_keys(db: async_sessionmaker[AsyncSession], live_server: LiveServer) -> ServerKeys:
    async with db() as session:
        return await load_server_keys(session, Settings(database_url=live_server.database_url))
