"""Authorization requests sent by POST (OIDC Core 3.1.2.1): the same parameters as GET, form-
encoded, get the same answer. A POST without response_type is still the consent decision,
and only it must come from our own page."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from tests.oauth2.conftest import REDIRECT, Actor, App, Kit, form_data, portal_user, query_of

CROSS_SITE = {"Origin": "https://app.example.com", "Sec-Fetch-Site": "cross-site"}


def both_ways(kit: Kit, browser: httpx.Client, url: str) -> tuple[httpx.Response, httpx.Response]:
    """The request at `url` sent by GET, then the same parameters POSTed as an app's
    auto-submitted form would (from the app's own site)."""
    params = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    got = browser.get(url)
    posted = browser.post("/oauth2/authorize", data=form_data(params), headers=CROSS_SITE)
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
