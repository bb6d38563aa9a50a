"""The pages a person sees: sign-in, consent, errors; and what keeps other sites out."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import LiveServer
from tests.oauth2.conftest import (
    REDIRECT,
    App,
    Kit,
    form_data,
    hidden_fields,
    portal_user,
    query_of,
)

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def local_user(live_server: LiveServer) -> str:
    email = f"signin-{secrets.token_hex(4)}@example.com"
    live_server.create_user(email, "user", 1, password=PASSWORD)
    return email


@pytest.fixture(scope="module")
def tenant1_app(kit: Kit, live_server: LiveServer) -> App:
    """A client of tenant 1 (the local users' tenant), registered with the owner's API key."""
    with live_server.client(live_server.keys["owner"]) as owner:
        from tests.factory import client_body

        response = owner.post(
            "/api/2.0/clients", json=client_body(scopes=["files:read", "openid", "rooms:read"])
        )
    assert response.status_code == 201, response.text
    body = response.json()
    return App(body["client_id"], body["client_secret"], portal_user(1), body)


@pytest.fixture
def anonymous(kit: Kit) -> Iterator[httpx.Client]:
    with kit.browser() as browser:
        yield browser


def _sign_in(
    kit: Kit, browser: httpx.Client, url: str, email: str, password: str, **headers: str
) -> httpx.Response:
    response = browser.get(url)
    assert response.status_code == 302
    login = response.headers["location"]
    assert login.startswith(f"{kit.base}/oauth2/login?")
    page = browser.get(login)
    assert page.status_code == 200
    fields = dict(hidden_fields(page.text))
    return browser.post(
        "/oauth2/login",
        data={**fields, "email": email, "password": password},
        headers={"Origin": kit.base, **headers},
    )


def test_sign_in_then_consent_then_code(
    kit: Kit, tenant1_app: App, local_user: str, anonymous: httpx.Client
) -> None:
    with kit.oauth(tenant1_app, scope="openid files:read rooms:read") as oauth:
        url, state, verifier = kit.start(oauth, nonce="abc")
        page = anonymous.get(anonymous.get(url).headers["location"])
        # The sign-in page: labelled fields, no framing, a strict CSP, no caching.
        assert page.status_code == 200
        assert 'for="email"' in page.text
        assert 'for="password"' in page.text
        assert tenant1_app.info["name"] in page.text
        assert page.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["cache-control"] == "no-store"

        signed_in = _sign_in(kit, anonymous, url, local_user, PASSWORD)
        assert signed_in.status_code == 303, signed_in.text
        assert signed_in.headers["location"].startswith(f"{kit.base}/oauth2/authorize?")
        cookie = next(
            c for c in signed_in.headers.get_list("set-cookie") if c.startswith("asc_auth_key=")
        )
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
        assert "Path=/" in cookie
        assert "Secure" not in cookie  # the issuer is http:// in the tests

        to_consent = anonymous.get(signed_in.headers["location"])
        assert to_consent.status_code == 302
        assert to_consent.headers["location"].startswith(f"{kit.base}/oauth2/consent?")
        consent = anonymous.get(to_consent.headers["location"])
        assert consent.status_code == 200
        info = tenant1_app.info
        for text in (
            info["name"],
            "View your files and folders",
            "View your rooms",
            "Know who you are",
            info["policy_url"],
            info["terms_url"],
            "app.example.com",
            local_user.split("@")[0],
        ):
            assert text in consent.text, text
        assert 'alt=""' in consent.text
        assert "data:image/png;base64," in consent.text
        # The consent form may send the browser on to the app's redirect URI.
        assert "https://app.example.com" in consent.headers["content-security-policy"]

        fields = [*hidden_fields(consent.text), ("decision", "allow")]
        answer = anonymous.post(
            "/oauth2/authorize", data=form_data(fields), headers={"Origin": kit.base}
        )
        assert answer.status_code == 302, answer.text
        callback = answer.headers["location"]
        params = query_of(callback)
        assert callback.startswith(REDIRECT)
        assert params["state"] == state
        assert params["iss"] == kit.base
        token = oauth.fetch_token(
            f"{kit.base}/oauth2/token",
            authorization_response=callback,
            state=state,
            code_verifier=verifier,
        )
    claims = kit.verify(token["access_token"], audience=kit.base)  # tenant 1's URL
    assert claims["tid"] == 1
    id_claims = kit.verify(token["id_token"], audience=tenant1_app.client_id)
    assert id_claims["email"] == local_user
    assert id_claims["nonce"] == "abc"
    info_response = httpx.get(
        f"{kit.base}/oauth2/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert info_response.json()["email"] == local_user

    # Signed in, with consent stored: the next authorization needs no page at all.
    with kit.oauth(tenant1_app, scope="files:read") as oauth:
        url, state, _ = kit.start(oauth)
        again = anonymous.get(url)
    assert again.status_code == 302
    assert query_of(again.headers["location"])["state"] == state
    assert "code" in query_of(again.headers["location"])

    # The session cookie works for the consent list of the management API.
    listed = anonymous.get("/api/2.0/clients/consents").json()
    mine = [c for c in listed["data"] if c["registered_client_id"] == tenant1_app.client_id]
    assert mine
    assert mine[0]["scopes"] == "files:read rooms:read openid"
    assert mine[0]["client"]["name"] == tenant1_app.info["name"]


def test_wrong_password_and_stale_form(
    kit: Kit, tenant1_app: App, local_user: str, anonymous: httpx.Client
) -> None:
    with kit.oauth(tenant1_app) as oauth:
        url, _, _ = kit.start(oauth)
    wrong = _sign_in(kit, anonymous, url, local_user, "not the password")
    assert wrong.status_code == 400
    assert "Wrong email or password." in wrong.text
    assert 'role="alert"' in wrong.text
    assert "asc_auth_key" not in wrong.headers.get("set-cookie", "")
    # A user of another tenant cannot sign in to tenant 1's app with its own password.
    assert _sign_in(kit, anonymous, url, "other_user@example.com", PASSWORD).status_code == 400

    login = anonymous.get(url).headers["location"]
    fields = dict(hidden_fields(anonymous.get(login).text))
    fields["csrf_token"] = "forged-token-of-the-right-size"
    stale = anonymous.post(
        "/oauth2/login",
        data={**fields, "email": local_user, "password": PASSWORD},
        headers={"Origin": kit.base},
    )
    assert stale.status_code == 403
    cross = anonymous.post(
        "/oauth2/login",
        data={**fields, "email": local_user, "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403


def test_consent_post_refuses_other_sites(kit: Kit) -> None:
    app = kit.register()
    user = portal_user(app.owner.tenant_id)
    with kit.oauth(app) as oauth, kit.browser() as browser:
        url, state, _ = kit.start(oauth)
        # A browser session (the x-signature cookie a portal sets).
        browser.cookies.set(
            "x-signature", user.headers["x-signature"], domain=urlsplit(kit.base).hostname or ""
        )
        to_consent = browser.get(url)
        assert to_consent.headers["location"].startswith(f"{kit.base}/oauth2/consent?")
        page = browser.get(to_consent.headers["location"])
        fields = dict(hidden_fields(page.text))
        assert fields["state"] == state
        form = {**fields, "decision": "allow"}

        for headers in (
            {"Origin": "https://evil.example"},
            {"Origin": "null"},
            {"Sec-Fetch-Site": "cross-site"},
        ):
            refused = browser.post("/oauth2/authorize", data=form, headers=headers)
            assert refused.status_code == 403, headers
            assert "location" not in refused.headers
        # With the cookie as credential, the form token is required.
        no_token = {k: v for k, v in form.items() if k != "csrf_token"}
        refused = browser.post("/oauth2/authorize", data=no_token, headers={"Origin": kit.base})
        assert refused.status_code == 403

        accepted = browser.post(
            "/oauth2/authorize",
            data=form,
            headers={"Origin": kit.base, "Sec-Fetch-Site": "same-origin"},
        )
        assert accepted.status_code == 302
        assert "code" in query_of(accepted.headers["location"])


def test_non_browser_consent_without_origin_or_form_token(kit: Kit) -> None:
    """A server-side caller (x-signature header, no Origin) posts just client_id, state and
    scope, as the contract shows."""
    app = kit.register()
    user = portal_user(app.owner.tenant_id)
    with kit.oauth(app) as oauth, kit.browser(user) as caller:
        url, state, _ = kit.start(oauth)
        assert caller.get(url).status_code == 302
        answer = caller.post(
            "/oauth2/authorize",
            data={
                "client_id": app.client_id,
                "state": state,
                "scope": "files:read openid",
            },
        )
    assert answer.status_code == 302, answer.text
    params = query_of(answer.headers["location"])
    assert params["state"] == state
    assert params["code"]


def test_denial_and_partial_consent(kit: Kit) -> None:
    app = kit.register()
    user = portal_user(app.owner.tenant_id)
    with kit.oauth(app) as oauth, kit.browser(user) as browser:
        url, state, _ = kit.start(oauth)
        denied = query_of(kit.through_browser(browser, url, decision="deny"))
        assert denied == {
            "error": "access_denied",
            "error_description": denied["error_description"],
            "state": state,
            "iss": kit.base,
        }

        # A submission with no scope is a denial too (as in DocSpace).
        url, state, _ = kit.start(oauth)
        browser.get(url)
        empty = browser.post("/oauth2/authorize", data={"client_id": app.client_id, "state": state})
        assert query_of(empty.headers["location"])["error"] == "access_denied"

        # Only requested scopes can be granted; granting a part gives a code for that part.
        url, state, verifier = kit.start(oauth)
        browser.get(url)
        partial = browser.post(
            "/oauth2/authorize",
            data={
                "client_id": app.client_id,
                "state": state,
                "scope": ["files:read", "rooms:write"],
            },
        )
        callback = partial.headers["location"]
        token = oauth.fetch_token(
            f"{kit.base}/oauth2/token",
            authorization_response=callback,
            state=state,
            code_verifier=verifier,
        )
    assert token["scope"] == "files:read"
    assert "id_token" not in token

    # The request was answered: posting the same state again finds nothing to complete.
    with kit.browser(user) as browser:
        again = browser.post(
            "/oauth2/authorize",
            data={"client_id": app.client_id, "state": state, "scope": "files:read"},
        )
    assert again.status_code == 400
    assert "location" not in again.headers


def test_stale_pending_and_signed_out_consent(kit: Kit, anonymous: httpx.Client) -> None:
    app = kit.register()
    page = anonymous.get(f"/oauth2/consent?client_id={app.client_id}&state=x")
    assert page.status_code == 401
    posted = anonymous.post(
        "/oauth2/authorize", data={"client_id": app.client_id, "state": "x", "scope": "files:read"}
    )
    assert posted.status_code == 401
    assert "location" not in posted.headers
    with kit.browser(portal_user(app.owner.tenant_id)) as browser:
        missing = browser.get(f"/oauth2/consent?client_id={app.client_id}&state=nothing")
    assert missing.status_code == 400
    assert "expired" in missing.text


def test_static_stylesheet_is_served(kit: Kit) -> None:
    css = httpx.get(f"{kit.base}/static/style.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in css.text
