"""The SDK as a distribution of its own (sdk/pyproject.toml, docspace-oauth-sdk).

Once per session its wheel is built from this checkout and installed into a fresh virtualenv
made without pip or setuptools, so that everything in it is the SDK and what the SDK pulls
in. The outer pip installs into it (``pip --python``) and caches what it downloads as it
always does. The tests then prove that nothing of the server came along, that the SDK is
typed where it is installed, and that it works from there against the live server, in a
subprocess that cannot see this checkout.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import docspace_oauth
from tests.factory import LOGO

LiveServer = Any  # the lead's fixture: .url, .owner_key, .client(key)
REPOSITORY = Path(__file__).resolve().parents[2]
SDK_SOURCES = REPOSITORY / "src" / "docspace_oauth" / "sdk"
SERVER_ONLY = ["fastapi", "starlette", "sqlalchemy", "asyncpg", "alembic", "uvicorn", "typer"]
# Cold caches download a few wheels from PyPI; warm ones take seconds.
pytestmark = pytest.mark.timeout(300)


def clean_env() -> dict[str, str]:
    """This environment without what would let a child see the checkout's sources."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def run(
    *command: str | Path, cwd: Path | None = None, expect: int = 0
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(part) for part in command],
        env=clean_env(),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == expect, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result


@dataclass(frozen=True)
class SdkVenv:
    wheel: Path
    python: Path
    home: Path

    def python_json(self, script: str, *args: str) -> Any:
        """Run ``script`` with the venv's Python, isolated (-I: no PYTHONPATH, no user site,
        not the script's folder) and outside the checkout; it prints one JSON document."""
        return json.loads(run(self.python, "-I", "-c", script, *args, cwd=self.home).stdout)


@pytest.fixture(scope="session")
def sdk_venv(tmp_path_factory: pytest.TempPathFactory) -> SdkVenv:
    root = tmp_path_factory.mktemp("sdk-standalone")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", root / "dist", REPOSITORY / "sdk")
    (wheel,) = (root / "dist").glob("docspace_oauth_sdk-*.whl")
    run(sys.executable, "-m", "venv", "--without-pip", root / "venv")
    python = root / "venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", wheel)
    home = root / "home"
    home.mkdir()
    return SdkVenv(wheel=wheel, python=python, home=home)


def test_the_wheel_is_the_sdk_and_no_top_level_package(sdk_venv: SdkVenv) -> None:
    with zipfile.ZipFile(sdk_venv.wheel) as wheel:
        names = wheel.namelist()
        (metadata_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(wheel.read(metadata_name).decode())
    package = sorted(n for n in names if not n.startswith("docspace_oauth_sdk-"))
    expected = [*SDK_SOURCES.glob("*.py"), SDK_SOURCES / "py.typed"]
    assert package == sorted(f"docspace_oauth/sdk/{path.name}" for path in expected)
    # No docspace_oauth/__init__.py: the server's distribution owns that file.
    assert "docspace_oauth/__init__.py" not in names
    assert metadata["Name"] == "docspace-oauth-sdk"
    assert metadata["Version"] == docspace_oauth.__version__
    requires = {
        canonicalize_name(Requirement(r).name) for r in metadata.get_all("Requires-Dist", [])
    }
    # anyio comes with httpx anyway; it is named because the async client imports it.
    assert requires == {"httpx", "pydantic", "anyio"}


INSPECT_VENV = """
import importlib.metadata as md, importlib.util as iu, json, sys
import docspace_oauth, docspace_oauth.sdk
mods = sys.argv[1:]
print(json.dumps({
    "dists": {d.metadata["Name"]: d.requires or [] for d in md.distributions()},
    "found": [m for m in mods if iu.find_spec(m) is not None],
    "namespace": getattr(docspace_oauth, "__file__", None) is None,
    "sdk": docspace_oauth.sdk.__file__,
    "prefix": sys.prefix,
    "server_app": iu.find_spec("docspace_oauth.app") is not None,
}))
"""


def needed_by(root: str, dists: dict[str, list[str]]) -> set[str]:
    """``root`` and every distribution its requirements reach (markers evaluated here: the
    venv is made from this interpreter)."""
    requires = {canonicalize_name(name): reqs for name, reqs in dists.items()}
    seen: set[str] = set()
    todo = [canonicalize_name(root)]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for raw in requires.get(name, []):
            req = Requirement(raw)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return seen


def test_the_venv_holds_the_sdk_and_its_needs_and_nothing_of_the_server(
    sdk_venv: SdkVenv,
) -> None:
    seen = sdk_venv.python_json(INSPECT_VENV, *SERVER_ONLY)
    installed = {canonicalize_name(name) for name in seen["dists"]}
    assert seen["found"] == []
    assert not installed & set(SERVER_ONLY)
    assert installed == needed_by("docspace-oauth-sdk", seen["dists"])
    assert {"docspace-oauth-sdk", "httpx", "pydantic"} <= installed
    # docspace_oauth is a namespace package there, holding the SDK and nothing else.
    assert seen["namespace"] is True
    assert seen["server_app"] is False
    assert Path(seen["sdk"]).is_relative_to(seen["prefix"])


def test_the_installed_sdk_is_typed(sdk_venv: SdkVenv) -> None:
    # mypy reads packages from the venv's site-packages, and only if they carry py.typed.
    source = sdk_venv.home / "typed.py"
    source.write_text(
        "from docspace_oauth.sdk import Client\n\n\n"
        "def names(api: Client) -> list[int]:\n"
        "    return [client.name for client in api.get_clients()]\n"
    )
    mypy = [sys.executable, "-m", "mypy", "--strict", "--no-incremental"]
    venv: list[str | Path] = ["--python-executable", sdk_venv.python]
    venv += ["--cache-dir", sdk_venv.home / ".mypy"]
    # One error, the deliberate one: names are str, which only a typed SDK can know.
    result = run(*mypy, *venv, source, cwd=sdk_venv.home, expect=1)
    assert "Found 1 error" in result.stdout, result.stdout
    wrong_type = r"incompatible type list\[str\]; expected list\[int\]"
    assert re.search(wrong_type, result.stdout, re.IGNORECASE), result.stdout


USE_SDK = """
import asyncio, json, sys
from docspace_oauth.sdk import AsyncClient, Client, CreateClientRequest
url, key, logo = sys.argv[1:]
request = CreateClientRequest(
    name="Standalone SDK app", scopes=["files:read", "openid"], logo=logo,
    redirect_uris=["https://app.example.com/callback"],
    allowed_origins=["https://app.example.com"], website_url="https://app.example.com",
    terms_url="https://app.example.com/terms", policy_url="https://app.example.com/privacy",
    logout_redirect_uri="https://app.example.com/bye", allow_pkce=True,
)
with Client(url, api_key=key) as api:
    created = api.create_client(request)
    listed = [client.client_id for client in api.get_clients(limit=50)]

async def read_back():
    async with AsyncClient(url, api_key=key) as api:
        return await api.get_client(created.client_id)

fetched = asyncio.run(read_back())
print(json.dumps({
    "created": created.model_dump(mode="json"),
    "listed": listed,
    "fetched": fetched.model_dump(mode="json"),
}))
"""


def test_the_sdk_alone_creates_and_lists_a_client_on_the_live_server(
    sdk_venv: SdkVenv, live_server: LiveServer
) -> None:
    out = sdk_venv.python_json(USE_SDK, live_server.url, live_server.owner_key, LOGO)
    created = out["created"]
    assert created["name"] == "Standalone SDK app"
    assert created["client_secret"]
    assert created["allow_pkce"] is True
    assert created["grant_types"] == ["authorization_code", "refresh_token"]
    assert created["client_id"] in out["listed"]
    assert out["fetched"]["client_id"] == created["client_id"]
    assert out["fetched"]["client_secret"] is None
    # The server, asked directly, has the client the standalone SDK made.
    with live_server.client(live_server.owner_key) as http:
        stored = http.get(f"/api/2.0/clients/{created['client_id']}").json()
    assert stored["name"] == "Standalone SDK app"
    assert stored["redirect_uris"] == ["https://app.example.com/callback"]
