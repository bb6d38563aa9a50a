"""Refresh reuse grace: within the window a retry of a rotated refresh token gets the same
new pair, up to the count; outside it, reuse revokes the grant (tests/oauth2/test_grants.py
keeps the strict default's tests)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from docspace_oauth.models import RefreshToken
from tests.conftest import LiveServer, ServerProcess
from tests.oauth2.conftest import App, Kit, start_sibling

WINDOW = 4
COUNT = 30


@pytest.fixture(scope="module")
def lenient(live_server: LiveServer) -> Iterator[ServerProcess]:
    """The same authorization server (database, issuer) with the grace on."""
    server = start_sibling(
        live_server,
        DOCSPACE_OAUTH_REFRESH_REUSE_GRACE_SECONDS=str(WINDOW),
        DOCSPACE_OAUTH_REFRESH_REUSE_GRACE_COUNT=str(COUNT),
    )
    try:
        yield server
    finally:
        server.stop()


def _refresh(base: str, app: App, token: str) -> httpx.Response:
    return httpx.post(
        f"{base}/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": token},
        auth=(app.client_id, app.secret),
        timeout=30,
    )


def _pair(body: dict[str, Any]) -> tuple[str, str, str]:
    return body["access_token"], body["refresh_token"], body.get("id_token", "")


def test_concurrent_uses_within_the_window_all_get_the_same_pair(
    kit: Kit, lenient: ServerProcess
) -> None:
    app = kit.register()
    refresh_token = kit.tokens(app)["refresh_token"]

    async def race() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=60) as http:
            return await asyncio.gather(
                *(
                    http.post(
                        f"{lenient.url}/oauth2/token",
                        auth=(app.client_id, app.secret),
                        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
                    )
                    for _ in range(20)
                )
            )

    responses = asyncio.run(race())
    assert [r.status_code for r in responses] == [200] * 20, [r.text for r in responses]
    pairs = {_pair(r.json()) for r in responses}
    assert len(pairs) == 1
    access, newer, _ = pairs.pop()
    assert kit.introspect(access, by=app)["active"] is True
    # The one new refresh token works, and is rotated in its turn.
    assert _refresh(lenient.url, app, newer).status_code == 200


def test_retries_stop_at_the_count_and_then_reuse_revokes(
    kit: Kit, live_server: LiveServer
) -> None:
    server = start_sibling(
        live_server,
        DOCSPACE_OAUTH_REFRESH_REUSE_GRACE_SECONDS="60",
        DOCSPACE_OAUTH_REFRESH_REUSE_GRACE_COUNT="2",
    )
    try:
        app = kit.register()
        token = kit.tokens(app)["refresh_token"]
        first = _refresh(server.url, app, token)
        assert first.status_code == 200
        again = [_refresh(server.url, app, token) for _ in range(2)]
        assert [_pair(r.json()) for r in again] == [_pair(first.json())] * 2
        third = _refresh(server.url, app, token)
        assert third.status_code == 400
        assert third.json()["error"] == "invalid_grant"
        # Reuse past the count revoked the grant: the pair it handed out is dead.
        assert kit.introspect(first.json()["access_token"], by=app) == {"active": False}
        assert _refresh(server.url, app, first.json()["refresh_token"]).status_code == 400
    finally:
        server.stop()


def test_reuse_after_the_window_revokes_the_family(kit: Kit, lenient: ServerProcess) -> None:
    app = kit.register()
    token = kit.tokens(app)["refresh_token"]
    rotated = _refresh(lenient.url, app, token)
    assert rotated.status_code == 200
    time.sleep(WINDOW + 1)
    late = _refresh(lenient.url, app, token)
    assert late.status_code == 400
    assert late.json()["error"] == "invalid_grant"
    assert kit.introspect(rotated.json()["access_token"], by=app) == {"active": False}


def test_a_revoked_grant_answers_no_retry(kit: Kit, lenient: ServerProcess) -> None:
    app = kit.register()
    tokens = kit.tokens(app)
    rotated = _refresh(lenient.url, app, tokens["refresh_token"])
    assert rotated.status_code == 200
    revoked = httpx.post(
        f"{lenient.url}/oauth2/revoke",
        data={"token": rotated.json()["refresh_token"]},
        auth=(app.client_id, app.secret),
        timeout=30,
    )
    assert revoked.status_code == 200
    retry = _refresh(lenient.url, app, tokens["refresh_token"])
    assert retry.status_code == 400
    assert retry.json()["error"] == "invalid_grant"


def test_the_strict_default_still_revokes_on_the_first_reuse(kit: Kit) -> None:
    app = kit.register()
    token = kit.tokens(app)["refresh_token"]
    rotated = kit.refresh(app, token)
    assert rotated.status_code == 200
    assert kit.refresh(app, token).json()["error"] == "invalid_grant"
    assert kit.introspect(rotated.json()["access_token"], by=app) == {"active": False}


async def test_the_sealed_pair_is_not_stored_in_clear(
    kit: Kit, lenient: ServerProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    app = kit.register()
    token = kit.tokens(app)["refresh_token"]
    body = (await asyncio.to_thread(_refresh, lenient.url, app, token)).json()
    async with db() as session:
        sealed = list(
            await session.scalars(
                select(RefreshToken.successor_sealed).where(
                    RefreshToken.client_id == app.client_id,
                    RefreshToken.successor_sealed.is_not(None),
                )
            )
        )
    assert len(sealed) == 1 and sealed[0] is not None and sealed[0].startswith("v1.")
    for secret in (body["refresh_token"], body["access_token"], token):
        assert secret not in sealed[0]
