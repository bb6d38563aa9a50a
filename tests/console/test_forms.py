"""The console's forms follow the API's rules (the same request models, the same messages),
its logo upload goes through the same validator, its list searches and pages, and it fits
a phone."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import LiveServer
from tests.console.conftest import (
    LOGO_SVG,
    People,
    api_client,
    check_accessible,
    form_token,
    http_sign_in,
    screenshot,
    sign_in,
)
from tests.factory import PNG_1PX


@pytest.fixture
def developer(live_server: LiveServer, people: People) -> Iterator[httpx.Client]:
    http = http_sign_in(live_server, people.developer.email)
    try:
        yield http
    finally:
        http.close()


def _form(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"Form app {secrets.token_hex(3)}",
        "description": "",
        # Required, as DocSpace requires them (and a logo: see LOGO_DATA).
        "website_url": "https://app.example.com",
        "terms_url": "https://app.example.com/terms",
        "policy_url": "https://app.example.com/privacy",
        "logout_redirect_uri": "https://app.example.com/logout",
        "redirect_uris": "https://app.example.com/callback",
        "allowed_origins": "https://app.example.com",
        "scopes": ["files:read"],
        "grant_types": ["authorization_code", "refresh_token"],
    }
    body.update(fields)
    return body


# A logo as an earlier attempt of the form carries it over (the hidden `logo_data` field).
LOGO_DATA = "data:image/png;base64," + base64.b64encode(PNG_1PX).decode()


def _post(
    http: httpx.Client,
    live: LiveServer,
    path: str,
    data: dict[str, Any],
    files: dict[str, Any] | None = None,
) -> httpx.Response:
    token = form_token(http, "/console/clients/new")
    # An empty file part, as a browser sends for a file input left empty.
    files = files or {"logo": ("", b"", "application/octet-stream")}
    return http.post(
        path, data={**data, "csrf_token": token}, files=files, headers={"Origin": live.url}
    )


def _field_errors(page: str) -> set[str]:
    import re

    return set(re.findall(r'<p class="field-error" id="([a-z_]+)-error">', page))


def test_validation_errors_match_the_apis_problem_details(
    live_server: LiveServer, people: People, developer: httpx.Client
) -> None:
    bad = {
        "name": "ab",
        "description": "x" * 300,
        "website_url": "ftp://files.example.com",
        "terms_url": "https://user:pw@example.com/terms",
        "logout_redirect_uri": "not a url",
        "backchannel_logout_uri": "http://app.example.com/backchannel",  # http, not loopback
        "redirect_uris": "https://ok.example.com/cb\nhttps://app.example.com/cb#fragment",
        "allowed_origins": "https://app.example.com/with/path",
        "scopes": [],
        "grant_types": [],
    }
    form = _form(**bad)  # no logo chosen: that is a missing field too
    page = _post(developer, live_server, "/console/clients/new", form)
    assert page.status_code == 400
    shown = _field_errors(page.text)
    body = {
        **form,
        "redirect_uris": bad["redirect_uris"].split("\n"),
        "allowed_origins": [bad["allowed_origins"]],
        "allow_pkce": False,
        "is_public": False,
    }
    with live_server.client(people.developer.api_key) as api:
        problem = api.post("/api/2.0/clients", json=body).json()
    assert shown == {e["field"] for e in problem["errors"]}
    assert "logo" in shown
    for error in problem["errors"]:
        if error["code"] != "EmptyFieldError":
            assert error["message"][1:] in page.text, error
    # What was typed is shown back.
    assert "https://app.example.com/with/path" in page.text
    assert 'aria-describedby="website_url-error website_url-hint"' in page.text
    assert "Line 2: Redirect URI must not contain a fragment." in page.text


def test_the_back_channel_logout_fields_are_kept(
    live_server: LiveServer, people: People, developer: httpx.Client
) -> None:
    form = _form(
        logo_data=LOGO_DATA,
        backchannel_logout_uri="https://app.example.com/backchannel",
        backchannel_logout_session_required="on",
    )
    created = _post(developer, live_server, "/console/clients/new", form)
    assert created.status_code == 200, created.text
    client_id = created.text.split('id="client-id" type="text" readonly value="', 1)[1][:36]
    with live_server.client(people.developer.api_key) as api:
        stored = api.get(f"/api/2.0/clients/{client_id}").json()
    assert stored["backchannel_logout_uri"] == "https://app.example.com/backchannel"
    assert stored["backchannel_logout_session_required"] is True
    edit = developer.get(f"/console/clients/{client_id}/edit")
    assert 'value="https://app.example.com/backchannel"' in edit.text


def test_an_oversized_logo_upload_is_refused_with_the_limit(
    live_server: LiveServer, people: People, developer: httpx.Client
) -> None:
    too_big = b"\x89PNG\r\n\x1a\n" + b"\0" * 256_000
    refused = _post(
        developer,
        live_server,
        "/console/clients/new",
        _form(),
        files={"logo": ("big.png", too_big, "image/png")},
    )
    assert refused.status_code == 400
    assert '<p class="field-error" id="logo-error"><span>Logo is larger than 256000 bytes.' in (
        refused.text
    )


def test_logo_upload_uses_the_same_validator(
    live_server: LiveServer, people: People, developer: httpx.Client
) -> None:
    not_an_image = _post(
        developer,
        live_server,
        "/console/clients/new",
        _form(),
        files={"logo": ("page.png", b"<html>hi</html>", "image/png")},
    )
    assert not_an_image.status_code == 400
    assert 'id="logo-error"><span>The logo must be a PNG, JPEG or SVG image.' in (not_an_image.text)

    # A good logo chosen with a form that fails elsewhere is kept for the next attempt.
    kept = _post(
        developer,
        live_server,
        "/console/clients/new",
        _form(name="x"),
        files={"logo": ("logo.png", PNG_1PX, "image/png")},
    )
    assert kept.status_code == 400
    data_uri = "data:image/png;base64," + base64.b64encode(PNG_1PX).decode()
    assert f'name="logo_data" value="{data_uri}"' in kept.text
    created = _post(
        developer, live_server, "/console/clients/new", _form(name="Logo app", logo_data=data_uri)
    )
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    client_id = created.text.split('id="client-id" type="text" readonly value="')[1][:36]

    def stored_logo() -> str:
        with live_server.client(people.developer.api_key) as api:
            logo: str = api.get(f"/api/2.0/clients/{client_id}").json()["logo"]
        return logo

    assert stored_logo() == data_uri
    edit = f"/console/clients/{client_id}/edit"
    # Saved without a file: the logo stays.
    assert _post(developer, live_server, edit, _form(name="Logo app")).status_code == 303
    assert stored_logo() == data_uri
    # A new file replaces it (the type comes from the bytes, not from what the browser says).
    replaced = _post(
        developer,
        live_server,
        edit,
        _form(name="Logo app"),
        files={"logo": ("logo.svg", LOGO_SVG, "application/octet-stream")},
    )
    assert replaced.status_code == 303
    svg = stored_logo()
    assert svg.startswith("data:image/svg+xml;base64,")
    # A client always has a logo, as DocSpace requires: the edit form offers no "remove", and
    # a "remove_logo" field posted anyway changes nothing.
    form_page = developer.get(edit)
    assert form_page.status_code == 200
    assert "remove_logo" not in form_page.text
    assert (
        _post(developer, live_server, edit, _form(name="Logo app", remove_logo="on")).status_code
        == 303
    )
    assert stored_logo() == svg


def test_search_and_paging(
    live_server: LiveServer, people: People, developer: httpx.Client
) -> None:
    tag = secrets.token_hex(3)
    for index in range(23):
        api_client(live_server, people.developer, name=f"Paged {tag} {index:02d}")
    api_client(live_server, people.developer, name=f"Other {tag}")
    api_client(live_server, people.developer, name=f"100% {tag}_x")

    first = developer.get("/console/clients", params={"q": f"PAGED {tag}"})
    assert first.text.count(f">Paged {tag} ") == 20
    assert f"Other {tag}" not in first.text
    assert f"Paged {tag} 22" in first.text  # newest first
    next_link = first.text.split('<a href="/console/clients?')[1].split('">Next page')[0]
    second = developer.get(f"/console/clients?{next_link.replace('&amp;', '&')}")
    assert second.text.count(f">Paged {tag} ") == 3
    assert f"Paged {tag} 00" in second.text
    assert "Next page" not in second.text
    assert "First page" in second.text
    # LIKE's wildcards are searched for literally.
    assert f"100% {tag}_x" in developer.get("/console/clients", params={"q": "100%"}).text
    wildcard = developer.get("/console/clients", params={"q": f"{tag}_"})
    assert f"100% {tag}_x" in wildcard.text
    assert f"Paged {tag}" not in wildcard.text


def test_guests_are_refused_by_the_service(live_server: LiveServer, people: People) -> None:
    guest = http_sign_in(live_server, people.guest.email)
    listed = guest.get("/console/clients")
    assert "Guests cannot register apps" in listed.text
    assert "New app</a>" not in listed.text
    refused = _post(guest, live_server, "/console/clients/new", _form(logo_data=LOGO_DATA))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "Guests cannot register OAuth clients." in refused.text  # the service's words
    assert guest.get("/console/authorized").status_code == 200
    guest.close()


def test_a_large_logo_is_stopped_before_it_is_sent(
    live_server: LiveServer, browser: Browser, people: People
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/console/clients/new")
    sign_in(page, people.developer.email)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.set_input_files(
        "#logo",
        files=[
            {
                "name": "big.png",
                "mimeType": "image/png",
                "buffer": b"\x89PNG\r\n\x1a\n" + b"\0" * 300_000,
            }
        ],
    )
    page.get_by_role("button", name="Create app").click()
    expect(page.locator("#logo-size-error")).to_contain_text("at most 256000")
    expect(page.locator("#logo")).to_be_focused()
    expect(page.locator("#logo")).to_have_attribute("aria-invalid", "true")
    assert posts == []
    context.close()


def test_a_phone_sized_screen(live_server: LiveServer, browser: Browser, people: People) -> None:
    api_client(
        live_server,
        people.developer,
        name="An app with a rather long name that has to wrap on a phone",
        logo="data:image/svg+xml;base64," + base64.b64encode(LOGO_SVG).decode(),
        redirect_uris=["https://app.example.com/a/very/long/path/" + "segment/" * 12],
        scopes=["files:read", "files:write", "rooms:read", "rooms:write", "openid"],
    )
    context = browser.new_context(
        viewport={"width": 375, "height": 740},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/console/clients")
    sign_in(page, people.developer.email)
    expect(page.locator(".client-item").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    check_accessible(page, keyboard=False)  # a phone has no Tab key
    screenshot(page, "phone-client-list", full_page=False)
    page.locator(".client-item a").first.click()
    expect(page.locator("h1")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.goto(f"{live_server.url}/console/clients/new")
    page.get_by_role("button", name="Create app").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.goto(f"{live_server.url}/console/authorized")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # The dark scheme keeps its contrast too.
    page.emulate_media(color_scheme="dark")
    page.goto(f"{live_server.url}/console/clients")
    check_accessible(page, keyboard=False)
    screenshot(page, "phone-client-list-dark", full_page=False)
    context.close()
