"""What each client operation of the seed does to tokens, checked through introspection, the
refresh grant and a fresh authorization after the operation (issue 3, point 6)."""

from __future__ import annotations

import httpx

from tests.conftest import ServerProcess
from tests.oauth2.conftest import REDIRECT, Actor, App, Kit, portal_user, query_of


def _inactive(kit: Kit, token: str, by: App) -> bool:
    return kit.introspect(token, by=by) == {"active": False}


def _active(kit: Kit, token: str, by: App) -> bool:
    return kit.introspect(token, by=by).get("active") is True


def _assert_gone(kit: Kit, app: App, tokens: dict[str, str], resource: App) -> None:
    """A deleted client: its tokens are dead, it cannot authenticate, /authorize refuses to
    redirect anywhere, and its public info is 404."""
    assert _inactive(kit, tokens["access_token"], resource)
    refreshed = kit.refresh(app, tokens["refresh_token"])
    assert refreshed.status_code == 401
    assert refreshed.json()["error"] == "invalid_client"
    outcome = kit.authorize_outcome(app, portal_user(app.owner.tenant_id))
    assert outcome.status_code == 400
    assert "location" not in outcome.headers
    info = httpx.get(f"{kit.base}/api/2.0/clients/{app.client_id}/public/info")
    assert info.status_code == 404
    userinfo = httpx.get(
        f"{kit.base}/oauth2/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert userinfo.status_code == 401


def test_disable_stops_new_tokens_and_keeps_issued_ones(kit: Kit) -> None:
    app = kit.register(grant_types=["authorization_code", "refresh_token", "client_credentials"])
    user = portal_user(app.owner.tenant_id)
    tokens = kit.tokens(app, user)
    pending_code, verifier = kit.code(app, user)

    response = kit.manage(
        app.owner, "PATCH", f"/api/2.0/clients/{app.client_id}/activation", json={"status": False}
    )
    assert response.status_code == 200

    # Issued access tokens stay active until they expire; introspection says so (the
    # disabled client itself may still ask).
    assert _active(kit, tokens["access_token"], app)
    # No new tokens of any grant.
    refreshed = kit.refresh(app, tokens["refresh_token"])
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "unauthorized_client"
    exchanged = kit.token_request(
        app,
        grant_type="authorization_code",
        code=pending_code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
    )
    assert exchanged.json()["error"] == "unauthorized_client"
    assert kit.token_request(app, grant_type="client_credentials").json()["error"] == (
        "unauthorized_client"
    )
    outcome = kit.authorize_outcome(app, user)
    assert outcome.status_code == 302
    assert query_of(outcome.headers["location"])["error"] == "unauthorized_client"

    # Re-enabled: the same refresh token (and even the code) work again.
    kit.manage(
        app.owner, "PATCH", f"/api/2.0/clients/{app.client_id}/activation", json={"status": True}
    )
    again = kit.refresh(app, tokens["refresh_token"])
    assert again.status_code == 200, again.text
    assert _active(kit, again.json()["access_token"], app)
    assert (
        kit.token_request(
            app,
            grant_type="authorization_code",
            code=pending_code,
            redirect_uri=REDIRECT,
            code_verifier=verifier,
        ).status_code
        == 200
    )
    assert "code" in query_of(kit.authorize_outcome(app, user).headers["location"])


def test_regenerate_secret_kills_the_old_secret_not_the_tokens(kit: Kit) -> None:
    app = kit.register()
    user = portal_user(app.owner.tenant_id)
    tokens = kit.tokens(app, user)
    old_secret = app.secret

    response = kit.manage(app.owner, "PATCH", f"/api/2.0/clients/{app.client_id}/regenerate")
    assert response.status_code == 200
    app.secret = response.json()["client_secret"]
    assert app.secret != old_secret

    # The old secret fails at once, everywhere.
    refused = kit.refresh(app, tokens["refresh_token"], secret=old_secret)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    introspect_old = httpx.post(
        f"{kit.base}/oauth2/introspect",
        data={"token": tokens["access_token"]},
        auth=(app.client_id, old_secret),
    )
    assert introspect_old.status_code == 401
    # Tokens are untouched: the access token is active, the refresh token (never spent by
    # the refused request) works with the new secret.
    assert _active(kit, tokens["access_token"], app)
    refreshed = kit.refresh(app, tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    # A fresh authorization goes straight through (the consent stands); its code is refused
    # with the old secret (and not spent by that) and exchanged with the new one.
    assert "code" in query_of(kit.authorize_outcome(app, user).headers["location"])
    code, verifier = kit.code(app, user)
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    assert kit.token_request(app, old_secret, **exchange).status_code == 401
    assert kit.token_request(app, **exchange).status_code == 200


def test_regenerate_secret_with_a_grace_period(kit: Kit) -> None:
    app = kit.register(grant_types=["client_credentials"], scopes=["files:read"])
    old_secret = app.secret
    response = kit.manage(
        app.owner, "PATCH", f"/api/2.0/clients/{app.client_id}/regenerate?grace_period=120"
    )
    new_secret = response.json()["client_secret"]
    assert kit.token_request(app, old_secret, grant_type="client_credentials").status_code == 200
    assert kit.token_request(app, new_secret, grant_type="client_credentials").status_code == 200
    # Regenerating again without a grace period retires the old secret at once.
    response = kit.manage(app.owner, "PATCH", f"/api/2.0/clients/{app.client_id}/regenerate")
    newest = response.json()["client_secret"]
    assert kit.token_request(app, old_secret, grant_type="client_credentials").status_code == 401
    assert kit.token_request(app, new_secret, grant_type="client_credentials").status_code == 401
    assert kit.token_request(app, newest, grant_type="client_credentials").status_code == 200


def test_revoke_consent_kills_that_users_tokens_only(kit: Kit) -> None:
    app = kit.register()
    user, bystander = portal_user(app.owner.tenant_id), portal_user(app.owner.tenant_id)
    tokens = kit.tokens(app, user)
    rotated = kit.refresh(app, tokens["refresh_token"]).json()  # a second access token
    kept = kit.tokens(app, bystander)
    resource = kit.register(portal_user(app.owner.tenant_id))

    response = kit.manage(user, "DELETE", f"/api/2.0/clients/{app.client_id}/revoke")
    assert response.status_code == 200

    for token in (tokens["access_token"], rotated["access_token"]):
        assert _inactive(kit, token, app)
        assert _inactive(kit, token, resource)
    refreshed = kit.refresh(app, rotated["refresh_token"])
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
    assert (
        httpx.get(
            f"{kit.base}/oauth2/userinfo",
            headers={"Authorization": f"Bearer {rotated['access_token']}"},
        ).status_code
        == 401
    )
    listed = kit.manage(user, "GET", "/api/2.0/clients/consents").json()
    assert all(c["registered_client_id"] != app.client_id for c in listed["data"])

    # Another user's tokens for the same client are untouched.
    assert _active(kit, kept["access_token"], app)
    assert kit.refresh(app, kept["refresh_token"]).status_code == 200

    # A fresh authorization asks for consent again; consenting anew does not revive the
    # old tokens.
    outcome = kit.authorize_outcome(app, user)
    assert outcome.headers["location"].startswith(f"{kit.base}/oauth2/consent?")
    fresh = kit.tokens(app, user)
    assert _active(kit, fresh["access_token"], app)
    assert _inactive(kit, tokens["access_token"], app)
    assert kit.refresh(app, rotated["refresh_token"]).json()["error"] == "invalid_grant"


def test_a_token_introspected_before_is_checked_again_after_revocation(kit: Kit) -> None:
    # Introspection remembers that a token's signature verified (VerifiedTokens); it must
    # never remember that the token was live.
    app = kit.register()
    user = portal_user(app.owner.tenant_id)
    resource = kit.register(portal_user(app.owner.tenant_id))
    tokens = kit.tokens(app, user)
    for _ in range(3):
        assert _active(kit, tokens["access_token"], resource)

    response = kit.manage(user, "DELETE", f"/api/2.0/clients/{app.client_id}/revoke")
    assert response.status_code == 200
    assert _inactive(kit, tokens["access_token"], resource)

    fresh = kit.tokens(app, user)
    assert _active(kit, fresh["access_token"], resource)
    assert kit.manage(app.owner, "DELETE", f"/api/2.0/clients/{app.client_id}").status_code == 200
    assert _inactive(kit, fresh["access_token"], resource)


def test_delete_client(kit: Kit) -> None:
    app = kit.register(grant_types=["authorization_code", "refresh_token", "client_credentials"])
    tokens = kit.tokens(app)
    service_token = kit.token_request(app, grant_type="client_credentials").json()
    resource = kit.register(portal_user(app.owner.tenant_id))

    response = kit.manage(app.owner, "DELETE", f"/api/2.0/clients/{app.client_id}")
    assert response.status_code == 200

    _assert_gone(kit, app, tokens, resource)
    assert _inactive(kit, service_token["access_token"], resource)
    assert kit.token_request(app, grant_type="client_credentials").status_code == 401


def _two_clients_with_tokens(kit: Kit, owner: Actor) -> list[tuple[App, dict[str, str]]]:
    return [(app, kit.tokens(app)) for app in (kit.register(owner), kit.register(owner))]


def test_delete_own_clients(kit: Kit) -> None:
    tenant = portal_user().tenant_id
    owner = portal_user(tenant, admin=False)
    mine = _two_clients_with_tokens(kit, owner)
    theirs = kit.register(portal_user(tenant, admin=False))
    their_tokens = kit.tokens(theirs)

    response = kit.manage(owner, "DELETE", "/api/2.0/clients")
    assert response.status_code == 200
    assert response.json()["deleted"] == 2

    for app, tokens in mine:
        _assert_gone(kit, app, tokens, theirs)
    # Someone else's client in the same tenant lives on.
    assert _active(kit, their_tokens["access_token"], theirs)
    assert kit.refresh(theirs, their_tokens["refresh_token"]).status_code == 200


def test_delete_tenant_clients(kit: Kit) -> None:
    tenant = portal_user().tenant_id
    admin = portal_user(tenant, admin=True)
    apps = [
        *_two_clients_with_tokens(kit, admin),
        *_two_clients_with_tokens(kit, portal_user(tenant, admin=False)),
    ]
    elsewhere = kit.register()
    elsewhere_tokens = kit.tokens(elsewhere)

    response = kit.manage(admin, "DELETE", "/api/2.0/clients/tenant")
    assert response.status_code == 200
    assert response.json()["deleted"] == 4

    resource = kit.register(portal_user(tenant))  # registered after the purge
    for app, tokens in apps:
        _assert_gone(kit, app, tokens, resource)
    assert _active(kit, elsewhere_tokens["access_token"], elsewhere)


def test_effects_survive_a_restart(kit: Kit, sibling: ServerProcess) -> None:
    """Another process on the same database, with nothing in memory, agrees with the first
    about every revocation (and still accepts what is live)."""
    live = kit.register()
    live_tokens = kit.tokens(live)
    revoked_user = portal_user(live.owner.tenant_id)
    revoked = kit.tokens(live, revoked_user)
    kit.manage(revoked_user, "DELETE", f"/api/2.0/clients/{live.client_id}/revoke")
    deleted = kit.register(live.owner)
    deleted_tokens = kit.tokens(deleted)
    kit.manage(deleted.owner, "DELETE", f"/api/2.0/clients/{deleted.client_id}")

    def introspect(token: str) -> dict[str, object]:
        response = httpx.post(
            f"{sibling.url}/oauth2/introspect",
            data={"token": token},
            auth=(live.client_id, live.secret),
        )
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    assert introspect(live_tokens["access_token"])["active"] is True
    assert introspect(revoked["access_token"]) == {"active": False}
    assert introspect(deleted_tokens["access_token"]) == {"active": False}
    refreshed = httpx.post(
        f"{sibling.url}/oauth2/token",
        auth=(live.client_id, live.secret),
        data={"grant_type": "refresh_token", "refresh_token": revoked["refresh_token"]},
    )
    assert refreshed.json()["error"] == "invalid_grant"
