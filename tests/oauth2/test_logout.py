"""RP-Initiated Logout 1.0 (/oauth2/logout): what an app and the person at the browser see
when the app signs the user out."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest

from tests.conftest import LiveServer, ServerProcess
from tests.factory import client_body
from tests.oauth2.conftest import App, Kit, hidden_fields, portal_user, query_of
from tests.oauth2.test_sessions import PASSWORD, Flow, first_tokens, sign_in_form

LOGOUT_URI = "https://app.example.com/logout"


@pytest.fixture(scope="module")
def local_user(live_server: LiveServer) -> str:
    email = f"logout-{secrets.token_hex(4)}@example.com"
    live_server.create_user(email, "user", 1, password=PASSWORD)
    return email


@pytest.fixture(scope="module")
def app(live_server: LiveServer) -> App:
    with live_server.client(live_server.keys["owner"]) as owner:
        response = owner.post(
            "/api/2.0/clients",
            json=client_body(scopes=["files:read", "openid"], logout_redirect_uri=LOGOUT_URI),
        )
    assert response.status_code == 201, response.text
    body = response.json()
    return App(body["client_id"], body["client_secret"], portal_user(1), body)


@pytest.fixture
def browser(kit: Kit, local_user: str) -> Iterator[httpx.Client]:
    with kit.browser() as client:
        answer = sign_in_form(kit, client, "/oauth2/login?next=/console", local_user)
        assert answer.status_code == 303, answer.text
        yield client


def _logout(http: httpx.Client, **params: str) -> httpx.Response:
    return http.get(f"/oauth2/logout?{urlencode(params)}")


def _asks_to_sign_in(kit: Kit, app: App, http: httpx.Client) -> bool:
    answer = http.get(Flow(kit, app).url)
    assert answer.status_code == 302
    return str(answer.headers["location"]).startswith(f"{kit.base}/oauth2/login?")


def test_discovery_advertises_the_end_session_endpoint(kit: Kit) -> None:
    meta = httpx.get(f"{kit.base}/.well-known/openid-configuration").json()
    assert meta["end_session_endpoint"] == f"{kit.base}/oauth2/logout"


def test_logout_with_the_apps_id_token_goes_back_to_the_app(
    kit: Kit, app: App, browser: httpx.Client
) -> None:
    token = first_tokens(kit, app, browser)
    cookie = browser.cookies["asc_auth_key"]
    answer = _logout(
        browser,
        id_token_hint=token["id_token"],
        post_logout_redirect_uri=LOGOUT_URI,
        state="after-logout",
    )
    assert answer.status_code == 302, answer.text
    assert answer.headers["location"] == f"{LOGOUT_URI}?state=after-logout"
    assert "asc_auth_key" not in browser.cookies  # the browser was told to forget it
    # The next authorization asks for a sign-in, even with the old cookie put back.
    assert _asks_to_sign_in(kit, app, browser)
    with kit.browser() as stale:
        stale.cookies.set("asc_auth_key", cookie)
        assert _asks_to_sign_in(kit, app, stale)
        assert stale.get("/api/2.0/sessions").status_code in (401, 403)


def test_logout_without_a_redirect_shows_the_signed_out_page(
    kit: Kit, app: App, browser: httpx.Client
) -> None:
    token = first_tokens(kit, app, browser)
    page = _logout(browser, id_token_hint=token["id_token"])
    assert page.status_code == 200
    assert "You have signed out" in page.text
    assert app.info["name"] in page.text
    assert _asks_to_sign_in(kit, app, browser)


def _confirm_form(page: httpx.Response) -> dict[str, str]:
    assert page.status_code == 200, page.text
    assert "Sign out?" in page.text
    return dict(hidden_fields(page.text))


def test_without_a_hint_the_person_confirms(kit: Kit, app: App, browser: httpx.Client) -> None:
    first_tokens(kit, app, browser)
    page = _logout(
        browser, client_id=app.client_id, post_logout_redirect_uri=LOGOUT_URI, state="s1"
    )
    fields = _confirm_form(page)
    assert fields["client_id"] == app.client_id
    origin = {"Origin": kit.base}
    # Another site cannot answer for the person, nor can a form without our token.
    foreign = browser.post(
        "/oauth2/logout/confirm",
        data={**fields, "decision": "signout"},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    forged = browser.post(
        "/oauth2/logout/confirm",
        data={**fields, "csrf_token": "x" * 64, "decision": "signout"},
    )
    assert forged.status_code == 403
    stay = browser.post(
        "/oauth2/logout/confirm", data={**fields, "decision": "stay"}, headers=origin
    )
    assert stay.status_code == 200 and "still signed in" in stay.text
    assert not _asks_to_sign_in(kit, app, browser)
    done = browser.post(
        "/oauth2/logout/confirm", data={**fields, "decision": "signout"}, headers=origin
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"{LOGOUT_URI}?state=s1"
    assert _asks_to_sign_in(kit, app, browser)


def test_another_sessions_hint_asks_to_confirm(
    kit: Kit, app: App, browser: httpx.Client, local_user: str
) -> None:
    with kit.browser() as other:
        assert sign_in_form(kit, other, "/oauth2/login?next=/console", local_user).status_code
        theirs = first_tokens(kit, app, other)
    first_tokens(kit, app, browser)
    page = _logout(browser, id_token_hint=theirs["id_token"])
    fields = _confirm_form(page)
    assert fields["client_id"] == app.client_id  # named by the hint's audience
    assert not _asks_to_sign_in(kit, app, browser)


def test_an_expired_hint_asks_to_confirm(
    kit: Kit, app: App, browser: httpx.Client, sibling: ServerProcess
) -> None:
    """An id_token from an instance whose tokens live two seconds, once expired: it still
    names the app, but proves nothing, so the person is asked."""
    first_tokens(kit, app, browser)  # consent given: the sibling answers with a code at once
    flow = Flow(kit, app)
    answer = browser.get(flow.url.replace(kit.base, sibling.url, 1))
    assert answer.status_code == 302, answer.text
    token = flow.oauth.fetch_token(
        f"{sibling.url}/oauth2/token",
        authorization_response=answer.headers["location"],
        state=flow.state,
        code_verifier=flow.verifier,
    )
    time.sleep(3)
    page = _logout(browser, id_token_hint=token["id_token"], post_logout_redirect_uri=LOGOUT_URI)
    fields = _confirm_form(page)
    assert fields["client_id"] == app.client_id
    assert fields["post_logout_redirect_uri"] == LOGOUT_URI
    assert not _asks_to_sign_in(kit, app, browser)


BAD: dict[str, dict[str, str]] = {
    "unregistered redirect": {"post_logout_redirect_uri": "https://evil.example/"},
    "redirect without a client": {"post_logout_redirect_uri": LOGOUT_URI},
    "not an id_token": {"id_token_hint": "a.b.c"},
    "unknown client": {"client_id": "nope"},
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_requests_get_an_error_page(kit: Kit, app: App, case: str) -> None:
    params = dict(BAD[case])
    if case == "unregistered redirect":
        params["client_id"] = app.client_id
    with kit.browser() as http:
        page = _logout(http, **params)
    assert page.status_code == 400
    assert "sign-out link" in page.text
    assert "location" not in page.headers


def test_a_hint_for_another_client_is_refused(kit: Kit, app: App, browser: httpx.Client) -> None:
    token = first_tokens(kit, app, browser)
    other = kit.register(portal_user(1), scopes=["files:read", "openid"])
    page = _logout(browser, id_token_hint=token["id_token"], client_id=other.client_id)
    assert page.status_code == 400
    repeated = browser.get(f"/oauth2/logout?state=a&state=b&client_id={app.client_id}")
    assert repeated.status_code == 400
    assert not _asks_to_sign_in(kit, app, browser)


def test_not_signed_in_goes_back_to_the_app(kit: Kit, app: App) -> None:
    with kit.browser() as http:
        answer = _logout(
            http, client_id=app.client_id, post_logout_redirect_uri=LOGOUT_URI, state="x"
        )
        assert answer.status_code == 302
        assert query_of(answer.headers["location"]) == {"state": "x"}
        page = http.get("/oauth2/logout")
        assert page.status_code == 200 and "You have signed out" in page.text


def test_a_logout_posted_from_the_apps_site_is_answered_as_a_get(
    kit: Kit, app: App, browser: httpx.Client
) -> None:
    token = first_tokens(kit, app, browser)
    form = {"id_token_hint": token["id_token"], "post_logout_redirect_uri": LOGOUT_URI}
    with kit.browser() as no_cookie:  # SameSite=Lax: a cross-site POST carries no cookie
        posted = no_cookie.post("/oauth2/logout", data=form)
    assert posted.status_code == 303
    assert posted.headers["location"].startswith(f"{kit.base}/oauth2/logout?")
    answer = browser.get(posted.headers["location"])
    assert answer.status_code == 302
    assert answer.headers["location"] == LOGOUT_URI
    assert _asks_to_sign_in(kit, app, browser)
