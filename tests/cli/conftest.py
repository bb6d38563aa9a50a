"""Run the remote commands as the root CLI mounts them, against the live server."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from docspace_oauth.cli.main import app


@dataclass
class Cli:
    url: str
    api_key: str

    def __call__(
        self, *args: str, api_key: str | None = None, input: str | None = None, columns: int = 250
    ) -> Result:
        env: dict[str, str | None] = {
            "DOCSPACE_OAUTH_URL": self.url,
            "DOCSPACE_OAUTH_API_KEY": api_key or self.api_key,
            "DOCSPACE_OAUTH_SIGNATURE": None,
            # Wide enough that Rich does not wrap names across lines.
            "COLUMNS": str(columns),
        }
        return CliRunner().invoke(app, list(args), env=env, input=input)

    def as_key(self, api_key: str) -> Cli:
        return Cli(self.url, api_key)


@pytest.fixture
def cli(live_server: Any) -> Cli:
    """The CLI, pointed at the live server as tenant 1's owner through its env vars."""
    return Cli(live_server.url, live_server.owner_key)


@pytest.fixture
def new_user_cli(live_server: Any, cli: Cli) -> Callable[..., Cli]:
    """The CLI as a brand-new user, whose client list starts empty."""

    def make(role: str = "user") -> Cli:
        email = f"cli-{role}-{secrets.token_hex(6)}@example.com"
        return cli.as_key(live_server.create_user(email, role, 1))

    return make
