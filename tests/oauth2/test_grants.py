"""The token endpoint: client authentication, PKCE, single-use codes, rotating refresh
tokens, client_credentials; and introspection, revocation and userinfo around them."""

from __future__ import annotations

import asyncio
import base64
import hashlib

import httpx
import pytest

from tests.oauth2.conftest import REDIRECT, Kit, portal_user, query_of


def _token(kit: Kit, data: dict[str, str], **kwargs: object) -> httpx.Response:
    return httpx.post(f"{kit.base}/oauth2/token", data=data, timeout=30, **kwargs)  # type: ignore[arg-type]


# Client authentication.


def test_client_secret_basic_and_post_both_work(kit: Kit) -> None:
    app = kit.register(grant_types=["client_credentials"], scopes=["files:read"])
    basic = _token(kit, {"grant_type": "client_credentials"}, auth=(app.client_id, app.secret))
    assert basic.status_code == 200, basic.text
    post = _token(
        kit,
        {
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": app.secret,
        },
    )
    assert post.status_code == 200, post.text
    assert post.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("how", ["basic", "post", "unknown", "malformed-id"])
def test_wrong_credentials_are_401_invalid_client(kit: Kit, how: str) -> None:
    app = kit.register(grant_types=["client_credentials"], scopes=["files:read"])
    data = {"grant_type": "client_credentials"}
    kwargs: dict[str, object] = {}
    if how == "basic":
        last = "0" if app.secret[-1] != "0" else "1"  # one character off, never the same
        kwargs["auth"] = (app.client_id, app.secret[:-1] + last)
    elif how == "post":
        data.update(client_id=app.client_id, client_secret="wrong" * 8)
    elif how == "unknown":
        kwargs["auth"] = ("7d1f2b6e-0000-4000-8000-000000000000", app.secret)
    else:
        kwargs["auth"] = ("not a client id", app.secret)
    response = _token(kit, data, **kwargs)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")


def test_protocol_errors(kit: Kit) -> None:
    app = kit.register()
    auth = (app.client_id, app.secret)
    cases = [
        ({}, "invalid_request"),
        ({"grant_type": "password", "username": "u", "password": "p"}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code"}, "invalid_request"),  # no code
        ({"grant_type": "refresh_token"}, "invalid_request"),
        ({"grant_type": "client_credentials"}, "unauthorized_client"),  # not registered for it
        (
            {"grant_type": "authorization_code", "code": "nonsense", "redirect_uri": REDIRECT},
            "invalid_grant",
        ),
    ]
    for data, error in cases:
        response = _token(kit, data, auth=auth)
        assert response.status_code == 400, (data, response.text)
        assert response.json()["error"] == error, data
        assert response.json()["error_description"]
    twice = httpx.post(
        f"{kit.base}/oauth2/token",
        auth=auth,
        content="grant_type=client_credentials&grant_type=refresh_token",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert twice.json()["error"] == "invalid_request"
    as_json = httpx.post(
        f"{kit.base}/oauth2/token", auth=auth, json={"grant_type": "client_credentials"}
    )
    assert as_json.json()["error"] == "invalid_request"
    both = _token(kit, {"grant_type": "client_credentials", "client_secret": app.secret}, auth=auth)
    assert both.json()["error"] == "invalid_request"


# PKCE and public clients.


def test_public_client_with_pkce_and_no_secret(kit: Kit) -> None:
    app = kit.register(allow_pkce=True)
    user = portal_user(app.owner.tenant_id)
    with kit.oauth(app, method="none", secret="") as oauth, kit.browser(user) as browser:
        url, state, verifier = kit.start(oauth)
        assert "code_challenge=" in url
        assert "code_challenge_method=S256" in url
        callback = kit.through_browser(browser, url)
        token = oauth.fetch_token(
            f"{kit.base}/oauth2/token",
            authorization_response=callback,
            state=state,
            code_verifier=verifier,
        )
        assert token["access_token"]
        assert token["refresh_token"]
        # Its refresh token works without a secret too, and a page of its registered origin
        # may read the answer (a form POST without credentials needs no CORS preflight).
        refreshed = _token(
            kit,
            {
                "grant_type": "refresh_token",
                "client_id": app.client_id,
                "refresh_token": token["refresh_token"],
            },
            headers={"Origin": "https://app.example.com"},
        )
        assert refreshed.status_code == 200, refreshed.text
        assert refreshed.headers["access-control-allow-origin"] == "https://app.example.com"
        again = _token(
            kit,
            {
                "grant_type": "refresh_token",
                "client_id": app.client_id,
                "refresh_token": refreshed.json()["refresh_token"],
            },
            headers={"Origin": "https://evil.example"},
        )
        assert again.status_code == 200
        assert "access-control-allow-origin" not in again.headers

        # A wrong or missing verifier is refused.
        for bad in ("x" * 43, None):
            url, state, _ = kit.start(oauth)
            code = query_of(kit.through_browser(browser, url))["code"]
            data = {
                "grant_type": "authorization_code",
                "client_id": app.client_id,
                "code": code,
                "redirect_uri": REDIRECT,
            }
            if bad:
                data["code_verifier"] = bad
            response = _token(kit, data)
            assert response.status_code == 400
            assert response.json()["error"] == "invalid_grant"
    # A client without allow_pkce cannot skip its secret.
    confidential = kit.register()
    response = _token(
        kit,
        {"grant_type": "refresh_token", "client_id": confidential.client_id, "refresh_token": "x"},
    )
    assert response.status_code == 401


def test_confidential_client_may_skip_pkce(kit: Kit) -> None:
    app = kit.register()
    user = portal_user(app.owner.tenant_id)
    with kit.browser(user) as browser:
        first = browser.get(
            "/oauth2/authorize",
            params={
                "response_type": "code",
                "client_id": app.client_id,
                "redirect_uri": REDIRECT,
                "scope": "files:read",
                "state": "s",
            },
        )
        browser.get(first.headers["location"])
        answer = browser.post(
            "/oauth2/authorize",
            data={"client_id": app.client_id, "state": "s", "scope": "files:read"},
        )
    code = query_of(answer.headers["location"])["code"]
    with_verifier = kit.token_request(
        app,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier="v" * 43,
    )
    assert with_verifier.json()["error"] == "invalid_grant"  # no challenge was sent


def test_s256_is_what_is_checked(kit: Kit) -> None:
    """The challenge is BASE64URL(SHA256(verifier)), computed here independently."""
    app = kit.register()
    user = portal_user(app.owner.tenant_id)
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    assert challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  # RFC 7636 appendix B
    with kit.browser(user) as browser:
        first = browser.get(
            "/oauth2/authorize",
            params={
                "response_type": "code",
                "client_id": app.client_id,
                "redirect_uri": REDIRECT,
                "scope": "files:read",
                "state": "s",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        browser.get(first.headers["location"])
        answer = browser.post(
            "/oauth2/authorize",
            data={"client_id": app.client_id, "state": "s", "scope": "files:read"},
        )
    code = query_of(answer.headers["location"])["code"]
    ok = kit.token_request(
        app,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
    )
    assert ok.status_code == 200, ok.text


# Codes.


def test_code_works_once_and_a_replay_revokes_what_it_issued(kit: Kit) -> None:
    app = kit.register()
    user = portal_user(app.owner.tenant_id)
    code, verifier = kit.code(app, user)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    first = kit.token_request(app, **form)
    assert first.status_code == 200, first.text
    tokens = first.json()
    assert kit.introspect(tokens["access_token"], by=app)["active"] is True

    replay = kit.token_request(app, **form)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert kit.introspect(tokens["access_token"], by=app) == {"active": False}
    assert kit.refresh(app, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_code_is_bound_to_client_and_redirect_uri(kit: Kit) -> None:
    app = kit.register(redirect_uris=[REDIRECT, "https://app.example.com/other"])
    other = kit.register(app.owner)
    user = portal_user(app.owner.tenant_id)
    code, verifier = kit.code(app, user)
    stolen = kit.token_request(
        other,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
    )
    assert stolen.json()["error"] == "invalid_grant"
    code, verifier = kit.code(app, user)
    wrong_uri = kit.token_request(
        app,
        grant_type="authorization_code",
        code=code,
        redirect_uri="https://app.example.com/other",
        code_verifier=verifier,
    )
    assert wrong_uri.json()["error"] == "invalid_grant"


# Refresh tokens.


def test_reused_refresh_token_revokes_its_family(kit: Kit) -> None:
    app = kit.register()
    tokens = kit.tokens(app)
    rotated = kit.refresh(app, tokens["refresh_token"])
    assert rotated.status_code == 200
    newer = rotated.json()
    assert kit.introspect(newer["access_token"], by=app)["active"] is True

    reuse = kit.refresh(app, tokens["refresh_token"])
    assert reuse.status_code == 400
    assert reuse.json()["error"] == "invalid_grant"
    # The whole family is gone: the newer refresh token and every access token.
    assert kit.refresh(app, newer["refresh_token"]).json()["error"] == "invalid_grant"
    assert kit.introspect(newer["access_token"], by=app) == {"active": False}
    assert kit.introspect(tokens["access_token"], by=app) == {"active": False}


def test_twenty_concurrent_refreshes_succeed_exactly_once(kit: Kit) -> None:
    app = kit.register()
    refresh_token = kit.tokens(app)["refresh_token"]

    async def race() -> list[int]:
        async with httpx.AsyncClient(timeout=60) as http:
            responses = await asyncio.gather(
                *(
                    http.post(
                        f"{kit.base}/oauth2/token",
                        auth=(app.client_id, app.secret),
                        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
                    )
                    for _ in range(20)
                )
            )
        return [r.status_code for r in responses]

    statuses = asyncio.run(race())
    assert sorted(statuses) == [200] + [400] * 19


def test_refresh_token_of_another_client_is_refused_and_left_alone(kit: Kit) -> None:
    app = kit.register()
    other = kit.register(app.owner)
    tokens = kit.tokens(app)
    assert kit.refresh(other, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert kit.refresh(app, tokens["refresh_token"]).status_code == 200


def test_refresh_may_narrow_scope_but_not_widen_it(kit: Kit) -> None:
    app = kit.register()
    tokens = kit.tokens(app)
    narrowed = kit.token_request(
        app, grant_type="refresh_token", refresh_token=tokens["refresh_token"], scope="files:read"
    )
    assert narrowed.status_code == 200
    body = narrowed.json()
    assert body["scope"] == "files:read"
    assert "id_token" not in body
    wider = kit.token_request(
        app,
        grant_type="refresh_token",
        refresh_token=body["refresh_token"],
        scope="files:read rooms:read",
    )
    assert wider.json()["error"] == "invalid_scope"


def test_refreshed_id_token_names_the_same_user(kit: Kit) -> None:
    app = kit.register()
    user = portal_user(app.owner.tenant_id)
    tokens = kit.tokens(app, user)
    refreshed = kit.refresh(app, tokens["refresh_token"]).json()
    claims = kit.verify(refreshed["id_token"], audience=app.client_id)
    assert claims["sub"] == user.user_id
    assert "nonce" not in claims


# client_credentials.


def test_client_credentials(kit: Kit) -> None:
    app = kit.register(
        grant_types=["client_credentials"], scopes=["files:read", "rooms:read", "openid"]
    )
    response = kit.token_request(app, grant_type="client_credentials")
    assert response.status_code == 200
    body = response.json()
    assert "refresh_token" not in body
    assert "id_token" not in body
    assert body["scope"] == "files:read rooms:read"  # no user, so no openid
    # A portal tenant with no URL stored here: its own default, never tenant 1's (the issuer).
    claims = kit.verify(body["access_token"], audience=f"{kit.base}/tenants/{app.owner.tenant_id}")
    assert claims["sub"] == claims["client_id"] == app.client_id
    assert claims["tid"] == app.owner.tenant_id
    narrowed = kit.token_request(app, grant_type="client_credentials", scope="rooms:read")
    assert narrowed.json()["scope"] == "rooms:read"
    assert (
        kit.token_request(app, grant_type="client_credentials", scope="files:write").json()["error"]
        == "invalid_scope"
    )
    assert kit.introspect(body["access_token"], by=app)["active"] is True
    # Not registered for the code grant: /authorize sends it back.
    outcome = kit.authorize_outcome(app, portal_user(app.owner.tenant_id))
    assert query_of(outcome.headers["location"])["error"] == "unauthorized_client"


# Revocation (RFC 7009), introspection (RFC 7662) and userinfo.


def test_revocation_endpoint(kit: Kit) -> None:
    app = kit.register()
    other = kit.register(app.owner)
    tokens = kit.tokens(app)
    revoke = f"{kit.base}/oauth2/revoke"
    # Another client's revocation is answered 200 and changes nothing.
    response = httpx.post(
        revoke, data={"token": tokens["access_token"]}, auth=(other.client_id, other.secret)
    )
    assert response.status_code == 200
    assert kit.introspect(tokens["access_token"], by=app)["active"] is True

    # Revoking the access token ends it alone.
    with kit.oauth(app) as oauth:
        assert (
            oauth.revoke_token(
                revoke, token=tokens["access_token"], token_type_hint="access_token"
            ).status_code
            == 200
        )
    assert kit.introspect(tokens["access_token"], by=app) == {"active": False}
    rotated = kit.refresh(app, tokens["refresh_token"])
    assert rotated.status_code == 200
    second = rotated.json()

    # Revoking the refresh token ends its grant, access tokens included.
    assert (
        httpx.post(
            revoke,
            data={"token": second["refresh_token"], "token_type_hint": "refresh_token"},
            auth=(app.client_id, app.secret),
        ).status_code
        == 200
    )
    assert kit.introspect(second["access_token"], by=app) == {"active": False}
    assert kit.refresh(app, second["refresh_token"]).json()["error"] == "invalid_grant"

    # Unknown tokens are fine; an unauthenticated caller is not.
    assert (
        httpx.post(revoke, data={"token": "nonsense"}, auth=(app.client_id, app.secret)).status_code
        == 200
    )
    assert httpx.post(revoke, data={"token": "nonsense"}).status_code == 401


def test_introspection_of_refresh_tokens_and_rules(kit: Kit) -> None:
    app = kit.register()
    tokens = kit.tokens(app)
    body = kit.introspect(tokens["refresh_token"], by=app)
    assert body["active"] is True
    assert body["token_type"] == "refresh_token"
    assert body["client_id"] == app.client_id
    assert kit.introspect("garbage", by=app) == {"active": False}
    assert kit.introspect(tokens["id_token"], by=app) == {"active": False}  # not an access token
    unauthenticated = httpx.post(
        f"{kit.base}/oauth2/introspect", data={"token": tokens["access_token"]}
    )
    assert unauthenticated.status_code == 401
    public = kit.register(app.owner, allow_pkce=True)
    as_public = httpx.post(
        f"{kit.base}/oauth2/introspect",
        data={"token": tokens["access_token"], "client_id": public.client_id},
    )
    assert as_public.status_code == 401  # introspection needs a secret


def test_userinfo_errors(kit: Kit) -> None:
    url = f"{kit.base}/oauth2/userinfo"
    missing = httpx.get(url)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    bad = httpx.get(url, headers={"Authorization": "Bearer a.b.c"})
    assert bad.status_code == 401
    assert 'error="invalid_token"' in bad.headers["www-authenticate"]
    app = kit.register()
    no_openid = kit.tokens(app, scope="files:read")
    response = httpx.get(url, headers={"Authorization": f"Bearer {no_openid['access_token']}"})
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
