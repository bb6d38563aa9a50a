"""The pages around the console: the front door, the offline API reference, and how the
consent page and the console hold up on a phone (Chromium, at 375 px)."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlencode, urlsplit

import httpx
from playwright.sync_api import Browser, Page, Request, Route, expect

from tests.conftest import LiveServer
from tests.console.conftest import People, api_client, sign_in

PHONE = {"width": 375, "height": 740}
LONG_HOST = "sign-in.a-rather-long-subdomain-for-phones.example-company-name.co.uk"

# For each line a text wraps onto after the first, the character just before the wrap.
_WRAPS = """
(el) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const chars = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (rect) chars.push([node.data[i], Math.round(rect.top)]);
    }
  }
  const wraps = [];
  for (let i = 1; i < chars.length; i++) {
    if (chars[i][1] > chars[i - 1][1]) wraps.push(chars[i - 1][0]);
  }
  return wraps;
}
"""

# Visible controls that stick out of a phone's screen or are smaller than WCAG 2.5.8's 24 px
# target (a checkbox's target is its label, which takes the click too).
_CRAMPED = """
() => {
  const out = [];
  const controls = document.querySelectorAll('button, select, input:not([type=hidden]), a.button');
  for (const el of controls) {
    if (!(el.offsetWidth || el.offsetHeight)) continue;
    const target = (el.type === 'checkbox' || el.type === 'radio') && el.labels.length
      ? el.labels[0] : el;
    const r = target.getBoundingClientRect();
    if (r.left < 0 || r.right > window.innerWidth || r.width < 24 || r.height < 24) {
      out.push(`${el.tagName}[name=${el.name}] ${Math.round(r.left)}..${Math.round(r.right)}`
        + ` ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return out;
}
"""


def test_the_front_door_leads_to_the_console(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console"
    followed = httpx.get(f"{live_server.url}/", follow_redirects=True)
    assert followed.status_code == 200
    assert "Sign in" in followed.text


def test_the_api_reference_works_offline(live_server: LiveServer, browser: Browser) -> None:
    context = browser.new_context()
    elsewhere: list[str] = []

    def only_this_server(route: Route, request: Request) -> None:
        if request.url.startswith(live_server.url):
            route.continue_()
        else:  # what a machine without internet access would see
            elsewhere.append(request.url)
            route.abort()

    context.route("**/*", only_this_server)
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("docspace-oauth")
    paths = page.locator(".opblock-summary-path")
    expect(paths.filter(has_text="/api/2.0/clients/{client_id}").first).to_be_visible()
    assert paths.count() > 20
    assert elsewhere == []
    assert violations == []
    context.close()


def _authorization_url(base: str, client_id: str, redirect_uri: str) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": "files:read",
            "state": secrets.token_urlsafe(8),
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
        }
    )
    return f"{base}/oauth2/authorize?{query}"


def _phone(browser: Browser) -> Page:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    return context.new_page()


def test_the_consent_page_wraps_host_names_only_between_labels(
    live_server: LiveServer, browser: Browser, people: People
) -> None:
    redirect_uri = f"https://{LONG_HOST}/callback"
    client = api_client(
        live_server,
        people.developer,
        website_url=f"https://{LONG_HOST}",
        redirect_uris=[redirect_uri],
        allowed_origins=[f"https://{LONG_HOST}"],
    )
    page = _phone(browser)
    page.goto(_authorization_url(live_server.url, client["client_id"], redirect_uri))
    sign_in(page, people.friend.email)
    expect(page).to_have_url(re.compile(r"/oauth2/consent\?"))
    for selector in (".redirect-target", "a .host"):
        host = page.locator(selector)
        expect(host).to_have_text(LONG_HOST)
        wraps = host.evaluate(_WRAPS)
        assert wraps, f"{selector}: a host this long must wrap at 375 px"
        assert set(wraps) == {"."}, f"{selector} wraps inside a label, after {wraps}"
    # A label too long for its line scrolls inside the host's box; the page itself does not.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.context.close()


def test_the_console_is_usable_on_a_phone(
    live_server: LiveServer, browser: Browser, people: People
) -> None:
    client_id = api_client(live_server, people.developer)["client_id"]
    page = _phone(browser)
    page.goto(f"{live_server.url}/console/clients")
    sign_in(page, people.developer.email)
    for path in (
        "/console/clients",
        "/console/clients/new",
        f"/console/clients/{client_id}",
        f"/console/clients/{client_id}/edit",
        "/console/authorized",
    ):
        page.goto(f"{live_server.url}{path}")
        assert urlsplit(page.url).path == path
        assert page.evaluate(_CRAMPED) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    page.context.close()
