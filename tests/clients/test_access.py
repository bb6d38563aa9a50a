"""Who sees and changes which client. Anything a caller may not see is a 404; a guest is
refused by its role (403) before anything is looked up, as DocSpace refuses it."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt as pyjwt
import pytest

from tests.conftest import SIGNATURE_SECRET, signature
from tests.factory import (
    AUTHENTICATION_REQUIRED,
    BASES,
    assert_authentication_required,
    assert_guest_refused,
    client_body,
    create_client,
)

# (operation, method, path suffix, json body)
OPERATIONS = [
    ("get", "GET", "", None),
    ("update", "PUT", "", {"name": "Renamed by someone"}),
    ("activation", "PATCH", "/activation", {"status": False}),
    ("regenerate", "PATCH", "/regenerate", None),
    ("delete", "DELETE", "", None),
]


@pytest.fixture
def user_client(live_server):
    """A client created by the plain user of tenant 1."""
    with live_server.client(live_server.keys["user"]) as http:
        return create_client(http)


def _call(http, method, base, client_id, suffix, body):
    return http.request(method, f"{base}/{client_id}{suffix}", json=body)


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize(("operation", "method", "suffix", "body"), OPERATIONS)
@pytest.mark.parametrize("stranger", ["user2", "guest", "other_admin", "other_user"])
def test_strangers_are_refused_and_change_nothing(
    live_server, user_client, stranger, operation, method, suffix, body, base
):
    client_id = user_client["client_id"]
    with live_server.client(live_server.keys[stranger]) as http:
        response = _call(http, method, base, client_id, suffix, body)
        if stranger == "guest":
            assert_guest_refused(response)
        else:
            assert response.status_code == 404, (operation, response.text)
            assert response.json()["detail"] == "No such client."
    with live_server.client(live_server.keys["user"]) as owner:
        after = owner.get(f"/api/2.0/clients/{client_id}").json()
        assert after["name"] == user_client["name"]
        assert after["enabled"] is True
        assert after["modified_on"] == user_client["modified_on"]


@pytest.mark.parametrize(("operation", "method", "suffix", "body"), OPERATIONS)
@pytest.mark.parametrize("manager", ["user", "admin", "owner"])
def test_creator_and_admins_may_manage(
    live_server, user_client, manager, operation, method, suffix, body
):
    with live_server.client(live_server.keys[manager]) as http:
        response = _call(http, method, BASES[0], user_client["client_id"], suffix, body)
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(("operation", "method", "suffix", "body"), OPERATIONS)
def test_unknown_and_malformed_ids_are_404(live_server, operation, method, suffix, body):
    with live_server.client(live_server.keys["admin"]) as http:
        for client_id in (str(uuid.uuid4()), "not-a-uuid", "1' OR '1'='1", "x" * 300):
            response = _call(http, method, BASES[0], client_id, suffix, body)
            assert response.status_code == 404, (client_id, response.text)


def test_lists_follow_visibility(live_server):
    with live_server.client(live_server.keys["user"]) as user:
        mine = create_client(user)
    with live_server.client(live_server.keys["user2"]) as user2:
        theirs = create_client(user2)

    def ids(key, path="/api/2.0/clients"):
        with live_server.client(key) as http:
            response = http.get(path, params={"limit": 50})
            assert response.status_code == 200
            return {c["client_id"] for c in response.json()["data"]}

    for path in ("/api/2.0/clients", "/api/2.0/clients/info", "/api/2.0/oauth2/clients"):
        user_ids = ids(live_server.keys["user"], path)
        assert mine["client_id"] in user_ids
        assert theirs["client_id"] not in user_ids
        admin_ids = ids(live_server.keys["admin"], path)
        assert {mine["client_id"], theirs["client_id"]} <= admin_ids
        with live_server.client(live_server.keys["guest"]) as guest:
            assert_guest_refused(guest.get(path, params={"limit": 50}))
        assert not {mine["client_id"], theirs["client_id"]} & ids(
            live_server.keys["other_admin"], path
        )


def test_info_is_public_view_for_its_creator_and_tenant_admins_only(live_server, user_client):
    client_id = user_client["client_id"]
    for manager in ("user", "admin", "owner"):
        with live_server.client(live_server.keys[manager]) as http:
            info = http.get(f"/api/2.0/clients/{client_id}/info")
            assert info.status_code == 200
            assert "client_secret" not in info.json()
            assert "redirect_uris" not in info.json()
            assert info.json()["name"] == user_client["name"]
    for stranger in ("user2", "other_admin"):
        with live_server.client(live_server.keys[stranger]) as http:
            response = http.get(f"/api/2.0/clients/{client_id}/info")
            assert response.status_code == 404
            assert response.json()["detail"] == "No such client."
    with live_server.client(live_server.keys["guest"]) as http:
        assert_guest_refused(http.get(f"/api/2.0/clients/{client_id}/info"))


@pytest.mark.parametrize("base", BASES)
def test_public_info_needs_no_authentication(live_server, user_client, base):
    with live_server.client() as anonymous:
        response = anonymous.get(f"{base}/{user_client['client_id']}/public/info")
        assert response.status_code == 200
        body = response.json()
        assert body["client_id"] == user_client["client_id"]
        assert body["logo"] == user_client["logo"]
        assert "client_secret" not in body and "tenant" not in body
        assert anonymous.get(f"{base}/{uuid.uuid4()}/public/info").status_code == 404
        assert anonymous.get(f"{base}/nope/public/info").status_code == 404


def test_delete_own_clients_leaves_others(live_server):
    key = live_server.create_user(f"bulk-{uuid.uuid4().hex[:6]}@example.com", "user")
    with live_server.client(key) as http:
        created = [create_client(http)["client_id"] for _ in range(3)]
    with live_server.client(live_server.keys["user2"]) as http:
        survivor = create_client(http)["client_id"]
    with live_server.client(key) as http:
        response = http.delete("/api/2.0/clients")
        assert response.status_code == 200
        assert response.json()["deleted"] == 3
        for client_id in created:
            assert http.get(f"/api/2.0/clients/{client_id}").status_code == 404
    with live_server.client(live_server.keys["user2"]) as http:
        assert http.get(f"/api/2.0/clients/{survivor}").status_code == 200


def test_delete_tenant_clients_is_for_admins_of_that_tenant(live_server):
    tenant = 100 + uuid.uuid4().int % 100_000
    admin = live_server.create_user(f"admin-{tenant}@example.com", "admin", tenant)
    user = live_server.create_user(f"user-{tenant}@example.com", "user", tenant)
    with live_server.client(admin) as http:
        a = create_client(http)["client_id"]
    with live_server.client(user) as http:
        u = create_client(http)["client_id"]
        assert http.delete("/api/2.0/clients/tenant").status_code == 403
        assert http.get(f"/api/2.0/clients/{u}").status_code == 200
    with live_server.client(live_server.keys["other_user"]) as http:
        assert http.delete("/api/2.0/clients/tenant").status_code == 403
    with live_server.client(live_server.keys["user"]) as tenant1:
        kept = create_client(tenant1)["client_id"]
    with live_server.client(admin) as http:
        response = http.delete("/api/2.0/clients/tenant")
        assert response.status_code == 200
        assert response.json()["deleted"] == 2
        assert http.get(f"/api/2.0/clients/{a}").status_code == 404
        assert http.get("/api/2.0/clients").json()["data"] == []
    with live_server.client(user) as http:
        assert http.get(f"/api/2.0/clients/{u}").status_code == 404
    with live_server.client(live_server.keys["user"]) as tenant1:
        assert tenant1.get(f"/api/2.0/clients/{kept}").status_code == 200


def test_x_signature_callers_need_not_exist_locally(live_server):
    portal_user = str(uuid.uuid4())
    token = signature(portal_user, 1)
    with live_server.client() as http:
        created = http.post(
            "/api/2.0/clients",
            json=client_body(
                name="Portal app",
                scopes=["rooms:read"],
                redirect_uris=["https://portal-app.example.com/cb"],
                allowed_origins=["https://portal-app.example.com"],
            ),
            headers={"x-signature": token},
        )
        assert created.status_code == 201, created.text
        assert created.json()["created_by"] == portal_user
        client_id = created.json()["client_id"]
        # The same token as a cookie.
        http.cookies.set("x-signature", token)
        assert http.get(f"/api/2.0/clients/{client_id}").status_code == 200
        http.cookies.clear()
        # Another portal user of the tenant: not theirs, so 404; a portal admin: visible.
        other = signature(str(uuid.uuid4()), 1)
        assert (
            http.get(f"/api/2.0/clients/{client_id}", headers={"x-signature": other}).status_code
            == 404
        )
        admin = signature(str(uuid.uuid4()), 1, is_admin=True)
        assert (
            http.get(f"/api/2.0/clients/{client_id}", headers={"x-signature": admin}).status_code
            == 200
        )
        guest = signature(str(uuid.uuid4()), 1, is_guest=True)
        assert_guest_refused(http.get("/api/2.0/clients", headers={"x-signature": guest}))
    with live_server.client(live_server.keys["admin"]) as local_admin:
        assert local_admin.get(f"/api/2.0/clients/{client_id}").status_code == 200


@pytest.mark.parametrize(
    "make_token",
    [
        lambda: signature(str(uuid.uuid4()), 1, expires_in=-120),
        lambda: signature(str(uuid.uuid4()), 1, secret="a-different-secret-of-32-characters!!"),
        lambda: "not.a.jwt",
        lambda: signature(str(uuid.uuid4()), 1)[:-4] + "AAAA",
    ],
    ids=["expired", "forged", "garbage", "tampered"],
)
def test_bad_x_signature_is_403(live_server, make_token):
    with live_server.client() as http:
        response = http.get("/api/2.0/clients", headers={"x-signature": make_token()})
        assert_authentication_required(response)


def test_api_key_in_cookie_bare_header_and_bearer(live_server):
    key = live_server.keys["admin"]
    with live_server.client() as http:
        assert http.get("/api/2.0/clients", headers={"Authorization": key}).status_code == 200
        assert (
            http.get("/api/2.0/clients", headers={"Authorization": f"Bearer {key}"}).status_code
            == 200
        )
        http.cookies.set("asc_auth_key", key)
        assert http.get("/api/2.0/clients").status_code == 200
        http.cookies.clear()
        wrong = http.get("/api/2.0/clients", headers={"Authorization": key + "x"})
        assert_authentication_required(wrong)


def _portal_token(**claims: Any) -> str:
    """An x-signature with these claims over a valid user's (None leaves a claim out)."""
    now = int(time.time())
    base: dict[str, Any] = {
        "user_id": str(uuid.uuid4()),
        "user_name": "Portal user",
        "user_email": "portal-user@portal.example",
        "tenant_id": 1,
        "tenant_url": "https://tenant1.portal.example",
        "is_admin": False,
        "is_guest": False,
        "is_public": True,
        "iat": now,
        "exp": now + 300,
    }
    base.update(claims)
    return pyjwt.encode(
        {k: v for k, v in base.items() if v is not None}, SIGNATURE_SECRET, algorithm="HS256"
    )


@pytest.mark.parametrize(
    "claims",
    [
        {"tenant_id": 0},
        {"tenant_id": "0"},
        {"tenant_id": 2**31},
        {"tenant_id": str(2**31)},
        {"tenant_id": "\uff17"},  # a fullwidth digit
        {"tenant_id": " 7"},
        {"tenant_id": "+7"},
        {"tenant_id": 7.0},
        {"tenant_id": True},
        {"tenant_id": None},
        {"is_admin": "yes"},
        {"is_admin": 1},
        {"is_guest": "1"},
        {"is_public": "maybe"},
        {"user_name": "  "},
        {"user_email": None},
        {"tenant_url": ""},
    ],
    ids=repr,
)
def test_x_signature_claims_of_another_shape_are_invalid(live_server, claims):
    with live_server.client() as http:
        response = http.get("/api/2.0/clients", headers={"x-signature": _portal_token(**claims)})
        assert_authentication_required(response)


def test_x_signature_claims_arrive_as_strings_or_json_values(live_server):
    # A portal mints .NET claims: every value a string, booleans in any case.
    with live_server.client() as http:
        for claims in (
            {"tenant_id": "1", "is_admin": "True", "is_guest": "False", "is_public": "False"},
            {"tenant_id": 1, "is_admin": True},
            {"tenant_id": "1", "is_admin": "tRUE"},
        ):
            headers = {"x-signature": _portal_token(**claims)}
            assert http.get("/api/2.0/audit", headers=headers).status_code == 200  # admins only
        user = {"x-signature": _portal_token(tenant_id="1", is_public="true")}
        assert http.get("/api/2.0/clients", headers=user).status_code == 200
        assert http.get("/api/2.0/audit", headers=user).status_code == 403


@pytest.mark.parametrize("is_public", [False, "false", "False", "", None])
def test_a_member_the_portal_does_not_make_public_is_a_guest(live_server, is_public):
    with live_server.client() as http:
        headers = {"x-signature": _portal_token(is_public=is_public)}
        assert_guest_refused(http.get("/api/2.0/clients", headers=headers))
        assert http.get("/api/2.0/scopes", headers=headers).status_code == 200


def test_credentials_that_are_not_ours_are_ignored(live_server, user_client):
    """A value that is not one of our keys (`dso_...`) is some other system's credential."""
    public_info = f"/api/2.0/clients/{user_client['client_id']}/public/info"
    with live_server.client() as http:
        for headers in (
            {"Authorization": "Bearer a-portal-session-token"},
            {"Authorization": "garbage"},
            {"Cookie": "asc_auth_key=not-ours"},
        ):
            assert http.get(public_info, headers=headers).status_code == 200, headers
            assert_authentication_required(http.get("/api/2.0/clients", headers=headers))
        # A key of ours that is wrong is refused, even where none is needed.
        wrong = {"Authorization": "Bearer dso_not-a-real-key"}
        assert_authentication_required(http.get(public_info, headers=wrong))


def test_a_nameless_cookie_is_read_as_the_credential_it_carries(live_server):
    # ONLYOFFICE's generated SDKs send `Cookie: VALUE`, for an API key and an x-signature.
    with live_server.client() as http:
        for value in (live_server.keys["admin"], signature(str(uuid.uuid4()), 1, is_admin=True)):
            response = http.get("/api/2.0/audit", headers={"Cookie": value})
            assert response.status_code == 200, response.text
        assert_authentication_required(
            http.get("/api/2.0/clients", headers={"Cookie": "dso_not-a-real-key"})
        )


def test_headers_take_precedence_over_cookies(live_server):
    with live_server.client() as http:
        admin_cookie = {"Cookie": f"asc_auth_key={live_server.keys['admin']}"}
        as_user = {"Authorization": f"Bearer {live_server.keys['user']}", **admin_cookie}
        refused = http.get("/api/2.0/audit", headers=as_user)  # the user's, not the admin's
        assert refused.status_code == 403
        assert refused.json()["type"] != AUTHENTICATION_REQUIRED
        signed = {"x-signature": signature(str(uuid.uuid4()), 1), **admin_cookie}
        assert http.get("/api/2.0/audit", headers=signed).status_code == 403
        # The first credential decides: a wrong one is refused, never passed over.
        wrong = {"Authorization": "Bearer dso_not-a-real-key", **admin_cookie}
        assert_authentication_required(http.get("/api/2.0/audit", headers=wrong))
