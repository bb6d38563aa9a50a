"""RFC 7592 (read, update, delete with the registration access token), the open policy's
limits, native clients' loopback redirects, and the admins' registration API."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from tests.oauth2.conftest import Kit, form_data, hidden_fields, portal_user
from tests.registration.conftest import Tenant, native_metadata, web_metadata


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_client_reads_updates_and_deletes_its_registration(tenant: Tenant) -> None:
    tenant.set_policy("token")
    body = tenant.register(web_metadata(), tenant.initial_token()).json()
    uri, token = body["registration_client_uri"], body["registration_access_token"]

    read = httpx.get(uri, headers=_as(token))
    assert read.status_code == 200, read.text
    assert read.json()["client_id"] == body["client_id"]
    assert "client_secret" not in read.json()  # shown once, at registration
    assert "registration_access_token" not in read.json()

    changed = web_metadata(client_name="Renamed app", scope="openid", client_uri=None)
    updated = httpx.put(uri, json={**changed, "client_id": body["client_id"]}, headers=_as(token))
    assert updated.status_code == 200, updated.text
    assert updated.json()["client_name"] == "Renamed app"
    assert updated.json()["scope"] == "openid"
    assert "client_uri" not in updated.json()  # left out of a replacement: cleared
    managed = tenant.kit.manage(tenant.admin, "GET", f"/api/2.0/clients/{body['client_id']}")
    assert managed.json()["name"] == "Renamed app"
    assert managed.json()["scopes"] == ["openid"]

    refused = httpx.put(uri, json=web_metadata(scope="files:delete"), headers=_as(token))
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_client_metadata"
    public = httpx.put(
        uri, json=web_metadata(token_endpoint_auth_method="none"), headers=_as(token)
    )
    assert public.status_code == 400

    assert httpx.delete(uri, headers=_as(token)).status_code == 204
    assert httpx.get(uri, headers=_as(token)).status_code == 401
    managed = tenant.kit.manage(tenant.admin, "GET", f"/api/2.0/clients/{body['client_id']}")
    assert managed.status_code == 404


def test_another_token_or_none_reads_nothing(tenant: Tenant) -> None:
    tenant.set_policy("token")
    first = tenant.register(web_metadata(), tenant.initial_token()).json()
    second = tenant.register(web_metadata(), tenant.initial_token()).json()
    uri = first["registration_client_uri"]
    for headers in (_as(second["registration_access_token"]), {}, _as("x" * 40)):
        response = httpx.get(uri, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_token"
    # A client that does not exist answers like a wrong token.
    missing = httpx.get(
        f"{tenant.kit.base}/oauth2/register/00000000-0000-4000-8000-000000000000",
        headers=_as(first["registration_access_token"]),
    )
    assert missing.status_code == 401


def test_open_registration_takes_public_pkce_clients_within_limits(tenant: Tenant) -> None:
    tenant.set_policy("open", per_address_per_hour=2, max_clients=50)
    confidential = tenant.register(web_metadata())
    assert confidential.status_code == 400
    assert confidential.json()["error"] == "invalid_client_metadata"
    first = tenant.register(native_metadata())
    assert first.status_code == 201, first.text
    assert "client_secret" not in first.json()
    assert first.json()["token_endpoint_auth_method"] == "none"
    assert tenant.register(native_metadata()).status_code == 201
    third = tenant.register(native_metadata())
    assert third.status_code == 429
    assert third.headers["retry-after"]


def test_open_registration_stops_at_the_tenants_cap(tenant: Tenant) -> None:
    tenant.set_policy("open", max_clients=1)
    assert tenant.register(native_metadata()).status_code == 201
    capped = tenant.register(native_metadata())
    assert capped.status_code == 403
    assert capped.json()["error"] == "access_denied"
    # An admin's initial access token is not held to the open policy's limits.
    assert tenant.register(native_metadata(), tenant.initial_token()).status_code == 201


def test_a_token_for_one_tenant_does_not_register_in_another(tenant: Tenant, kit: Kit) -> None:
    tenant.set_policy("token")
    other = Tenant(portal_user(), kit)
    other.set_policy("token")
    response = other.register(web_metadata(), tenant.initial_token())
    assert response.status_code == 401


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _authorize(kit: Kit, client_id: str, redirect_uri: str, browser: httpx.Client) -> str:
    verifier, challenge = _pkce()
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid files:read",
        "state": "s1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    response = browser.get(f"/oauth2/authorize?{urlencode(query)}")
    assert response.status_code == 302, response.text
    page = browser.get(response.headers["location"])
    fields = [*hidden_fields(page.text), ("decision", "allow")]
    done = browser.post("/oauth2/authorize", data=form_data(fields), headers={"Origin": kit.base})
    assert done.status_code == 302, done.text
    location = done.headers["location"]
    assert location.startswith(redirect_uri), location
    code = parse_qs(urlsplit(location).query)["code"][0]
    token: dict[str, Any] = httpx.post(
        f"{kit.base}/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "code_verifier": verifier,
        },
    ).json()
    assert token.get("access_token"), token
    return str(token["access_token"])


def test_a_native_clients_loopback_redirect_matches_on_any_port(tenant: Tenant) -> None:
    tenant.set_policy("open")
    native = tenant.register(native_metadata()).json()
    user = portal_user(tenant.id, admin=False)
    with tenant.kit.browser(user) as browser:
        _authorize(tenant.kit, native["client_id"], "http://127.0.0.1:53127/callback", browser)
        # Only the port is free: another path is not the registered redirect.
        other_path = browser.get(
            "/oauth2/authorize?"
            + urlencode(
                {
                    "response_type": "code",
                    "client_id": native["client_id"],
                    "redirect_uri": "http://127.0.0.1:53127/elsewhere",
                }
            )
        )
        assert other_path.status_code == 400


def test_a_web_clients_loopback_redirect_still_matches_exactly(tenant: Tenant) -> None:
    tenant.set_policy("token")
    web = tenant.register(
        web_metadata(redirect_uris=["http://127.0.0.1:8765/callback"]), tenant.initial_token()
    ).json()
    user = portal_user(tenant.id, admin=False)
    with tenant.kit.browser(user) as browser:
        moved = browser.get(
            "/oauth2/authorize?"
            + urlencode(
                {
                    "response_type": "code",
                    "client_id": web["client_id"],
                    "redirect_uri": "http://127.0.0.1:9999/callback",
                }
            )
        )
    assert moved.status_code == 400
    assert "redirect_uri does not match" in moved.text


def test_only_admins_set_the_policy_and_issue_tokens(tenant: Tenant, kit: Kit) -> None:
    member = portal_user(tenant.id, admin=False)
    for method, path, body in (
        ("GET", "/policy", None),
        ("PUT", "/policy", {"mode": "open"}),
        ("POST", "/tokens", {"uses": 1}),
    ):
        response = kit.manage(member, method, f"/api/2.0/registration{path}", json=body)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")
    bad = tenant.api("PUT", "/policy", json={"mode": "sometimes"})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")


def test_an_admin_lists_and_withdraws_initial_access_tokens(tenant: Tenant) -> None:
    tenant.set_policy("token")
    token = tenant.initial_token(uses=5)
    listed = tenant.api("GET", "/tokens").json()
    assert [t["uses_left"] for t in listed] == [5]
    assert token not in str(listed)
    assert tenant.api("DELETE", f"/tokens/{listed[0]['id']}").status_code == 204
    assert tenant.register(web_metadata(), token).status_code == 401
    assert tenant.api("DELETE", f"/tokens/{listed[0]['id']}").status_code == 404


def test_an_initial_token_id_with_any_text_is_a_404_problem(tenant: Tenant) -> None:
    """NUL (which PostgreSQL refuses in text), non-ASCII, too long: no such token, 404."""
    for raw in ("a%00b", "%C3%A9", "x" * 300):
        response = tenant.api("DELETE", f"/tokens/{raw}")
        assert response.status_code == 404, (raw, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def test_numbers_of_the_policy_and_tokens_are_json_integers(tenant: Tenant) -> None:
    """What the document says is an integer is one: "5", 5.5 and true are refused (400), as
    the fuzzer's schema-violating examples expect, never read as numbers."""
    for value in ("5", 5.5, True):
        policy = tenant.api("PUT", "/policy", json={"mode": "open", "max_clients": value})
        issued = tenant.api("POST", "/tokens", json={"uses": value})
        for response in (policy, issued):
            assert response.status_code == 400, (value, response.status_code, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
