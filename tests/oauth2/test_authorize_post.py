"""Authorization requests sent by POST (OIDC Core 3.1.2.1): the same parameters as GET, form-
encoded, get the same answer. A POST without response_type is still the consent decision,
and only it must come from our own page."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from tests.conftest import LiveServer
from tests.factory import client_body
from tests.oauth2.conftest import (
    REDIRECT,
    Actor,
    App,
    Kit,
    form_data,
    hidden_fields,
    portal_user,
    query_of,
)

CROSS_SITE = {"Origin": "https://app.example.com", "Sec-Fetch-Site": "cross-site"}


def both_ways(kit: Kit, browser: httpx.Client, url: str) -> tuple[httpx.Response, httpx.Response]:
    """The request at `url` sent by GET, then the same parameters POSTed as an app's
    auto-submitted form would (from the app's own site). A browser sends no SameSite=Lax
    cookie with that form: a POST that carries no credential is sent on to the same request
    as a GET (303), which the browser follows with its cookie; that is the answer compared."""
    params = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    got = browser.get(url)
    posted = browser.post("/oauth2/authorize", data=form_data(params), headers=CROSS_SITE)
    if posted.status_code == 303:
        location = posted.headers["location"]
        assert location.startswith(f"{kit.base}/oauth2/authorize?"), location
        assert sorted(parse_qsl(urlsplit(location).query, keep_blank_values=True)) == sorted(params)
        posted = browser.get(location)
    return got, posted


def same_answer(got: httpx.Response, posted: httpx.Response) -> None:
    assert posted.status_code == got.status_code, posted.text
    if got.status_code != 302:
        assert posted.text == got.text
        return
    assert posted.headers["cache-control"] == got.headers["cache-control"] == "no-store"
    location, other = got.headers["location"], posted.headers["location"]
    assert location.split("?")[0] == other.split("?")[0]
    mine, theirs = query_of(location), query_of(other)
    # A code is new each time; everything else is the same.
    assert mine.keys() == theirs.keys()
    assert {k: v for k, v in mine.items() if k != "code"} == {
        k: v for k, v in theirs.items() if k != "code"
    }


@pytest.fixture(scope="module")
def consented(kit: Kit) -> tuple[App, Actor]:
    app = kit.register()
    user = portal_user(app.owner.tenant_id)
    kit.tokens(app, user)
    return app, user


def test_a_consented_user_gets_a_code_both_ways(kit: Kit, consented: tuple[App, Actor]) -> None:
    app, user = consented
    with kit.oauth(app) as oauth, kit.browser(user) as browser:
        url, state, verifier = kit.start(oauth, nonce="n-1")
        got, posted = both_ways(kit, browser, url)
        same_answer(got, posted)
        assert posted.headers["location"].startswith(REDIRECT)
        params = query_of(posted.headers["location"])
        assert params["state"] == state
        assert params["iss"] == kit.base
        token = oauth.fetch_token(
            f"{kit.base}/oauth2/token",
            authorization_response=posted.headers["location"],
            state=state,
            code_verifier=verifier,
        )
    assert kit.verify(token["id_token"], audience=app.client_id)["nonce"] == "n-1"


@pytest.mark.parametrize(
    "case",
    ["anonymous", "needs-consent", "prompt-none", "bad-response-type", "bad-redirect-uri"],
)
def test_the_same_answer_both_ways(kit: Kit, consented: tuple[App, Actor], case: str) -> None:
    app, user = consented
    actor = None if case in ("anonymous", "prompt-none") else user
    if case == "needs-consent":
        app = kit.register(user)
        actor = portal_user(app.owner.tenant_id)
    extra = {"prompt": "none"} if case == "prompt-none" else {}
    with kit.oauth(app) as oauth, kit.browser(actor) as browser:
        url, _, _ = kit.start(oauth, **extra)
        if case == "bad-response-type":
            url = url.replace("response_type=code", "response_type=token")
        if case == "bad-redirect-uri":
            url = url.replace("app.example.com", "evil.example")
        got, posted = both_ways(kit, browser, url)
    same_answer(got, posted)
    expected = {
        "anonymous": f"{kit.base}/oauth2/login?",
        "needs-consent": f"{kit.base}/oauth2/consent?",
        "prompt-none": REDIRECT,
        "bad-response-type": REDIRECT,
    }
    if case == "bad-redirect-uri":
        assert got.status_code == 400  # an error page, never a redirect
    else:
        assert got.headers["location"].startswith(expected[case])


def test_a_signed_in_browser_whose_cookie_stays_behind_still_gets_its_code(
    kit: Kit, live_server: LiveServer
) -> None:
    """The cookie is SameSite=Lax: a browser sends it on the GET the 303 leads to, not with
    the app's cross-site form. Played here by sending the cookie only on GETs."""
    email = f"post-{secrets.token_hex(4)}@example.com"
    live_server.create_user(email, "user", 1, password="correct horse battery staple")
    with live_server.client(live_server.keys["owner"]) as owner:
        body = owner.post("/api/2.0/clients", json=client_body(scopes=["openid"])).json()
    app = App(body["client_id"], body["client_secret"], portal_user(1), body)
    with kit.browser() as browser:
        page = browser.get("/oauth2/login?next=/console")
        answer = browser.post(
            "/oauth2/login",
            data={
                **dict(hidden_fields(page.text)),
                "email": email,
                "password": "correct horse battery staple",
            },
            headers={"Origin": kit.base},
        )
        assert answer.status_code == 303
        cookie = browser.cookies["asc_auth_key"]
    with kit.oauth(app, scope="openid") as oauth, kit.browser() as lax:
        url, state, _ = kit.start(oauth)
        kit.through_browser(lax_with(lax, cookie), url)  # consent, once
        url, state, _ = kit.start(oauth)
        params = parse_qsl(urlsplit(url).query)
        lax.cookies.clear()
        posted = lax.post("/oauth2/authorize", data=form_data(params), headers=CROSS_SITE)
        assert posted.status_code == 303
        lax.cookies.set("asc_auth_key", cookie)
        callback = lax.get(posted.headers["location"])
    assert callback.headers["location"].startswith(REDIRECT)
    assert query_of(callback.headers["location"])["state"] == state


def lax_with(browser: httpx.Client, cookie: str) -> httpx.Client:
    browser.cookies.set("asc_auth_key", cookie)
    return browser


def test_a_cross_site_consent_decision_is_still_refused(
    kit: Kit, consented: tuple[App, Actor]
) -> None:
    app, user = consented
    with kit.browser() as browser:
        answer = browser.post(
            "/oauth2/authorize",
            data={"client_id": app.client_id, "state": "x", "scope": "openid"},
            headers=CROSS_SITE,
        )
    assert answer.status_code == 403
    assert "another site" in answer.text
