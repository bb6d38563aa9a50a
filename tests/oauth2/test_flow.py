"""The authorization code flow end to end, over real HTTP, as a third-party app runs it."""

from __future__ import annotations

import httpx
import jwt as pyjwt

from tests.oauth2.conftest import Kit, portal_user


def test_discovery_names_the_issuer_everywhere(kit: Kit) -> None:
    documents = [
        httpx.get(f"{kit.base}{path}").json()
        for path in (
            "/.well-known/openid-configuration",
            "/.well-known/oauth-authorization-server",
            "/oauth2/.well-known/openid-configuration",
        )
    ]
    assert documents[0] == documents[1] == documents[2]
    meta = documents[0]
    assert meta["issuer"] == kit.base
    for name, path in {
        "authorization_endpoint": "/oauth2/authorize",
        "token_endpoint": "/oauth2/token",
        "introspection_endpoint": "/oauth2/introspect",
        "revocation_endpoint": "/oauth2/revoke",
        "jwks_uri": "/oauth2/jwks",
        "userinfo_endpoint": "/oauth2/userinfo",
    }.items():
        assert meta[name] == f"{kit.base}{path}"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert set(meta["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "none",
    }
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert "ES256" in meta["id_token_signing_alg_values_supported"]


def test_x_signature_user_end_to_end(kit: Kit) -> None:
    app = kit.register()
    user = portal_user(app.owner.tenant_id, admin=False)
    token = kit.tokens(app, user, nonce="n-0S6_WzA2Mj")
    assert token["token_type"].lower() == "bearer"
    assert token["expires_in"] == 3600
    assert token["scope"] == "files:read openid"
    assert token["refresh_token"]

    header = pyjwt.get_unverified_header(token["access_token"])
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "ES256"
    claims = kit.verify(token["access_token"], audience=user.tenant_url)
    assert claims["sub"] == user.user_id
    assert claims["client_id"] == claims["cid"] == app.client_id
    assert claims["tid"] == user.tenant_id
    assert claims["scope"] == "files:read openid"
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["jti"]

    id_claims = kit.verify(token["id_token"], audience=app.client_id)
    assert id_claims["sub"] == user.user_id
    assert id_claims["nonce"] == "n-0S6_WzA2Mj"
    assert id_claims["email"] == f"{user.user_id[:8]}@portal.example"

    # userinfo answers for the access token, from what the portal said about the user.
    info = httpx.get(
        f"{kit.base}/oauth2/userinfo",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert info.status_code == 200, info.text
    assert info.json()["sub"] == user.user_id
    assert info.json()["name"] == f"Portal user {user.user_id[:8]}"

    resource = kit.register(portal_user(app.owner.tenant_id))
    introspected = kit.introspect(token["access_token"], by=resource)
    assert introspected["active"] is True
    assert introspected["sub"] == user.user_id
    assert introspected["client_id"] == app.client_id
    assert introspected["scope"] == "files:read openid"
    # Another tenant's client learns nothing.
    stranger = kit.register()
    assert kit.introspect(token["access_token"], by=stranger) == {"active": False}


def test_refresh_rotates(kit: Kit) -> None:
    app = kit.register()
    first = kit.tokens(app)
    with kit.oauth(app) as oauth:
        second = dict(
            oauth.refresh_token(f"{kit.base}/oauth2/token", refresh_token=first["refresh_token"])
        )
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert kit.introspect(second["access_token"], by=app)["active"] is True
    # The previous refresh token is spent.
    reused = kit.refresh(app, first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
