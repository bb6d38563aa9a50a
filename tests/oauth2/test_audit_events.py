"""Token-security events reach the audit trail: failed client authentication, code replay,
refresh-token reuse, consent grant and revoke, RFC 7009 revocation. Secrets never do."""

from __future__ import annotations

import uuid

import httpx

from tests.oauth2.conftest import REDIRECT, Kit, portal_user


def _events(kit: Kit, admin, client_id: str) -> list[dict]:
    response = kit.manage(
        admin, "GET", "/api/2.0/audit", params={"client_id": client_id, "limit": 50}
    )
    assert response.status_code == 200, response.text
    return response.json()["data"][::-1]  # oldest first


def test_token_security_events_are_audited(kit: Kit) -> None:
    admin = portal_user(admin=True)
    app = kit.register(admin)
    person = portal_user(admin.tenant_id, admin=False)

    wrong = kit.token_request(app, secret="not-the-secret", grant_type="client_credentials")
    assert wrong.status_code == 401

    code, verifier = kit.code(app, person)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    first = kit.token_request(app, **form)
    assert first.status_code == 200, first.text
    assert kit.token_request(app, **form).status_code == 400  # replay

    tokens = kit.tokens(app, person)
    assert kit.refresh(app, tokens["refresh_token"]).status_code == 200
    assert kit.refresh(app, tokens["refresh_token"]).status_code == 400  # reuse

    again = kit.tokens(app, person)
    revoked = httpx.post(
        f"{kit.base}/oauth2/revoke",
        data={"token": again["refresh_token"]},
        auth=(app.client_id, app.secret),
    )
    assert revoked.status_code == 200
    assert (
        kit.manage(person, "DELETE", f"/api/2.0/clients/{app.client_id}/revoke").status_code == 200
    )

    events = _events(kit, admin, app.client_id)
    actions = [(e["action"], e["outcome"]) for e in events]
    assert actions[0] == ("client.create", "success")
    assert ("client_auth.failed", "failure") in actions
    assert ("authorization_code.replay", "denied") in actions
    assert ("refresh_token.reuse", "denied") in actions
    assert ("token.revoke", "success") in actions
    assert ("consent.grant", "success") in actions
    assert actions[-1] == ("consent.revoke", "success")
    failed = next(e for e in events if e["action"] == "client_auth.failed")
    assert failed["actor_ip"] == "127.0.0.1"
    assert failed["tenant_id"] == admin.tenant_id
    grant = next(e for e in events if e["action"] == "consent.grant")
    assert grant["actor_user_id"] == person.user_id
    raw = kit.manage(admin, "GET", "/api/2.0/audit", params={"limit": 50}).text
    for secret in (
        app.secret,
        "not-the-secret",
        code,
        tokens["refresh_token"],
        tokens["access_token"],
        again["refresh_token"],
    ):
        assert secret not in raw


async def _unknown_client_failures(db) -> tuple[int, str | None]:
    """All failures counted for this machine's address (over every hour, so that a test that
    straddles the hour still adds up), and the client_id tried last."""
    from sqlalchemy import func, select

    from docspace_oauth.models import AuthFailureWindow

    mine = AuthFailureWindow.ip == "127.0.0.1"
    async with db() as session:
        total = await session.scalar(select(func.sum(AuthFailureWindow.failures)).where(mine))
        last = await session.scalar(
            select(AuthFailureWindow.last_client_id)
            .where(mine)
            .order_by(AuthFailureWindow.last_at.desc())
            .limit(1)
        )
    return int(total or 0), last


async def test_failures_of_unknown_clients_are_counted_per_address_not_stored_each(
    kit: Kit, db
) -> None:
    """Anyone can send made-up client_ids: each costs a counter, not an audit row (issue 14)."""
    from sqlalchemy import func, select

    from docspace_oauth.models import AuditEvent

    before, _ = await _unknown_client_failures(db)
    made_up = [f"probe\x00{uuid.uuid4().hex[:8]}" for _ in range(5)]
    for client_id in made_up:
        response = httpx.post(
            f"{kit.base}/oauth2/token",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "x"},
        )
        assert response.status_code == 401
    after, last = await _unknown_client_failures(db)
    assert after == before + 5
    # The NUL a prober sent is stored readable (PostgreSQL refuses NUL in text).
    assert last == made_up[-1].replace("\x00", "\ufffd")
    async with db() as session:
        stored = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.client_id.in_([c.replace("\x00", "\ufffd") for c in made_up]))
        )
    assert stored == 0
