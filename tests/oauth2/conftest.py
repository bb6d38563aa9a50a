"""Helpers for driving the authorization server as its users do.

A third-party app is played by Authlib's httpx OAuth2Client; the person at the browser by a
plain httpx client that follows the server's pages; tokens are checked with PyJWT against
the published JWKS (the server signs with joserfc, so two independent JOSE stacks agree).
"""

from __future__ import annotations

import html
import random
import re
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt as pyjwt
import pytest

from tests.conftest import LiveServer, ServerProcess, signature, start_server
from tests.factory import client_body

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from authlib.common.security import generate_token
    from authlib.integrations.httpx_client import OAuth2Client

REDIRECT = "https://app.example.com/callback"
SCOPE = "openid files:read"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@dataclass(frozen=True)
class Actor:
    """A person: a DocSpace portal user presenting an x-signature (no local account)."""

    user_id: str
    tenant_id: int
    headers: dict[str, str]

    @property
    def tenant_url(self) -> str:
        return f"https://tenant{self.tenant_id}.portal.example"


def portal_user(tenant_id: int | None = None, *, admin: bool = True) -> Actor:
    tenant = tenant_id or random.randint(10_000, 2_000_000_000)
    user_id = str(uuid.uuid4())
    return Actor(
        user_id, tenant, {"x-signature": signature(user_id, tenant, is_admin=admin, expires_in=900)}
    )


@dataclass
class App:
    """A registered client, as its developer holds it."""

    client_id: str
    secret: str
    owner: Actor
    info: dict[str, Any] = field(default_factory=dict)


def hidden_fields(page: str) -> list[tuple[str, str]]:
    return [(name, html.unescape(value)) for name, value in _HIDDEN.findall(page)]


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


class Kit:
    def __init__(self, live: LiveServer) -> None:
        self.live = live
        self.base = live.url
        self.jwks = pyjwt.PyJWKClient(
            f"{self.base}/oauth2/jwks", cache_keys=False, cache_jwk_set=False
        )

    # The management API.

    def register(self, owner: Actor | None = None, **overrides: Any) -> App:
        owner = owner or portal_user()
        with httpx.Client(base_url=self.base, headers=owner.headers, timeout=30) as http:
            response = http.post("/api/2.0/clients", json=client_body(**overrides))
        assert response.status_code == 201, response.text
        body = response.json()
        return App(body["client_id"], body["client_secret"], owner, body)

    def manage(self, actor: Actor, method: str, path: str, **kwargs: Any) -> httpx.Response:
        with httpx.Client(base_url=self.base, headers=actor.headers, timeout=30) as http:
            return http.request(method, path, **kwargs)

    # The app (Authlib) and the browser (httpx).

    def oauth(
        self,
        app: App,
        *,
        scope: str = SCOPE,
        method: str = "client_secret_basic",
        secret: str | None = None,
    ) -> OAuth2Client:
        return OAuth2Client(
            client_id=app.client_id,
            client_secret=app.secret if secret is None else secret,
            scope=scope,
            redirect_uri=REDIRECT,
            code_challenge_method="S256",
            token_endpoint_auth_method=method,
            timeout=30,
        )

    def browser(self, actor: Actor | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers=actor.headers if actor else {}, timeout=30)

    def start(self, oauth: OAuth2Client, **params: str) -> tuple[str, str, str]:
        """The authorization URL an app sends the browser to: (url, state, verifier)."""
        verifier = generate_token(48)
        url, state = oauth.create_authorization_url(
            f"{self.base}/oauth2/authorize", code_verifier=verifier, **params
        )
        return url, state, verifier

    def through_browser(
        self,
        browser: httpx.Client,
        url: str,
        *,
        decision: str = "allow",
        expect_consent: bool | None = None,
    ) -> str:
        """Follow the server's pages as a person would, approving (or denying) consent;
        returns the URL the browser is finally sent back to."""
        response = browser.get(url)
        assert response.status_code == 302, response.text
        location = response.headers["location"]
        if location.startswith(REDIRECT):
            assert expect_consent is not True, "expected the consent page"
            return location
        assert location.startswith(f"{self.base}/oauth2/consent?"), location
        assert expect_consent is not False, "expected a code without consent"
        page = browser.get(location)
        assert page.status_code == 200, page.text
        fields = [*hidden_fields(page.text), ("decision", decision)]
        submitted = browser.post(
            "/oauth2/authorize", data=form_data(fields), headers={"Origin": self.base}
        )
        assert submitted.status_code == 302, submitted.text
        return str(submitted.headers["location"])

    def tokens(
        self, app: App, actor: Actor | None = None, *, scope: str = SCOPE, nonce: str | None = None
    ) -> dict[str, Any]:
        """The whole authorization code flow; returns Authlib's token."""
        actor = actor or portal_user(app.owner.tenant_id)
        with self.oauth(app, scope=scope) as oauth, self.browser(actor) as browser:
            extra = {"nonce": nonce} if nonce else {}
            url, state, verifier = self.start(oauth, **extra)
            callback = self.through_browser(browser, url)
            token = oauth.fetch_token(
                f"{self.base}/oauth2/token",
                authorization_response=callback,
                state=state,
                code_verifier=verifier,
            )
        return dict(token)

    def code(self, app: App, actor: Actor, *, scope: str = SCOPE) -> tuple[str, str]:
        """A fresh code (and its verifier), not yet exchanged."""
        with self.oauth(app, scope=scope) as oauth, self.browser(actor) as browser:
            url, _, verifier = self.start(oauth)
            callback = self.through_browser(browser, url)
        params = query_of(callback)
        assert "code" in params, callback
        return params["code"], verifier

    # Token endpoint, introspection and revocation, as raw HTTP.

    def token_request(self, app: App, secret: str | None = None, **form: str) -> httpx.Response:
        auth = (app.client_id, app.secret if secret is None else secret)
        return httpx.post(f"{self.base}/oauth2/token", data=form, auth=auth, timeout=30)

    def refresh(self, app: App, refresh_token: str, secret: str | None = None) -> httpx.Response:
        return self.token_request(
            app, secret, grant_type="refresh_token", refresh_token=refresh_token
        )

    def introspect(self, token: str, by: App) -> dict[str, Any]:
        response = httpx.post(
            f"{self.base}/oauth2/introspect",
            data={"token": token},
            auth=(by.client_id, by.secret),
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def authorize_outcome(self, app: App, actor: Actor) -> httpx.Response:
        """A fresh /authorize for the app, as the (signed-in) actor: the first answer."""
        with self.oauth(app) as oauth, self.browser(actor) as browser:
            url, _, _ = self.start(oauth)
            return browser.get(url)

    # Checking tokens with PyJWT, against the JWKS.

    def verify(self, token: str, *, audience: str) -> dict[str, Any]:
        key = self.jwks.get_signing_key_from_jwt(token)
        claims: dict[str, Any] = pyjwt.decode(
            token, key.key, algorithms=["ES256", "RS256"], audience=audience, issuer=self.base
        )
        return claims


def form_data(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form fields, repeated names kept (httpx takes a list per name)."""
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


@pytest.hookimpl(trylast=True)
@pytest.fixture(scope="session")
def kit(live_server: LiveServer) -> Kit:
    return Kit(live_server)


def start_sibling(live: LiveServer, **env_overrides: str) -> ServerProcess:
    """Another `docspace-oauth serve` on the live server's database and with its issuer:
    for state, a restart; for a client, the same authorization server."""
    return start_server(live.database_url, DOCSPACE_OAUTH_ISSUER=live.url, **env_overrides)


@pytest.fixture(scope="session")
def sibling(live_server: LiveServer) -> Iterator[ServerProcess]:
    """A second instance (a restart, as far as state goes) with short lifetimes and the
    failure limiter on."""
    server = start_sibling(
        live_server,
        DOCSPACE_OAUTH_RATE_LIMIT_ENABLED="true",
        DOCSPACE_OAUTH_CLIENT_AUTH_FAILURE_LIMIT="3",
        DOCSPACE_OAUTH_SIGN_IN_FAILURE_LIMIT="3",
        # Hour-long windows: a window edge cannot fall inside a test and reset the counts.
        DOCSPACE_OAUTH_AUTH_FAILURE_WINDOW_SECONDS="3600",
        DOCSPACE_OAUTH_AUTHORIZATION_CODE_TTL_SECONDS="1",
        DOCSPACE_OAUTH_ACCESS_TOKEN_TTL_SECONDS="2",
    )
    try:
        yield server
    finally:
        server.stop()
