"""`docspace-oauth serve` on an empty database and `users create`, run as a user runs them."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import API_KEY_LINE, run_cli, server_env, start_server
from tests.factory import client_body


def test_first_start_creates_an_owner_and_prints_its_key_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    server = start_server(url)
    try:
        keys = [line for line in server.first_output if API_KEY_LINE.match(line)]
        assert len(keys) == 1
        with httpx.Client(base_url=server.url, headers={"Authorization": keys[0]}) as http:
            response = http.post(
                "/api/2.0/clients",
                json=client_body(
                    name="First app",
                    scopes=["openid"],
                    redirect_uris=["https://first.example.com/cb"],
                    allowed_origins=["https://first.example.com"],
                ),
            )
            assert response.status_code == 201
            assert response.json()["tenant"] == 1
    finally:
        server.stop()
    again = start_server(url)
    try:
        assert not [line for line in again.first_output if API_KEY_LINE.match(line)]
    finally:
        again.stop()


def test_users_create_prints_the_key_last_and_creates_the_tenant(live_server):
    email = f"new-{uuid.uuid4().hex[:6]}@example.com"
    result = run_cli(live_server.env, "users", "create", email, "--role", "admin", "--tenant", "77")
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip().splitlines()[-1]
    assert API_KEY_LINE.match(key)
    with live_server.client(key) as http:
        response = http.post(
            "/api/2.0/clients",
            json=client_body(
                name="Tenant 77 app",
                scopes=["openid"],
                redirect_uris=["https://t77.example.com/cb"],
                allowed_origins=["https://t77.example.com"],
            ),
        )
        assert response.json()["tenant"] == 77
        assert http.delete("/api/2.0/clients/tenant").status_code == 200  # an admin


def test_users_create_refuses_duplicates_and_bad_input(live_server):
    email = f"dup-{uuid.uuid4().hex[:6]}@example.com"
    assert run_cli(live_server.env, "users", "create", email).returncode == 0
    duplicate = run_cli(live_server.env, "users", "create", email.upper())
    assert duplicate.returncode != 0
    assert "already exists" in duplicate.stderr
    assert run_cli(live_server.env, "users", "create", "not-an-email").returncode == 5
    assert (
        run_cli(live_server.env, "users", "create", "x@example.com", "--role", "emperor").returncode
        == 2
    )
    short = run_cli(
        live_server.env, "users", "create", "pw@example.com", "--password-stdin", stdin="short\n"
    )
    assert short.returncode == 5


def test_password_is_stored_hashed(live_server):
    import asyncio

    from sqlalchemy import select

    from docspace_oauth.db.engine import create_engine, session_factory
    from docspace_oauth.models import User
    from docspace_oauth.security.hashing import verify_password

    email = f"pw-{uuid.uuid4().hex[:6]}@example.com"
    password = "correct horse battery staple"
    result = run_cli(
        live_server.env, "users", "create", email, "--password-stdin", stdin=password + "\n"
    )
    assert result.returncode == 0, result.stderr

    async def stored() -> str | None:
        engine = create_engine(live_server.database_url)
        try:
            async with session_factory(engine)() as session:
                return await session.scalar(select(User.password_hash).where(User.email == email))
        finally:
            await engine.dispose()

    hashed = asyncio.run(stored())
    assert hashed and password not in hashed and hashed.startswith("scrypt$")
    assert verify_password(password, hashed)
    assert not verify_password("wrong password", hashed)


def test_production_mode_refuses_unsafe_defaults(tmp_path):
    env = server_env(f"sqlite:///{tmp_path / 'prod.db'}", DOCSPACE_OAUTH_PRODUCTION="true")
    result = run_cli(env, "serve", "--port", "1")
    assert result.returncode == 2
    assert "DOCSPACE_OAUTH_SECRET_KEY" in result.stderr
    assert "https" in result.stderr
