"""Liveness, readiness, metrics and request ids, as an operator sees them."""

from __future__ import annotations

import asyncio
import json
import re
import secrets

import httpx

from tests.conftest import POSTGRES_ADMIN_URL, _postgres_admin, start_server
from tests.factory import client_body


def test_health_and_ready(live_server):
    assert httpx.get(f"{live_server.url}/health").json() == {"status": "ok"}
    ready = httpx.get(f"{live_server.url}/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


def test_ready_is_503_when_the_database_is_gone():
    name = f"dso_ready_{secrets.token_hex(4)}"
    asyncio.run(_postgres_admin(f'CREATE DATABASE "{name}"'))
    server = start_server(f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}")
    try:
        assert httpx.get(f"{server.url}/ready").status_code == 200
        asyncio.run(_postgres_admin(f'DROP DATABASE "{name}" WITH (FORCE)'))
        response = httpx.get(f"{server.url}/ready")
        assert response.status_code == 503
        assert response.headers["content-type"].startswith("application/problem+json")
        assert httpx.get(f"{server.url}/health").status_code == 200
    finally:
        server.stop()
        asyncio.run(_postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_metrics_count_requests_by_route_template(live_server):
    with live_server.client(live_server.keys["admin"]) as http:
        for _ in range(3):
            http.get("/api/2.0/clients/00000000-0000-4000-8000-000000000000")
        body = http.get("/metrics").text
    line = re.search(
        r'^docspace_oauth_http_requests_total\{method="GET",route="/api/2.0/clients/\{client_id\}",'
        r'status="404"\} (\d+)',
        body,
        re.M,
    )
    assert line and float(line.group(1)) >= 3
    assert "docspace_oauth_http_request_duration_seconds_bucket" in body
    # Paths with ids never become labels.
    assert "00000000-0000-4000-8000-000000000000" not in body


def test_request_id_is_echoed_or_made(live_server):
    given = httpx.get(f"{live_server.url}/health", headers={"x-request-id": "trace-123"})
    assert given.headers["x-request-id"] == "trace-123"
    made = httpx.get(f"{live_server.url}/health", headers={"x-request-id": "bad id <script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])


def test_logs_are_json_with_request_ids_and_no_secrets(tmp_path):
    server = start_server(f"sqlite:///{tmp_path / 'logs.db'}", log_level="info")
    try:
        key = next(line for line in server.first_output if line.startswith("dso_"))
        with httpx.Client(base_url=server.url, headers={"Authorization": key}) as http:
            created = http.post(
                "/api/2.0/clients",
                json=client_body(
                    name="Logged app",
                    scopes=["openid"],
                    redirect_uris=["https://logged.example.com/cb"],
                    allowed_origins=["https://logged.example.com"],
                ),
                headers={"x-request-id": "create-1"},
            )
            secret = created.json()["client_secret"]
            regenerated = http.patch(f"/api/2.0/clients/{created.json()['client_id']}/regenerate")
            new_secret = regenerated.json()["client_secret"]
    finally:
        server.stop()
    log = server.log()
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    access = [r for r in records if r["logger"] == "docspace_oauth.access"]
    assert any(r["request_id"] == "create-1" and r["status"] == 201 for r in access)
    assert all(
        {"time", "level", "method", "route", "status", "duration_ms"} <= r.keys() for r in access
    )
    json_lines = "\n".join(line for line in log.splitlines() if line.startswith("{"))
    for value in (secret, new_secret, key):
        assert value not in json_lines
    assert log.count(key) == 1  # the first start's "shown once" line, and nowhere else


def _json_lines(log: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.splitlines() if line.startswith("{")]


def test_log_lines_are_clean_json_and_migrations_speak_once(tmp_path):
    database = f"sqlite:///{tmp_path / 'logs.db'}"
    first = start_server(database, log_level="info")
    try:
        assert httpx.get(f"{first.url}/health").status_code == 200
    finally:
        first.stop()
    log = first.log()
    assert "\x1b[" not in log  # no terminal colours in a log file
    entries = _json_lines(log)
    assert entries and all("color_message" not in entry for entry in entries)
    migration = [e["message"] for e in entries if e["logger"] == "alembic.runtime.migration"]
    # The CLI migrates before it bootstraps the owner; the app's own start finds nothing to do.
    assert sum("Running upgrade  -> 0001" in str(m) for m in migration) == 1
    assert sum("Context impl" in str(m) for m in migration) == 1

    again = start_server(database, log_level="info")
    again.stop()
    assert not [e for e in _json_lines(again.log()) if e["logger"].startswith("alembic")]
