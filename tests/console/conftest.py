"""The developer console, driven in Debian's Chromium by Python Playwright, and over plain HTTP
where a browser adds nothing.

Playwright's own browser downloads are never used (`playwright install` is not run): the
tests launch /usr/bin/chromium, which `.ci/run` installs with apt when it is missing.
Screenshots of each page go to a temporary folder, so that a test run leaves the working tree
as it found it; `DOCSPACE_OAUTH_REFRESH_SCREENSHOTS=1 pytest tests/console` writes the
documented ones in docs/screenshots/ (shown in docs/console.md) instead.
"""

from __future__ import annotations

import html
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
DOCUMENTED_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREENSHOTS = (
    DOCUMENTED_SCREENSHOTS
    if os.environ.get("DOCSPACE_OAUTH_REFRESH_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "docspace-oauth-screenshots"
)
PASSWORD = "a long console password"
REDIRECT = "https://app.example.com/callback"
# A logo as a developer would upload it (SVG: the sniffer and the validator take it too).
LOGO_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    b'<rect width="64" height="64" rx="14" fill="#0f6e66"/>'
    b'<circle cx="32" cy="32" r="17" fill="none" stroke="#fff" stroke-width="6"/>'
    b'<circle cx="32" cy="32" r="5" fill="#ffd166"/></svg>'
)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@dataclass(frozen=True)
class Person:
    email: str
    api_key: str


@dataclass(frozen=True)
class People:
    developer: Person  # a user who registers apps
    friend: Person  # another user of the same portal, who authorises them
    admin: Person  # an admin of the same portal: sees every app of the tenant
    guest: Person  # a guest of the same portal: may not register apps


@pytest.fixture(scope="session")
def people(live_server: LiveServer) -> People:
    tag = secrets.token_hex(3)

    def person(name: str, role: str) -> Person:
        email = f"console-{name}-{tag}@example.com"
        return Person(email, live_server.create_user(email, role, 1, password=PASSWORD))

    return People(
        person("dev", "user"),
        person("friend", "user"),
        person("admin", "admin"),
        person("guest", "guest"),
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (.ci/run does this)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """On the sign-in page: type and press Enter, as a keyboard user does."""
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.press("#password", "Enter")
    page.wait_for_load_state()


# Accessibility checks run on every page the journey visits.

_AUDIT = """
() => {
  const problems = [];
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  // Every form control has a label.
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden' || !visible(el)) continue;
    const labelled = (el.labels && el.labels.length) || el.getAttribute('aria-label')
      || el.getAttribute('aria-labelledby');
    if (!labelled) problems.push('unlabelled ' + el.tagName + '#' + el.id);
  }
  // Every aria-describedby points at an element that exists.
  for (const el of document.querySelectorAll('[aria-describedby]')) {
    for (const id of el.getAttribute('aria-describedby').split(/\\s+/)) {
      if (!document.getElementById(id)) problems.push('describedby missing #' + id);
    }
  }
  // One h1, and no heading skips a level.
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')];
  if (headings.filter((h) => h.tagName === 'H1').length !== 1) problems.push('not one h1');
  let level = 0;
  for (const h of headings) {
    const next = Number(h.tagName[1]);
    if (next > level + 1) problems.push('heading skips to ' + h.tagName + ': ' + h.textContent);
    level = next;
  }
  // Images have an alt (empty when decorative).
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) problems.push('img without alt');
  }
  // Text contrast: at least 4.5:1 against the nearest opaque background.
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const lum = (c) => {
    const f = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c && c.a > 0.5) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  for (const el of document.querySelectorAll('body *')) {
    if (!visible(el)) continue;
    const hasText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!hasText) continue;
    const fg = parse(getComputedStyle(el).color);
    if (!fg) continue;
    const a = lum(fg), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) problems.push('contrast ' + ratio.toFixed(2) + ' on ' + el.tagName
      + ': ' + el.textContent.trim().slice(0, 40));
  }
  // Nothing wider than the screen.
  if (document.documentElement.scrollWidth > window.innerWidth) {
    problems.push('scrolls sideways: ' + document.documentElement.scrollWidth);
  }
  return problems;
}
"""


def check_accessible(page: Page, *, keyboard: bool = True) -> None:
    problems: list[str] = page.evaluate(_AUDIT)
    assert problems == [], f"{page.url}: {problems}"
    if not keyboard:
        return
    # The first Tab lands on the skip link, and focus is visible.
    page.evaluate(
        "() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }"
    )
    page.mouse.click(1, 1)  # the start of the page is where Tab starts from
    page.keyboard.press("Tab")
    focused: dict[str, Any] = page.evaluate(
        "() => { const el = document.activeElement; const s = getComputedStyle(el);"
        " return {text: el.textContent.trim(), outline: s.outlineStyle,"
        " width: parseFloat(s.outlineWidth)}; }"
    )
    assert focused["text"] == "Skip to content", focused
    assert focused["outline"] != "none" and focused["width"] >= 2, focused
    page.evaluate("() => document.activeElement.blur()")


# Plain HTTP, for what a browser adds nothing to.


def hidden_fields(page: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in _HIDDEN.findall(page)}


def http_sign_in(live: LiveServer, email: str, password: str = PASSWORD) -> httpx.Client:
    """A client holding a console session cookie, signed in through the sign-in form."""
    http = httpx.Client(base_url=live.url, timeout=30)
    form = http.get("/oauth2/login", params={"next": "/console"})
    assert form.status_code == 200, form.text
    answer = http.post(
        "/oauth2/login",
        data={**hidden_fields(form.text), "email": email, "password": password},
        headers={"Origin": live.url},
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"{live.url}/console"
    assert http.cookies.get("asc_auth_key")
    return http


def form_token(http: httpx.Client, path: str) -> str:
    page = http.get(path)
    assert page.status_code == 200, page.text
    return hidden_fields(page.text)["csrf_token"]


def api_client(live: LiveServer, person: Person, **overrides: Any) -> dict[str, Any]:
    """An app registered through the management API, as `person`."""
    from tests.factory import client_body

    with live.client(person.api_key) as http:
        response = http.post("/api/2.0/clients", json=client_body(**overrides))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
