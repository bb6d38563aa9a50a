"""A second relying party: Authlib's OAuth client (httpx) with its OpenID Connect id_token
rules (authlib.oidc.core.CodeIDToken) and its own JOSE code (authlib.jose, not the server's
joserfc nor the suite's PyJWT). It signs in, steps up with prompt=login, logs out through the
end_session_endpoint it finds in discovery, and verifies the back-channel logout_token it is
sent (tests/oauth2/receiver.py is its endpoint) with our JWKS."""

from __future__ import annotations

import secrets
import time
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken

from tests.conftest import LiveServer
from tests.factory import client_body
from tests.oauth2.conftest import REDIRECT, Kit
from tests.oauth2.receiver import Receiver, running_receiver
from tests.oauth2.test_sessions import PASSWORD
from tests.rp.test_openid_client import LOGGED_OUT, _sign_in_then_back

with warnings.catch_warnings():
    # authlib.jose is deprecated in favour of joserfc, the server's own JOSE library: the
    # point here is a second, independent implementation.
    warnings.simplefilter("ignore")
    from authlib.jose import JsonWebKey, JsonWebToken

EVENT = "http://schemas.openid.net/event/backchannel-logout"


class AuthlibRP:
    def __init__(self, kit: Kit, client: dict[str, Any]) -> None:
        self.meta = httpx.get(f"{kit.base}/.well-known/openid-configuration").json()
        self.client_id = str(client["client_id"])
        self.secret = str(client["client_secret"])

    def keys(self) -> Any:
        return JsonWebKey.import_key_set(httpx.get(self.meta["jwks_uri"]).json())

    def session(self) -> OAuth2Client:
        return OAuth2Client(
            client_id=self.client_id,
            client_secret=self.secret,
            scope="openid files:read",
            redirect_uri=REDIRECT,
            code_challenge_method="S256",
            timeout=30,
        )

    def sign_in(self, kit: Kit, browser: httpx.Client, email: str, **params: str) -> Any:
        nonce = secrets.token_urlsafe(16)
        verifier = secrets.token_urlsafe(48)
        with self.session() as oauth:
            url, state = oauth.create_authorization_url(
                self.meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce, **params
            )
            callback = _sign_in_then_back(kit, browser, url, email)
            token = oauth.fetch_token(
                self.meta["token_endpoint"],
                authorization_response=callback,
                state=state,
                code_verifier=verifier,
            )
        claims = JsonWebToken(["ES256", "RS256"]).decode(
            token["id_token"],
            self.keys(),
            claims_cls=CodeIDToken,
            claims_options={"iss": {"values": [self.meta["issuer"]]}},
            claims_params={"nonce": nonce, "client_id": self.client_id},
        )
        claims.validate()
        return token["id_token"], claims

    def logout_claims(self, logout_token: str) -> Any:
        """Back-Channel Logout 1.0 section 2.6, as this RP checks it."""
        claims = JsonWebToken(["ES256", "RS256"]).decode(
            logout_token,
            self.keys(),
            claims_options={
                "iss": {"essential": True, "values": [self.meta["issuer"]]},
                "aud": {"essential": True, "values": [self.client_id]},
                "iat": {"essential": True},
                "jti": {"essential": True},
                "events": {"essential": True},
            },
        )
        claims.validate()
        assert claims.header["typ"] == "logout+jwt"
        assert EVENT in claims["events"] and "nonce" not in claims
        return claims


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def test_authlib_signs_in_steps_up_and_logs_out(
    kit: Kit, live_server: LiveServer, receiver: Receiver
) -> None:
    email = f"authlib-{secrets.token_hex(4)}@example.com"
    live_server.create_user(email, "user", 1, password=PASSWORD)
    body = client_body(
        scopes=["files:read", "openid"], backchannel_logout_uri=f"{receiver.base}/authlib"
    )
    with live_server.client(live_server.keys["owner"]) as owner:
        rp = AuthlibRP(kit, owner.post("/api/2.0/clients", json=body).json())
    with kit.browser() as browser:
        _, first = rp.sign_in(kit, browser, email)
        time.sleep(1.1)
        id_token, stepped = rp.sign_in(kit, browser, email, prompt="login")
        assert stepped["auth_time"] > first["auth_time"]
        assert stepped["sid"] == first["sid"]
        query = {"id_token_hint": id_token, "post_logout_redirect_uri": LOGGED_OUT, "state": "z"}
        answer = browser.get(f"{rp.meta['end_session_endpoint']}?{urlencode(query)}")
        assert answer.status_code == 302
        assert answer.headers["location"] == f"{LOGGED_OUT}?state=z"
        with rp.session() as oauth:
            url, _ = oauth.create_authorization_url(rp.meta["authorization_endpoint"])
        assert browser.get(url).headers["location"].startswith(f"{kit.base}/oauth2/login?")
    [logout_token] = receiver.wait_for("/authlib")
    claims = rp.logout_claims(logout_token)
    assert (claims["sid"], claims["sub"]) == (first["sid"], first["sub"])
