"""A person at a browser against any `serve` instance, by its base URL alone: for tests that
start servers of their own (tests/scaleout, tests/oauth2/test_backchannel_retries.py) and so
cannot use the live server's Kit."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import urlencode

import httpx

from tests.conftest import run_cli_here
from tests.oauth2.conftest import form_data, hidden_fields

PASSWORD = "correct horse battery staple"
REDIRECT = "https://app.example.com/callback"


def local_user(env: dict[str, str]) -> str:
    """A user of tenant 1 who signs in with PASSWORD; their email."""
    email = f"person-{secrets.token_hex(4)}@example.com"
    args = ("users", "create", email, "--tenant", "1", "--password-stdin")
    result = run_cli_here(env, *args, stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    return email


def signed_in(base: str, issuer: str, email: str) -> httpx.Client:
    """A browser signed in at `base` through the sign-in form (its Origin is the issuer's)."""
    browser = httpx.Client(base_url=base, timeout=30)
    fields = dict(hidden_fields(browser.get("/oauth2/login?next=/console").text))
    answer = browser.post(
        "/oauth2/login",
        data={**fields, "email": email, "password": PASSWORD},
        headers={"Origin": issuer},
    )
    assert answer.status_code == 303, answer.text
    return browser


def authorize_path(client_id: str) -> str:
    """An app's authorization request (S256 PKCE), as a path."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid files:read",
        "state": secrets.token_urlsafe(8),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return f"/oauth2/authorize?{urlencode(query)}"


def code_through_consent(browser: httpx.Client, issuer: str, client_id: str) -> None:
    """The app's first authorization: through the consent page to a code, which records the
    app in the browser's session (session_clients)."""
    consent = browser.get(authorize_path(client_id))
    assert consent.status_code == 302 and "/oauth2/consent?" in consent.headers["location"]
    page = browser.get(consent.headers["location"].removeprefix(issuer))
    fields = [*hidden_fields(page.text), ("decision", "allow")]
    back = browser.post("/oauth2/authorize", data=form_data(fields), headers={"Origin": issuer})
    assert back.status_code == 302 and "code=" in back.headers["location"], back.text
