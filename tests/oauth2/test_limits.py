"""Limits and lifetimes, on a second instance that shares the database and issuer but runs
with the failure limiter on (3 per window) and short lifetimes (codes 1 s, access 2 s)."""

from __future__ import annotations

import time

import httpx

from tests.conftest import ServerProcess
from tests.oauth2.conftest import REDIRECT, Kit, hidden_fields, portal_user, query_of


def test_failed_client_authentications_are_limited(kit: Kit, sibling: ServerProcess) -> None:
    app = kit.register(grant_types=["client_credentials"], scopes=["files:read"])
    other = kit.register(app.owner, grant_types=["client_credentials"], scopes=["files:read"])
    url = f"{sibling.url}/oauth2/token"
    form = {"grant_type": "client_credentials"}
    statuses = [
        httpx.post(url, data=form, auth=(app.client_id, "wrong-secret")).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    blocked = httpx.post(url, data=form, auth=(app.client_id, app.secret))
    assert blocked.status_code == 429  # even the right secret, until the window ends
    assert int(blocked.headers["retry-after"]) >= 1
    assert blocked.json()["error"] == "invalid_client"
    # Per client_id: another client is not affected.
    assert httpx.post(url, data=form, auth=(other.client_id, other.secret)).status_code == 200


def test_management_rate_limits_do_not_apply_to_the_token_endpoint(
    kit: Kit, sibling: ServerProcess
) -> None:
    app = kit.register(grant_types=["client_credentials"], scopes=["files:read"])
    statuses = {
        httpx.post(
            f"{sibling.url}/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(app.client_id, app.secret),
        ).status_code
        for _ in range(15)  # more than the management API's 10 POSTs a minute
    }
    assert statuses == {200}


def test_failed_sign_ins_are_limited(kit: Kit, sibling: ServerProcess) -> None:
    app = kit.register()
    with httpx.Client(base_url=sibling.url, timeout=30) as browser:
        next_url = (
            f"/oauth2/authorize?response_type=code&client_id={app.client_id}"
            f"&redirect_uri={REDIRECT}"
        )
        page = browser.get("/oauth2/login", params={"next": next_url})
        fields = dict(hidden_fields(page.text))
        statuses = [
            browser.post(
                "/oauth2/login",
                headers={"Origin": kit.base},
                data={**fields, "email": "nobody@example.com", "password": "wrong password"},
            ).status_code
            for _ in range(5)
        ]
    assert statuses == [400, 400, 400, 429, 429]


def test_codes_expire(kit: Kit, sibling: ServerProcess) -> None:
    app = kit.register()
    user = portal_user(app.owner.tenant_id)
    kit.tokens(app, user)  # consent given, so the sibling answers /authorize with a code
    with (
        kit.oauth(app) as oauth,
        httpx.Client(base_url=sibling.url, headers=user.headers) as browser,
    ):
        url, _, verifier = kit.start(oauth)
        answer = browser.get(url.replace(kit.base, sibling.url))
    code = query_of(answer.headers["location"])["code"]
    time.sleep(1.2)
    response = httpx.post(
        f"{sibling.url}/oauth2/token",
        auth=(app.client_id, app.secret),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "expired" in response.json()["error_description"]


def test_access_tokens_expire(kit: Kit, sibling: ServerProcess) -> None:
    app = kit.register(grant_types=["client_credentials"], scopes=["files:read"])
    token = httpx.post(
        f"{sibling.url}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(app.client_id, app.secret),
    ).json()
    assert token["expires_in"] == 2
    assert kit.introspect(token["access_token"], by=app)["active"] is True
    time.sleep(2.1)
    assert kit.introspect(token["access_token"], by=app) == {"active": False}
