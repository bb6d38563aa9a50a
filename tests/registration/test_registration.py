"""Dynamic client registration (RFC 7591) and its management (RFC 7592), over real HTTP."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from docspace_oauth.models import ClientRegistration, RegistrationToken
from docspace_oauth.security.hashing import keyed_hash
from tests.factory import client_body
from tests.oauth2.conftest import REDIRECT, App, Kit, portal_user
from tests.registration.conftest import Tenant, native_metadata, web_metadata


def test_discovery_advertises_the_registration_endpoint(kit: Kit) -> None:
    meta = httpx.get(f"{kit.base}/.well-known/oauth-authorization-server").json()
    assert meta["registration_endpoint"] == f"{kit.base}/oauth2/register"


def test_a_tenant_is_closed_until_its_admin_opens_it(tenant: Tenant) -> None:
    assert tenant.api("GET", "/policy").json()["mode"] == "closed"
    refused = tenant.register(native_metadata())
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_token"
    assert refused.headers["www-authenticate"].startswith("Bearer ")


async def test_an_initial_access_token_registers_a_confidential_client(
    tenant: Tenant, db, server_keys
) -> None:
    tenant.set_policy("token")
    token = tenant.initial_token()
    response = tenant.register(web_metadata(), token)
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["client_secret"] and body["client_secret_expires_at"] == 0
    assert body["registration_client_uri"] == (
        f"{tenant.kit.base}/oauth2/register/{body['client_id']}"
    )
    assert body["client_name"] == "Registered app"
    assert body["redirect_uris"] == [REDIRECT]
    assert body["grant_types"] == ["authorization_code", "refresh_token"]
    assert body["token_endpoint_auth_method"] == "client_secret_basic"
    assert set(body["scope"].split()) == {"openid", "files:read"}
    assert body["tos_uri"] == "https://app.example.com/terms"
    assert body["post_logout_redirect_uris"] == ["https://app.example.com/logout"]

    # A single-use token is spent.
    again = tenant.register(web_metadata(), token)
    assert again.status_code == 401 and again.json()["error"] == "invalid_token"

    # Only keyed hashes are stored, of the registration token and the initial access token.
    async with db() as session:
        stored = await session.get(ClientRegistration, body["client_id"])
        issued = await session.scalar(
            select(RegistrationToken).where(RegistrationToken.tenant_id == tenant.id)
        )
    assert stored is not None and issued is not None
    assert stored.token_hash == keyed_hash(server_keys.hash_key, body["registration_access_token"])
    assert issued.token_hash == keyed_hash(server_keys.hash_key, token)
    assert issued.uses_left == 0

    # The client signs a person in like any other.
    app = App(body["client_id"], body["client_secret"], tenant.admin)
    user = portal_user(tenant.id, admin=False)
    tokens = tenant.kit.tokens(app, user)
    claims = tenant.kit.verify(tokens["access_token"], audience=user.tenant_url)
    assert claims["client_id"] == body["client_id"]


def test_self_registered_clients_show_in_the_management_api_marked(tenant: Tenant) -> None:
    tenant.set_policy("token")
    registered = tenant.register(web_metadata(), tenant.initial_token()).json()
    listed = tenant.kit.manage(tenant.admin, "GET", "/api/2.0/clients").json()["data"]
    mine = [c for c in listed if c["client_id"] == registered["client_id"]]
    assert len(mine) == 1
    assert mine[0]["registration"] == "dynamic"
    assert mine[0]["name"] == "Registered app"
    made_by_hand = tenant.kit.register(tenant.admin)
    # A hand-made client's answer is DocSpace's, without the extension.
    assert "registration" not in made_by_hand.info


def test_the_admin_controls_a_self_registered_client(tenant: Tenant) -> None:
    tenant.set_policy("token")
    body = tenant.register(web_metadata(), tenant.initial_token()).json()
    path = f"/api/2.0/clients/{body['client_id']}"
    kit = tenant.kit
    off = kit.manage(tenant.admin, "PATCH", f"{path}/activation", json={"status": False})
    assert off.status_code == 200 and off.json()["enabled"] is False
    renamed = kit.manage(tenant.admin, "PUT", path, json={"name": "Renamed by the admin"})
    assert renamed.json()["name"] == "Renamed by the admin"
    rotated = kit.manage(tenant.admin, "PATCH", f"{path}/regenerate")
    assert rotated.status_code == 200
    wiped = kit.manage(tenant.admin, "DELETE", "/api/2.0/clients/tenant")
    assert wiped.json()["deleted"] >= 1
    assert kit.manage(tenant.admin, "GET", path).status_code == 404
    # Its registration access token died with it.
    gone = httpx.get(
        body["registration_client_uri"],
        headers={"Authorization": f"Bearer {body['registration_access_token']}"},
    )
    assert gone.status_code == 401


@pytest.mark.parametrize(
    ("overrides", "error", "says"),
    [
        ({"redirect_uris": ["http://app.example.com/cb"]}, "invalid_redirect_uri", "loopback"),
        ({"redirect_uris": []}, "invalid_redirect_uri", "redirect_uris"),
        ({"scope": "openid files:delete"}, "invalid_client_metadata", "scope"),
        ({"grant_types": ["client_credentials"]}, "invalid_client_metadata", "grant_types"),
        ({"response_types": ["token"]}, "invalid_client_metadata", "response_types"),
        ({"token_endpoint_auth_method": "private_key_jwt"}, "invalid_client_metadata", "auth"),
        ({"jwks_uri": "https://app.example.com/jwks"}, "invalid_client_metadata", "jwks_uri"),
        ({"logo_uri": "https://app.example.com/logo.png"}, "invalid_client_metadata", "logo"),
        ({"client_uri": "javascript:alert(1)"}, "invalid_client_metadata", "client_uri"),
        ({"application_type": "tv"}, "invalid_client_metadata", "application_type"),
        ({"client_name": 7}, "invalid_client_metadata", "client_name"),
        (
            {"post_logout_redirect_uris": ["https://a.example/1", "https://a.example/2"]},
            "invalid_client_metadata",
            "post_logout",
        ),
    ],
    ids=lambda v: str(v)[:40],
)
def test_metadata_we_cannot_honour_is_refused(
    tenant: Tenant, overrides: dict[str, object], error: str, says: str
) -> None:
    tenant.set_policy("token")
    token = tenant.initial_token()
    response = tenant.register(web_metadata(**overrides), token)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == error
    assert says in response.json()["error_description"]
    # A refused registration does not spend the token.
    assert tenant.register(web_metadata(), token).status_code == 201


def test_a_body_that_is_not_json_is_refused(tenant: Tenant) -> None:
    tenant.set_policy("open")
    response = httpx.post(tenant.register_url, content=b"{nope", timeout=30)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_metadata"


def test_the_console_marks_self_registered_clients(kit: Kit) -> None:
    owner_key = kit.live.owner_key
    with kit.live.client(owner_key) as http:
        assert http.put("/api/2.0/registration/policy", json={"mode": "token"}).status_code == 200
        token = http.post("/api/2.0/registration/tokens", json={}).json()["token"]
    registered = httpx.post(
        f"{kit.base}/oauth2/register",
        json=web_metadata(client_name="Console-visible agent"),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert registered.status_code == 201, registered.text
    client_id = registered.json()["client_id"]
    with httpx.Client(base_url=kit.base, cookies={"asc_auth_key": owner_key}) as console:
        page = console.get(f"/console/clients/{client_id}")
        assert page.status_code == 200
        assert "Self-registered" in page.text
        listing = console.get("/console/clients", params={"q": "Console-visible"})
        assert "Self-registered" in listing.text
        made_by_hand = kit.live.client(owner_key).post(
            "/api/2.0/clients", json=client_body(name="Hand-made for the console")
        )
        hand = console.get(f"/console/clients/{made_by_hand.json()['client_id']}")
        assert "Self-registered" not in hand.text
