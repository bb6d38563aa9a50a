"""What keeps the console safe: form tokens, the cross-origin check, who may see which app,
the sign-in page's `next`, and signing out. Over plain HTTP: a browser adds nothing here."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.console.conftest import (
    PASSWORD,
    People,
    api_client,
    form_token,
    hidden_fields,
    http_sign_in,
)
from tests.factory import LOGO, assert_authentication_required


@pytest.fixture
def developer(live_server: LiveServer, people: People) -> Iterator[httpx.Client]:
    http = http_sign_in(live_server, people.developer.email)
    try:
        yield http
    finally:
        http.close()


@pytest.fixture
def friend(live_server: LiveServer, people: People) -> Iterator[httpx.Client]:
    http = http_sign_in(live_server, people.friend.email)
    try:
        yield http
    finally:
        http.close()


def _stored(live: LiveServer, people: People, client_id: str) -> httpx.Response:
    with live.client(people.developer.api_key) as api:
        return api.get(f"/api/2.0/clients/{client_id}")


def test_signed_out_visitors_are_sent_to_sign_in(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as anonymous:
        page = anonymous.get("/console/clients/new")
        assert page.status_code == 303
        assert page.headers["location"] == (
            f"{live_server.url}/oauth2/login?next=%2Fconsole%2Fclients%2Fnew"
        )
        posted = anonymous.post("/console/clients/new", data={"name": "x"})
        assert posted.status_code == 303
        assert "/oauth2/login?" in posted.headers["location"]
        # A stale cookie is "not signed in", not an error.
        anonymous.cookies.set("asc_auth_key", "dso_not-a-key")
        assert anonymous.get("/console/clients").status_code == 303
    assert not any(
        p.startswith("/console")
        for p in httpx.get(f"{live_server.url}/openapi.json").json()["paths"]
    )


def test_forms_without_the_right_token_change_nothing(
    live_server: LiveServer, people: People, developer: httpx.Client
) -> None:
    app = api_client(live_server, people.developer)
    client_id = app["client_id"]
    origin = {"Origin": live_server.url}
    token = form_token(developer, f"/console/clients/{client_id}/disable")
    forged = f"Forged app {secrets.token_hex(3)}"
    valid_app = {
        "name": forged,
        "redirect_uris": "https://app.example.com/cb",
        "allowed_origins": "https://app.example.com",
        "scopes": "openid",
        "grant_types": "authorization_code",
        # What DocSpace requires too: the four links, and a logo (as a form carries one over).
        "website_url": "https://app.example.com",
        "terms_url": "https://app.example.com/terms",
        "policy_url": "https://app.example.com/privacy",
        "logout_redirect_uri": "https://app.example.com/logout",
        "logo_data": LOGO,
    }
    altered = token[:-1] + ("1" if token[-1] == "0" else "0")
    for fields in ({}, {"csrf_token": "0" * 64}, {"csrf_token": altered}):
        for action in ("disable", "delete", "regenerate", "edit"):
            refused = developer.post(
                f"/console/clients/{client_id}/{action}",
                data={**fields, "name": "Hijacked", "grace_period": "0"},
                headers=origin,
            )
            assert refused.status_code == 403, (action, fields)
            assert "nothing was changed" in refused.text
        refused = developer.post(
            "/console/clients/new", data={**fields, **valid_app}, headers=origin
        )
        assert refused.status_code == 403
        assert developer.post("/console/sign-out", data=fields, headers=origin).status_code == 403
    stored = _stored(live_server, people, client_id).json()
    assert stored["enabled"] is True
    assert stored["name"] == app["name"]
    assert stored["modified_on"] == app["modified_on"]
    assert "No app's name contains" in developer.get("/console/clients", params={"q": forged}).text
    # Still signed in (the sign-out was refused), and the right token works.
    created = developer.post(
        "/console/clients/new", data={"csrf_token": token, **valid_app}, headers=origin
    )
    assert created.status_code == 200
    assert forged in developer.get("/console/clients", params={"q": forged}).text
    disabled = developer.post(
        f"/console/clients/{client_id}/disable", data={"csrf_token": token}, headers=origin
    )
    assert disabled.status_code == 303
    assert disabled.headers["location"].endswith(f"/console/clients/{client_id}?done=disabled")
    assert _stored(live_server, people, client_id).json()["enabled"] is False


def test_posts_from_other_sites_are_refused(
    live_server: LiveServer, people: People, developer: httpx.Client
) -> None:
    app = api_client(live_server, people.developer)
    client_id = app["client_id"]
    token = form_token(developer, f"/console/clients/{client_id}/delete")
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": live_server.url, "Sec-Fetch-Site": "cross-site"},
    ):
        refused = developer.post(
            f"/console/clients/{client_id}/delete", data={"csrf_token": token}, headers=headers
        )
        assert refused.status_code == 403, headers
        assert "location" not in refused.headers
    assert _stored(live_server, people, client_id).status_code == 200
    accepted = developer.post(
        f"/console/clients/{client_id}/delete",
        data={"csrf_token": token},
        headers={"Origin": live_server.url, "Sec-Fetch-Site": "same-origin"},
    )
    assert accepted.status_code == 303
    assert _stored(live_server, people, client_id).status_code == 404


def test_nobody_opens_another_users_app(
    live_server: LiveServer, people: People, friend: httpx.Client
) -> None:
    app = api_client(live_server, people.developer)
    client_id = app["client_id"]
    for path in ("", "/edit", "/disable", "/regenerate", "/delete"):
        page = friend.get(f"/console/clients/{client_id}{path}")
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html")
        assert app["name"] not in page.text
    # Nor by posting, even with a valid token of its own.
    token = form_token(friend, "/console/clients")
    for action in ("disable", "enable", "regenerate", "delete", "edit"):
        refused = friend.post(
            f"/console/clients/{client_id}/{action}",
            data={"csrf_token": token, "grace_period": "0"},
            headers={"Origin": live_server.url},
        )
        assert refused.status_code == 404, action
    assert _stored(live_server, people, client_id).json()["enabled"] is True
    listed = friend.get("/console/clients")
    assert app["name"] not in listed.text
    # A malformed id is the same 404.
    assert friend.get("/console/clients/not-an-id").status_code == 404
    # The tenant's admin sees it, as in the API.
    admin = http_sign_in(live_server, people.admin.email)
    assert admin.get(f"/console/clients/{client_id}").status_code == 200
    assert app["name"] in admin.get("/console/clients", params={"q": app["name"]}).text
    admin.close()


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/console",
        "//evil.example/console",
        "/\\evil.example/console",
        "https:/evil.example/console",
        "/console/../oauth2/jwks",
        "/consolex",
        "javascript:alert(1)//console",
        "",
    ],
)
def test_sign_in_returns_only_to_the_console(
    live_server: LiveServer, people: People, target: str
) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as browser:
        page = browser.get("/oauth2/login", params={"next": target})
        assert page.status_code == 400
        assert "location" not in page.headers
        good = browser.get("/oauth2/login", params={"next": "/console/clients"})
        fields: dict[str, Any] = {
            **hidden_fields(good.text),
            "next": target,
            "email": people.developer.email,
            "password": PASSWORD,
        }
        answer = browser.post("/oauth2/login", data=fields, headers={"Origin": live_server.url})
        assert answer.status_code == 400
        assert "location" not in answer.headers
        assert "asc_auth_key" not in answer.headers.get("set-cookie", "")


def test_sign_in_returns_to_the_page_asked_for(live_server: LiveServer, people: People) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as browser:
        asked = browser.get("/console/authorized")
        login = asked.headers["location"]
        page = browser.get(login)
        assert "developer console" in page.text
        assert 'name="tenant"' in page.text
        fields = {
            **hidden_fields(page.text),
            "email": people.developer.email.upper(),
            "password": PASSWORD,
        }
        wrong = browser.post(
            "/oauth2/login",
            data={**fields, "password": "not it"},
            headers={"Origin": live_server.url},
        )
        assert wrong.status_code == 400
        assert "Wrong email or password." in wrong.text
        # A portal number where the account is not: refused like a wrong password.
        elsewhere = browser.post(
            "/oauth2/login", data={**fields, "tenant": "2"}, headers={"Origin": live_server.url}
        )
        assert elsewhere.status_code == 400
        answer = browser.post(
            "/oauth2/login", data={**fields, "tenant": "1"}, headers={"Origin": live_server.url}
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == f"{live_server.url}/console/authorized"
        # Signed in, the sign-in page goes straight on.
        again = browser.get(login)
        assert again.status_code == 303
        assert again.headers["location"] == f"{live_server.url}/console/authorized"


def test_sign_out_ends_the_session(live_server: LiveServer, people: People) -> None:
    http = http_sign_in(live_server, people.developer.email)
    old_cookie = http.cookies["asc_auth_key"]
    assert http.get("/console/clients").status_code == 200
    with live_server.client(old_cookie) as api:  # the session key works on the API too
        assert api.get("/api/2.0/clients").status_code == 200
    token = form_token(http, "/console/clients")
    answer = http.post(
        "/console/sign-out", data={"csrf_token": token}, headers={"Origin": live_server.url}
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == (
        f"{live_server.url}/oauth2/login?next=/console&signed_out=1"
    )
    cleared = [c for c in answer.headers.get_list("set-cookie") if c.startswith("asc_auth_key=")]
    assert cleared and re.search(r"max-age=0", cleared[0], re.IGNORECASE)
    assert "asc_auth_key" not in http.cookies
    http.close()

    # The old cookie, replayed, no longer works anywhere: it was revoked on the server.
    with httpx.Client(base_url=live_server.url, timeout=30) as replay:
        replay.cookies.set("asc_auth_key", old_cookie)
        assert replay.get("/console/clients").status_code == 303
        assert_authentication_required(replay.get("/api/2.0/clients"))
    with live_server.client(old_cookie) as api:
        assert_authentication_required(api.get("/api/2.0/clients"))
    # Signing out never revokes an API key someone put in the cookie.
    with httpx.Client(base_url=live_server.url, timeout=30) as keyed:
        keyed.cookies.set("asc_auth_key", people.developer.api_key)
        token = form_token(keyed, "/console/clients")
        out = keyed.post(
            "/console/sign-out", data={"csrf_token": token}, headers={"Origin": live_server.url}
        )
        assert out.status_code == 303
    with live_server.client(people.developer.api_key) as api:
        assert api.get("/api/2.0/clients").status_code == 200


def test_unknown_console_pages_are_html_404s(
    live_server: LiveServer, developer: httpx.Client
) -> None:
    page = developer.get("/console/nothing/here")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert developer.get("/console/").status_code == 303
    assert developer.get("/console").headers["location"] == f"{live_server.url}/console/clients"
