"""The whole life of an app, in a real browser: sign in, create it, see its secret once, edit
it, disable and enable it, regenerate its secret, have another person authorise it through
the consent page, see it under their authorised apps, revoke it, delete it, sign out.

Along the way the secrets the pages showed are used at the token and introspection
endpoints, so "shown once" is also "the right one".
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from playwright.sync_api import Browser, Page, Route, expect

from tests.conftest import LiveServer
from tests.console.conftest import (
    LOGO_SVG,
    REDIRECT,
    People,
    check_accessible,
    screenshot,
    sign_in,
)

DESKTOP = {"width": 1280, "height": 900}


def _introspect(base: str, client_id: str, secret: str, token: str) -> httpx.Response:
    return httpx.post(
        f"{base}/oauth2/introspect", data={"token": token}, auth=(client_id, secret), timeout=30
    )


def _authorization_url(base: str, client_id: str) -> tuple[str, str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    state = secrets.token_urlsafe(12)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT,
            "scope": "openid files:read",
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{base}/oauth2/authorize?{query}", state, verifier


def _badge(page: Page) -> str:
    return page.locator("main .badge").first.inner_text()


def test_the_life_of_an_app(live_server: LiveServer, browser: Browser, people: People) -> None:
    base = live_server.url
    context = browser.new_context(
        viewport=DESKTOP, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()

    # Sign in: the console sends a stranger to the sign-in page, which comes back.
    page.goto(f"{base}/console")
    expect(page).to_have_url(re.compile(r"/oauth2/login\?next=%2Fconsole$"))
    expect(page.locator("h1")).to_have_text("Sign in")
    expect(page.locator(".lead")).to_contain_text("developer console")
    check_accessible(page)
    screenshot(page, "sign-in")
    sign_in(page, people.developer.email)
    expect(page).to_have_url(f"{base}/console/clients")

    # Create: a first attempt with mistakes shows each error beside its field.
    page.get_by_role("link", name="New app").click()
    expect(page.locator("h1")).to_have_text("New app")
    page.fill("#name", "J")
    page.fill("#website_url", "not a url")
    page.fill("#redirect_uris", "https://app.example.com/callback\nhttps://app.example.com/x#frag")
    page.get_by_role("button", name="Create app").click()
    expect(page.locator("#name-error")).to_contain_text("between 3 and 256 characters")
    expect(page.locator("#website_url-error")).to_be_visible()
    expect(page.locator("#redirect_uris-error")).to_contain_text("Line 2")
    # Read now, checked at the end, so that the rest of the journey runs whatever it says.
    redirect_error = page.locator("#redirect_uris-error").inner_text()
    expect(page.locator("#allowed_origins-error")).to_be_visible()
    expect(page.locator("#scopes-error")).to_contain_text("Choose at least one")
    # What DocSpace requires too: a logo and the other three links.
    for required in ("logo", "terms_url", "policy_url", "logout_redirect_uri"):
        expect(page.locator(f"#{required}-error")).to_contain_text("This field is required")
    expect(page.locator("#name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#name")).to_have_attribute("aria-describedby", "name-error name-hint")
    expect(page.locator("#error-summary")).to_contain_text("9 fields need fixing")
    expect(page.locator("#redirect_uris")).to_have_value(
        "https://app.example.com/callback\nhttps://app.example.com/x#frag"
    )
    check_accessible(page)
    screenshot(page, "create-form-errors")

    page.fill("#name", "Journey app")
    page.fill("#description", "Made in a browser")
    page.set_input_files(
        "#logo", files=[{"name": "logo.svg", "mimeType": "image/svg+xml", "buffer": LOGO_SVG}]
    )
    page.fill("#website_url", "https://app.example.com")
    page.fill("#policy_url", "https://app.example.com/privacy")
    page.fill("#terms_url", "https://app.example.com/terms")
    page.fill("#logout_redirect_uri", "https://app.example.com/signed-out")
    page.fill("#redirect_uris", REDIRECT)
    page.fill("#allowed_origins", "https://app.example.com")
    page.get_by_label("View your files and folders").check()
    page.get_by_label("Know who you are (your name and email)").check()
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Create app").click()
    assert posted.value.headers["cache-control"] == "no-store"

    # The secret, once, with a copy button and a plain warning.
    expect(page.locator("h1")).to_have_text("Journey app is registered")
    expect(page.locator(".warning")).to_contain_text("will not be shown again")
    client_id = page.input_value("#client-id")
    secret = page.input_value("#client-secret")
    assert len(secret) >= 36
    assert secret not in page.url and client_id in page.content()
    page.get_by_role("button", name="Copy the client secret").click()
    expect(page.locator("#copy-status")).to_have_text("Client secret copied.")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    check_accessible(page)
    screenshot(page, "secret-once")
    assert _introspect(base, client_id, secret, "x").json() == {"active": False}

    # The app's page: everything but the secret.
    page.get_by_role("link", name="I have copied it: go to the app").click()
    expect(page).to_have_url(f"{base}/console/clients/{client_id}")
    expect(page.locator("h1")).to_have_text("Journey app")
    assert _badge(page) == "Enabled"
    content = page.content()
    assert secret not in content
    for text in (
        "Made in a browser",
        REDIRECT,
        "View your files and folders",
        "openid",
        "authorization_code",
        "client_secret_post",
        "by you",
    ):
        assert text in content, text
    expect(page.locator("main img.client-logo")).to_have_attribute(
        "src", re.compile(r"^data:image/svg\+xml;base64,")
    )
    check_accessible(page)
    screenshot(page, "client-page")

    # Edit: the logo stays when no new file is chosen.
    page.get_by_role("link", name="Edit").click()
    expect(page.locator("h1")).to_have_text("Edit app")
    expect(page.locator("#name")).to_have_value("Journey app")
    expect(page.get_by_label("View your files and folders")).to_be_checked()
    check_accessible(page)
    screenshot(page, "edit")
    page.fill("#name", "Journey app (edited)")
    page.get_by_label("View your rooms").check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".notice")).to_have_text("Your changes were saved.")
    expect(page.locator("h1")).to_have_text("Journey app (edited)")
    assert "rooms:read" in page.content()
    expect(page.locator("main img.client-logo")).to_have_attribute(
        "src", re.compile(r"^data:image/svg\+xml;base64,")
    )

    # The list, and searching it.
    page.get_by_role("link", name="Your apps").click()
    expect(page.get_by_role("link", name="Journey app (edited)")).to_be_visible()
    page.fill("#q", "JOURNEY")
    page.press("#q", "Enter")
    expect(page.locator(".client-item")).to_have_count(1)
    check_accessible(page)
    screenshot(page, "client-list")
    page.fill("#q", "no such app")
    page.press("#q", "Enter")
    expect(page.locator(".empty")).to_contain_text("No app's name contains")
    page.goto(f"{base}/console/clients/{client_id}")

    # Disable (confirmed first), then enable.
    page.get_by_role("link", name="Disable").click()
    expect(page.locator("h1")).to_have_text("Disable Journey app (edited)?")
    check_accessible(page)
    screenshot(page, "confirm-disable")
    page.get_by_role("button", name="Disable the app").focus()
    page.keyboard.press("Enter")  # keyboard only
    expect(page.locator(".notice")).to_contain_text("The app is disabled")
    assert _badge(page) == "Disabled"
    with live_server.client(people.developer.api_key) as api:
        assert api.get(f"/api/2.0/clients/{client_id}").json()["enabled"] is False
    page.get_by_role("button", name="Enable").click()
    expect(page.locator(".notice")).to_contain_text("The app is enabled")
    assert _badge(page) == "Enabled"

    # Regenerate, keeping the old secret for an hour.
    page.get_by_role("link", name="Regenerate secret").click()
    expect(page.locator("h1")).to_contain_text("Regenerate the secret")
    check_accessible(page)
    screenshot(page, "confirm-regenerate")
    page.select_option("#grace_period", "3600")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Regenerate the secret").click()
    assert posted.value.headers["cache-control"] == "no-store"
    expect(page.locator("h1")).to_have_text("A new secret for Journey app (edited)")
    expect(page.locator(".notice")).to_contain_text("The previous secret keeps working until")
    new_secret = page.input_value("#client-secret")
    assert new_secret != secret
    assert _introspect(base, client_id, new_secret, "x").status_code == 200
    assert _introspect(base, client_id, secret, "x").status_code == 200  # the grace period
    page.get_by_role("link", name="I have copied it: go to the app").click()
    assert new_secret not in page.content()

    # Another person of the portal authorises the app through the consent page.
    friend_context = browser.new_context(viewport=DESKTOP)
    friend = friend_context.new_page()

    def back_at_the_app(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body="<h1>Back at the app</h1>")

    friend_context.route("https://app.example.com/**", back_at_the_app)
    url, state, verifier = _authorization_url(base, client_id)
    friend.goto(url)
    expect(friend.locator(".lead")).to_contain_text("Journey app (edited)")
    sign_in(friend, people.friend.email)
    expect(friend).to_have_url(re.compile(r"/oauth2/consent\?"))
    expect(friend.locator("h1")).to_contain_text("Journey app (edited)")
    expect(friend.locator(".scopes")).to_contain_text("View your files and folders")
    check_accessible(friend)
    screenshot(friend, "consent")
    friend.get_by_role("button", name="Allow").click()
    friend.wait_for_url(re.compile(r"^https://app\.example\.com/callback\?"))
    callback = parse_qs(urlsplit(friend.url).query)
    assert callback["state"] == [state]
    tokens = httpx.post(
        f"{base}/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": callback["code"][0],
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        auth=(client_id, new_secret),
        timeout=30,
    )
    assert tokens.status_code == 200, tokens.text
    access = tokens.json()["access_token"]
    assert _introspect(base, client_id, new_secret, access).json()["active"] is True

    # ... sees it under their authorised apps, and revokes it (confirmed first).
    friend.goto(f"{base}/console/authorized")
    item = friend.locator(".client-item", has_text="Journey app (edited)")
    expect(item).to_contain_text("View your files and folders")
    expect(item).to_contain_text("Know who you are")
    check_accessible(friend)
    screenshot(friend, "authorized-apps")
    item.get_by_role("link", name="Revoke access").click()
    expect(friend.locator("h1")).to_have_text("Revoke access for Journey app (edited)?")
    check_accessible(friend)
    screenshot(friend, "confirm-revoke")
    friend.get_by_role("button", name="Revoke access").click()
    expect(friend.locator(".notice")).to_contain_text("Access was revoked")
    expect(friend.locator(".client-item", has_text="Journey app (edited)")).to_have_count(0)
    assert _introspect(base, client_id, new_secret, access).json()["active"] is False
    friend_context.close()

    # The developer deletes the app (confirmed first): its credentials are dead at once.
    page.get_by_role("link", name="Delete").click()
    expect(page.locator("h1")).to_have_text("Delete Journey app (edited)?")
    check_accessible(page)
    screenshot(page, "confirm-delete")
    page.get_by_role("button", name="Delete the app").click()
    expect(page).to_have_url(f"{base}/console/clients?done=deleted")
    expect(page.locator(".notice")).to_contain_text("The app was deleted")
    expect(page.get_by_role("link", name="Journey app (edited)")).to_have_count(0)
    assert _introspect(base, client_id, new_secret, "x").status_code == 401
    with live_server.client(people.developer.api_key) as api:
        assert api.get(f"/api/2.0/clients/{client_id}").status_code == 404

    # Sign out: back at the sign-in page, and the console wants a sign-in again.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/oauth2/login\?next=/console&signed_out=1$"))
    expect(page.locator(".notice")).to_have_text("You have signed out.")
    page.goto(f"{base}/console/clients")
    expect(page).to_have_url(re.compile(r"/oauth2/login\?"))
    context.close()
    # The first attempt's redirect URI error said what was wrong with line 2.
    assert "fragment" in redirect_error, redirect_error
