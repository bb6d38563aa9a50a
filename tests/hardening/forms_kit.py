"""A browser for the form fuzzer (test_fuzz_forms.py), and the hostile values it posts.

The browser is an httpx.Client that keeps its cookies, reads a page's hidden fields (the
CSRF token among them) from the HTML it is sent, and posts from the server's own origin,
as a browser posts a form of the page it shows.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from hypothesis import strategies as st

from tests.conftest import LiveServer
from tests.factory import client_body
from tests.oauth2.conftest import REDIRECT, form_data, hidden_fields

Fields = list[tuple[str, str]]
PASSWORD = "a long fuzzing password"
LOGO_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8"/></svg>'
)
NO_FILE = ("", b"", "application/octet-stream")
DEVICE_GRANTS = [
    "authorization_code",
    "refresh_token",
    "urn:ietf:params:oauth:grant-type:device_code",
]  # a file input left empty, as browsers send it

# Text a form should refuse or take, never crash on: NUL and control characters (PostgreSQL
# refuses NUL in text), digits that are not ASCII ("²" passes str.isdigit(), not int()),
# numbers past every column's range, non-ASCII of every plane, bidi and byte-order marks,
# and values from empty to past the body limit. Lone surrogates cannot be sent: neither
# urlencoding nor a multipart body can carry them in UTF-8.
UNICODE_DIGITS = ("²", "①", "٣", "１２", "߁߂", "𝟗", "৪২")
SPECIAL = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "0",
    "-1",
    "1.5",
    "1e3",
    str(2**31),
    str(2**63),
    "9" * 30,
    "on",
    "é",
    "\u202e",
    "\ufeff",
    "<script>alert(1)</script>",
    "https://evil.example\\.app.example.com/cb",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "%00",
    "../..",
)
non_ascii = st.text(st.characters(min_codepoint=0x80, exclude_categories=("Cs",)), min_size=1)
hostile = st.one_of(
    st.sampled_from(SPECIAL + UNICODE_DIGITS),
    st.text(max_size=60),
    non_ascii,
    st.sampled_from([5_000, 100_000, 1_100_000]).map(lambda n: "x" * n),
)
# A form field's fate: sent as the page holds it most often, else replaced, left out, or
# sent twice (the page's value and a hostile one, in either order).
ACTIONS = st.sampled_from(["keep", "keep", "keep", "replace", "drop", "duplicate"])
EXTRA_NAMES = st.sampled_from(["x", "scope", "tenant", "next", "decision", "logo_data", "q"])
# The CSRF token: the page's own, or one that must be refused.
TOKENS = st.sampled_from(["valid"] * 4 + ["wrong", "stale", "non_ascii", "empty", "missing"])
BAD_TOKENS = frozenset({"wrong", "stale", "non_ascii", "empty", "missing"})


@dataclass
class Browser:
    base: str
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base, timeout=60)

    def get(self, path: str, params: Fields | None = None) -> httpx.Response:
        return self.http.get(path, params=params)

    def page(self, path: str, params: Fields | None = None) -> Fields:
        """The hidden fields of a page the browser is shown (it must be shown: 200)."""
        response = self.get(path, params)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return hidden_fields(response.text)

    def post(
        self, path: str, fields: Fields, files: dict[str, Any] | None = None
    ) -> httpx.Response:
        headers = {"Origin": self.base, "Sec-Fetch-Site": "same-origin"}
        return self.http.post(path, data=form_data(fields), files=files, headers=headers)

    def close(self) -> None:
        self.http.close()


@dataclass
class World:
    """A person of the form fuzzer's tenant, signed in to the console, and an app of theirs
    that asks them for consent (the `world` fixture, conftest.py)."""

    live: LiveServer
    email: str
    api_key: str
    console: Browser
    app_id: str
    stale_console_token: str
    stale_consent_token: str
    apps: dict[str, str] = field(default_factory=dict)

    def new_app(self) -> str:
        with self.live.client(self.api_key) as api:
            response = api.post("/api/2.0/clients", json=client_body())
        assert response.status_code == 201, response.text
        return str(response.json()["client_id"])

    def device_code(self) -> str:
        """A fresh user code, as a device of the person's device app shows it."""
        if "device" not in self.apps:
            with self.live.client(self.api_key) as api:
                made = api.post("/api/2.0/clients", json=client_body(grant_types=DEVICE_GRANTS))
            assert made.status_code == 201, made.text
            self.apps["device"], self.apps["device secret"] = (
                made.json()["client_id"],
                made.json()["client_secret"],
            )
        asked = httpx.post(
            f"{self.live.url}/oauth2/device_authorization",
            data={"client_id": self.apps["device"]},  # beside Basic, which it must match
            auth=(self.apps["device"], self.apps["device secret"]),
            timeout=30,
        )
        assert asked.status_code == 200, asked.text
        return str(asked.json()["user_code"])

    def app(self, purpose: str) -> str:
        """One app per purpose, made once (each form disables, edits... its own)."""
        if purpose not in self.apps:
            self.apps[purpose] = self.new_app()
        return self.apps[purpose]


def sign_in(base: str, email: str, tenant: int) -> Browser:
    """A browser signed in to the console through the sign-in form."""
    browser = Browser(base)
    hidden = browser.page("/oauth2/login", [("next", "/console")])
    answer = browser.post(
        "/oauth2/login",
        [*hidden, ("email", email), ("password", PASSWORD), ("tenant", str(tenant))],
    )
    assert answer.status_code == 303, answer.text
    assert browser.http.cookies.get("asc_auth_key")
    return browser


def authorize_query(client_id: str) -> Fields:
    """An app's authorization request (S256 PKCE), always asking for consent again."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("scope", "openid files:read"),
        ("state", secrets.token_urlsafe(12)),
        ("code_challenge", challenge.rstrip(b"=").decode()),
        ("code_challenge_method", "S256"),
        ("prompt", "consent"),
    ]


def authorize_path(client_id: str) -> str:
    return "/oauth2/authorize?" + urlencode(authorize_query(client_id))


def pending_consent(browser: Browser, client_id: str) -> str:
    """Start an authorization as the signed-in browser: the consent page's URL."""
    answer = browser.get(authorize_path(client_id))
    assert answer.status_code == 302, answer.text
    location = str(answer.headers["location"])
    assert "/oauth2/consent?" in location, location
    return location


def app_fields(name: str) -> Fields:
    """The console's app form as a person fills it in (the values every form check takes)."""
    return [
        ("name", name),
        ("description", "Fuzzed through its forms"),
        ("website_url", "https://app.example.com"),
        ("terms_url", "https://app.example.com/terms"),
        ("policy_url", "https://app.example.com/privacy"),
        ("logout_redirect_uri", "https://app.example.com/logout"),
        ("backchannel_logout_uri", "https://app.example.com/backchannel"),
        ("backchannel_logout_session_required", "on"),
        ("redirect_uris", REDIRECT),
        ("allowed_origins", "https://app.example.com"),
        ("scopes", "openid"),
        ("scopes", "files:read"),
        ("grant_types", "authorization_code"),
        ("grant_types", "refresh_token"),
    ]


def mutate(data: st.DataObject, fields: Fields, *, in_url: bool = False) -> Fields:
    """Each field kept, replaced, dropped or duplicated; perhaps one field more. In a URL
    (a GET form, a link) each value is cut to 2,000 characters: longer ones no browser
    sends, and the listener's limits (test_round_two_listener.py) are not this test's."""
    values = hostile.map(lambda text: text[:2000]) if in_url else hostile
    out: Fields = []
    for name, value in fields:
        action = data.draw(ACTIONS, label=f"{name} action")
        if action == "keep":
            out.append((name, value))
        elif action == "replace":
            out.append((name, data.draw(values, label=name)))
        elif action == "duplicate":
            pair = [(name, value), (name, data.draw(values, label=name))]
            out += pair[:: data.draw(st.sampled_from([1, -1]))]
    if data.draw(st.booleans(), label="extra field"):
        out.append((data.draw(EXTRA_NAMES), data.draw(values, label="extra")))
    return out


def with_token(data: st.DataObject, kind: str, fields: Fields, token: str, stale: str) -> Fields:
    """The form's fields with a CSRF token of this kind."""
    bad = {
        "valid": token,
        "wrong": data.draw(st.text("0123456789abcdef", min_size=len(token), max_size=len(token))),
        "stale": stale,
        "non_ascii": data.draw(st.sampled_from([token[:-1] + "é", "é" * len(token)]) | non_ascii),
        "empty": "",
    }
    if kind == "missing":
        return fields
    return [*fields, ("csrf_token", bad[kind])]


def mutate_logo(data: st.DataObject, logo: tuple[str, bytes, str]) -> dict[str, Any]:
    choice = data.draw(st.sampled_from(["keep", "keep", "none", "empty", "junk", "big"]))
    if choice == "keep":
        return {"logo": logo}
    if choice == "none":
        return {"logo": NO_FILE}
    if choice == "empty":
        return {"logo": ("logo.png", b"", "image/png")}
    if choice == "big":
        return {"logo": ("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 256_001, "image/png")}
    name = data.draw(st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=30))
    return {"logo": (name, data.draw(st.binary(max_size=200)), "image/png")}


def hostile_path_id(data: st.DataObject) -> str:
    """A client id for a URL path: any text but a separator or a dot segment, %-encoded."""
    text = data.draw(hostile.filter(lambda t: "/" not in t and t not in {"", ".", ".."}))
    return quote(text[:2000], safe="")
