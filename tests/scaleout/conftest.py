"""What every scale-out test stands on: one PostgreSQL database and one Redis, shared by the
instances a test starts. With `--db sqlite` these tests are skipped, as the suite runs on
SQLite alone then; asked for, PostgreSQL and Redis are never skipped: unreachable, they fail.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator

import pytest

from tests.conftest import POSTGRES_ADMIN_URL, _postgres_admin

REDIS_URL = os.environ.get("DOCSPACE_OAUTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="module")
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.config.getoption("--db") == "sqlite":
        pytest.skip("scale-out runs on PostgreSQL (the suite was asked for SQLite only)")
    name = f"dso_scaleout_{secrets.token_hex(6)}"
    try:
        asyncio.run(_postgres_admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN_URL} is required: {exc}")
    yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    asyncio.run(_postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def redis_url(postgres_url: str) -> str:
    """Redis, checked after the database so that `--db sqlite` skips before asking for it."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        pytest.fail(f"Redis at {REDIS_URL} is required for the scale-out tests: {exc}")
    return REDIS_URL
