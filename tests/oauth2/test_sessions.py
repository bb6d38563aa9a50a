"""Server-side sign-in sessions and re-authentication (OIDC Core 3.1.2.1): what an app sees
in its id_tokens (auth_time, sid, amr) and what the person at the browser is shown when the
app asks for prompt=login, max_age, prompt=select_account or prompt=none."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.factory import client_body
from tests.oauth2.conftest import REDIRECT, App, Kit, hidden_fields, portal_user, query_of

PASSWORD = "correct horse battery staple"
SCOPE = "openid files:read"


@pytest.fixture(scope="module")
def local_user(live_server: LiveServer) -> str:
    email = f"sessions-{secrets.token_hex(4)}@example.com"
    live_server.create_user(email, "user", 1, password=PASSWORD)
    return email


@pytest.fixture(scope="module")
def app(live_server: LiveServer) -> App:
    with live_server.client(live_server.keys["owner"]) as owner:
        response = owner.post("/api/2.0/clients", json=client_body(scopes=["files:read", "openid"]))
    assert response.status_code == 201, response.text
    body = response.json()
    return App(body["client_id"], body["client_secret"], portal_user(1), body)


def sign_in_form(kit: Kit, browser: httpx.Client, login_url: str, email: str) -> httpx.Response:
    """Fill in and send the sign-in page at `login_url`, as a person does."""
    page = browser.get(login_url)
    assert page.status_code == 200, page.text
    fields = dict(hidden_fields(page.text))
    return browser.post(
        "/oauth2/login",
        data={**fields, "email": email, "password": PASSWORD},
        headers={"Origin": kit.base},
    )


@pytest.fixture
def browser(kit: Kit, local_user: str) -> Iterator[httpx.Client]:
    """A browser signed in (to the console) as the local user."""
    with kit.browser() as client:
        answer = sign_in_form(kit, client, "/oauth2/login?next=/console", local_user)
        assert answer.status_code == 303, answer.text
        yield client


class Flow:
    """One authorization request of the app, from its URL to its tokens."""

    def __init__(self, kit: Kit, app: App, **params: str) -> None:
        self.kit = kit
        self.oauth = kit.oauth(app, scope=SCOPE)
        self.url, self.state, self.verifier = kit.start(self.oauth, **params)

    def tokens(self, callback: str) -> dict[str, Any]:
        assert callback.startswith(REDIRECT), callback
        token = self.oauth.fetch_token(
            f"{self.kit.base}/oauth2/token",
            authorization_response=callback,
            state=self.state,
            code_verifier=self.verifier,
        )
        self.oauth.close()
        return dict(token)


def id_claims(kit: Kit, app: App, token: dict[str, Any]) -> dict[str, Any]:
    return kit.verify(token["id_token"], audience=app.client_id)


def first_tokens(kit: Kit, app: App, browser: httpx.Client) -> dict[str, Any]:
    """The app's first sign-in for this user: through the consent page."""
    flow = Flow(kit, app)
    return flow.tokens(kit.through_browser(browser, flow.url))


def test_discovery_advertises_prompts_and_session_claims(kit: Kit) -> None:
    meta = httpx.get(f"{kit.base}/.well-known/openid-configuration").json()
    assert set(meta["prompt_values_supported"]) == {"none", "login", "consent", "select_account"}
    assert {"auth_time", "sid", "amr"} <= set(meta["claims_supported"])
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert "end_session_endpoint" not in meta  # RP-initiated logout is not there yet


def test_id_tokens_carry_the_sign_in(kit: Kit, app: App, browser: httpx.Client) -> None:
    before = int(time.time())
    token = first_tokens(kit, app, browser)
    claims = id_claims(kit, app, token)
    assert before - 5 <= claims["auth_time"] <= int(time.time())
    assert claims["amr"] == ["pwd"]
    assert isinstance(claims["sid"], str) and len(claims["sid"]) >= 22
    # A refreshed id_token speaks of the same sign-in (OIDC Core 12.2).
    refreshed = kit.refresh(app, token["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    again = kit.verify(refreshed.json()["id_token"], audience=app.client_id)
    assert (again["auth_time"], again["sid"], again["amr"]) == (
        claims["auth_time"],
        claims["sid"],
        claims["amr"],
    )


def test_prompt_login_shows_the_sign_in_page_and_moves_auth_time(
    kit: Kit, app: App, browser: httpx.Client, local_user: str
) -> None:
    first = id_claims(kit, app, first_tokens(kit, app, browser))
    old_cookie = browser.cookies["asc_auth_key"]
    time.sleep(1.1)  # auth_time has a one-second grain
    flow = Flow(kit, app, prompt="login")
    answer = browser.get(flow.url)
    assert answer.status_code == 302
    login = answer.headers["location"]
    assert login.startswith(f"{kit.base}/oauth2/login?")
    # Signed in already, yet the form is shown (not a redirect), the email filled in.
    page = browser.get(login)
    assert page.status_code == 200
    assert 'name="password"' in page.text
    assert f'value="{local_user}"' in page.text
    signed_in = sign_in_form(kit, browser, login, local_user)
    assert signed_in.status_code == 303, signed_in.text
    back = signed_in.headers["location"]
    assert back.startswith(f"{kit.base}/oauth2/authorize?")
    assert "prompt" not in query_of(back)  # answered: it does not ask again
    callback = browser.get(back)
    assert callback.status_code == 302
    claims = id_claims(kit, app, flow.tokens(callback.headers["location"]))
    assert claims["auth_time"] > first["auth_time"]
    # The same browser session (sid) with a new cookie; the old cookie no longer works.
    assert claims["sid"] == first["sid"]
    assert browser.cookies["asc_auth_key"] != old_cookie
    with kit.browser() as stale:
        stale.cookies.set("asc_auth_key", old_cookie)
        refused = stale.get(Flow(kit, app).url)
    assert refused.headers["location"].startswith(f"{kit.base}/oauth2/login?")


def test_max_age(kit: Kit, app: App, browser: httpx.Client, local_user: str) -> None:
    first_tokens(kit, app, browser)
    # Recent enough: a code at once, and the id_token says when the user signed in.
    recent = Flow(kit, app, max_age="3600")
    answer = browser.get(recent.url)
    assert answer.headers["location"].startswith(REDIRECT)
    assert "auth_time" in id_claims(kit, app, recent.tokens(answer.headers["location"]))
    time.sleep(1.1)
    # Too old: prompt=none is told login_required, otherwise a new sign-in.
    silent = Flow(kit, app, max_age="0", prompt="none")
    refused = query_of(browser.get(silent.url).headers["location"])
    assert refused["error"] == "login_required"
    assert refused["state"] == silent.state
    assert refused["iss"] == kit.base
    stale = Flow(kit, app, max_age="1")
    login = browser.get(stale.url).headers["location"]
    assert login.startswith(f"{kit.base}/oauth2/login?")
    signed_in = sign_in_form(kit, browser, login, local_user)
    assert signed_in.status_code == 303
    assert "max_age" not in query_of(signed_in.headers["location"])
    callback = browser.get(signed_in.headers["location"]).headers["location"]
    claims = id_claims(kit, app, stale.tokens(callback))
    assert int(time.time()) - claims["auth_time"] <= 2


def test_prompt_none(kit: Kit, app: App, browser: httpx.Client) -> None:
    with kit.browser() as anonymous:
        flow = Flow(kit, app, prompt="none")
        answer = query_of(anonymous.get(flow.url).headers["location"])
    assert answer["error"] == "login_required"
    other = kit.register(portal_user(1), scopes=["files:read", "openid"])
    flow = Flow(kit, other, prompt="none")
    answer = query_of(browser.get(flow.url).headers["location"])
    assert answer["error"] == "consent_required"
    assert answer["iss"] == kit.base


def test_prompt_select_account_offers_the_current_account(
    kit: Kit, app: App, browser: httpx.Client, local_user: str
) -> None:
    first_tokens(kit, app, browser)
    flow = Flow(kit, app, prompt="select_account")
    login = browser.get(flow.url).headers["location"]
    assert login.startswith(f"{kit.base}/oauth2/login?")
    page = browser.get(login)
    assert page.status_code == 200
    assert "Continue as" in page.text
    assert 'name="password"' in page.text  # or sign in as someone else
    link = page.text.split('id="continue-as" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert "select_account" not in link
    callback = browser.get(link).headers["location"]
    assert id_claims(kit, app, flow.tokens(callback))["email"] == local_user


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"prompt": "bogus"}, "prompt"),
        ({"prompt": "none login"}, "prompt"),
        ({"prompt": "none consent"}, "prompt"),
        ({"max_age": "-1"}, "max_age"),
        ({"max_age": "soon"}, "max_age"),
    ],
    ids=["unknown", "none-with-login", "none-with-consent", "negative-max-age", "text-max-age"],
)
def test_invalid_prompts_go_back_to_the_app(
    kit: Kit, app: App, browser: httpx.Client, params: dict[str, str], message: str
) -> None:
    flow = Flow(kit, app, **params)
    answer = browser.get(flow.url)
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(REDIRECT)
    query = query_of(location)
    assert query["error"] == "invalid_request"
    assert message in query["error_description"]
    assert query["state"] == flow.state
    assert query["iss"] == kit.base


def test_header_caller_asking_prompt_login_gets_the_sign_in_page(kit: Kit) -> None:
    app = kit.register()
    user = portal_user(app.owner.tenant_id)
    kit.tokens(app, user)  # consented: without prompt=login a code comes at once
    with kit.browser(user) as portal_browser:
        flow = Flow(kit, app, prompt="login")
        login = portal_browser.get(flow.url).headers["location"]
        assert login.startswith(f"{kit.base}/oauth2/login?")
        page = portal_browser.get(login)
        # The form, not a redirect back: no sign-in session can satisfy prompt=login.
        assert page.status_code == 200
        assert 'name="password"' in page.text
        # And max_age, which such a caller cannot meet either.
        aged = Flow(kit, app, max_age="600")
        assert (
            portal_browser.get(aged.url).headers["location"].startswith(f"{kit.base}/oauth2/login?")
        )
