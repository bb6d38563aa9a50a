"""Redirect safety (RFC 6749 4.1.2.1, 10.6): untrusted client or redirect URI means an error
page and never a redirect; everything else goes back to the client as error=..."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

import httpx
import pytest

from tests.oauth2.conftest import REDIRECT, App, Kit, portal_user, query_of


@pytest.fixture(scope="module")
def app(kit: Kit) -> App:
    return kit.register(scopes=["files:read", "openid"])


def _authorize(kit: Kit, app: App, **params: str | None) -> httpx.Response:
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": REDIRECT,
        "scope": "files:read",
        "state": "st-1",
    }
    query.update(params)
    clean = {k: v for k, v in query.items() if v is not None}
    with kit.browser(portal_user(app.owner.tenant_id)) as browser:
        return browser.get(f"/oauth2/authorize?{urlencode(clean)}")


def _error_page(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in response.text


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example/callback",
        REDIRECT + "/",
        REDIRECT + "?next=https://evil.example",
        REDIRECT.upper(),
        "https://app.example.com/callback#frag",
        "https://app.example.com:443/callback",
        None,
    ],
)
def test_unregistered_redirect_uri_gets_an_error_page(
    kit: Kit, app: App, redirect_uri: str | None
) -> None:
    _error_page(_authorize(kit, app, redirect_uri=redirect_uri))


# Named ids: xdist's workers must collect the same test names, and a uuid4 differs in each.
@pytest.mark.parametrize(
    "client_id",
    [str(uuid.uuid4()), "not-a-uuid", "", None],
    ids=["unknown", "not-a-uuid", "empty", "missing"],
)
def test_unknown_client_gets_an_error_page(kit: Kit, app: App, client_id: str | None) -> None:
    _error_page(_authorize(kit, app, client_id=client_id))


def test_duplicated_client_id_gets_an_error_page(kit: Kit, app: App) -> None:
    with kit.browser() as browser:
        response = browser.get(
            f"/oauth2/authorize?response_type=code&client_id={app.client_id}"
            f"&client_id={app.client_id}&redirect_uri={REDIRECT}"
        )
    _error_page(response)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": None}, "invalid_request"),
        ({"scope": "files:read files:write"}, "invalid_scope"),  # not registered
        ({"scope": "files:read unknown:scope"}, "invalid_scope"),
        ({"code_challenge": "a" * 43, "code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "a" * 43}, "invalid_request"),  # plain by default
        ({"code_challenge": "short", "code_challenge_method": "S256"}, "invalid_request"),
        ({"prompt": "none login"}, "invalid_request"),
        ({"response_mode": "fragment"}, "invalid_request"),
    ],
)
def test_other_errors_go_back_to_the_client(
    kit: Kit, app: App, params: dict[str, str | None], error: str
) -> None:
    response = _authorize(kit, app, **params)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    answer = query_of(location)
    assert answer["error"] == error
    assert answer["state"] == "st-1"
    assert answer["iss"] == kit.base
    assert "code" not in answer


def test_pkce_is_required_for_allow_pkce_clients(kit: Kit) -> None:
    public = kit.register(allow_pkce=True)
    response = _authorize(kit, public)
    assert query_of(response.headers["location"])["error"] == "invalid_request"


def _authorize_url(app: App, **params: str | None) -> str:
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": REDIRECT,
        "state": "st-2",
        **params,
    }
    return "/oauth2/authorize?" + urlencode({k: v for k, v in query.items() if v is not None})


def test_no_scope_grants_the_registered_scopes(kit: Kit, app: App) -> None:
    user = portal_user(app.owner.tenant_id)
    with kit.browser(user) as browser:
        first = browser.get(_authorize_url(app, scope=None))
        page = browser.get(first.headers["location"])
        assert "View your files and folders" in page.text
        assert "Know who you are" in page.text
        answer = browser.post(
            "/oauth2/authorize",
            data={
                "client_id": app.client_id,
                "state": "st-2",
                "scope": "files:read openid",
            },
        )
    code = query_of(answer.headers["location"])["code"]
    token = kit.token_request(
        app, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
    )
    assert token.status_code == 200, token.text
    assert token.json()["scope"] == "files:read openid"


def test_prompt_none(kit: Kit, app: App) -> None:
    with kit.browser() as anonymous:
        response = anonymous.get(_authorize_url(app, prompt="none"))
    assert query_of(response.headers["location"])["error"] == "login_required"
    response = _authorize(kit, app, prompt="none")
    assert query_of(response.headers["location"])["error"] == "consent_required"


def test_user_of_another_tenant_is_asked_to_sign_in(kit: Kit, app: App) -> None:
    stranger = portal_user()  # signed in, but to another portal
    with kit.browser(stranger) as browser:
        response = browser.get(_authorize_url(app, scope="files:read"))
    assert response.status_code == 302
    assert response.headers["location"].startswith(f"{kit.base}/oauth2/login?")
    assert "switch=1" in response.headers["location"]


def test_sign_in_page_only_returns_to_authorize(kit: Kit, app: App) -> None:
    with kit.browser() as browser:
        for target in (
            "https://evil.example/",
            "//evil.example/oauth2/authorize?x",
            "/api/2.0/clients",
            "",
        ):
            page = browser.get("/oauth2/login", params={"next": target})
            assert page.status_code == 400, target
            assert "location" not in page.headers
