"""What every phase on the running service shares."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from bench.databases import database_name
from bench.load import Accounting
from bench.options import Options
from bench.processes import Server
from bench.report import Context
from bench.seed import Seeder

T = TypeVar("T")


@dataclass(frozen=True)
class Stage:
    """The server, its owner's key, and the seeder open on its database. The seeder is
    async and the phases are not: `run` drives it on its own event loop."""

    opts: Options
    ctx: Context
    server: Server
    seeder: Seeder
    loop: asyncio.AbstractEventLoop
    owner_key: str

    def run(self, awaitable: Awaitable[T]) -> T:
        return self.loop.run_until_complete(awaitable)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def owner_auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.owner_key}"}

    def on(self) -> Accounting:
        """Loads on this server: its CPU, and its PostgreSQL backends', per request."""
        return {"servers": [self.server], "database": database_name(self.seeder.database_url)}
