"""Client ID metadata documents end to end: an agent whose client_id is the URL of its
metadata document signs a person in with PKCE, on a server of its own (the loopback test
setting, a 1-second cache floor), against a document server on 127.0.0.1."""

from __future__ import annotations

import secrets
import time
import uuid
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from tests.cimd.conftest import DocumentServer, document
from tests.conftest import LiveServer, start_server
from tests.oauth2.conftest import REDIRECT, SCOPE, Actor, Kit, portal_user, query_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import OAuth2Client

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def cimd(live_server: LiveServer, document_cert: tuple[Path, Path]) -> Iterator[Kit]:
    """Its own server on the live server's database (so its own issuer), fetching from
    loopback as only tests may, and trusting the https document server's certificate."""
    server = start_server(
        live_server.database_url,
        DOCSPACE_OAUTH_CLIENT_METADATA_CA_FILE=str(document_cert[0]),
        DOCSPACE_OAUTH_CLIENT_METADATA_ALLOW_LOOPBACK="true",
        DOCSPACE_OAUTH_CLIENT_METADATA_MIN_TTL_SECONDS="1",
        DOCSPACE_OAUTH_CLIENT_METADATA_TIMEOUT_SECONDS="1",
    )
    try:
        yield Kit(LiveServer(server.url, server.env, "", live_server.database_url))
    finally:
        server.stop()


ADMIN = portal_user(1)


def _policy(kit: Kit, **body: Any) -> dict[str, Any]:
    method = "PUT" if body else "GET"
    response = kit.manage(ADMIN, method, "/api/2.0/registration/policy", json=body or None)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.fixture
def open_tenant(cimd: Kit) -> Iterator[Kit]:
    """Tenant 1 (where documents' clients live) open for the test, as it was afterwards."""
    before = _policy(cimd)
    _policy(cimd, mode="open")
    try:
        yield cimd
    finally:
        _policy(cimd, **{k: before[k] for k in ("mode", "max_clients", "per_address_per_hour")})


def _path() -> str:
    return f"/agents/{secrets.token_hex(5)}/client.json"


def _agent(url: str) -> OAuth2Client:
    return OAuth2Client(
        client_id=url,
        scope=SCOPE,
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
        timeout=30,
    )


def _sign_in(kit: Kit, url: str, actor: Actor) -> dict[str, Any]:
    with _agent(url) as agent, kit.browser(actor) as browser:
        start, state, verifier = kit.start(agent, nonce="n-1")
        callback = kit.through_browser(browser, start)
        assert "code" in query_of(callback), callback
        token = agent.fetch_token(
            f"{kit.base}/oauth2/token",
            authorization_response=callback,
            state=state,
            code_verifier=verifier,
        )
    return dict(token)


def _authorize(kit: Kit, client_id: str, actor: Actor | None = None) -> httpx.Response:
    with _agent(client_id) as agent, kit.browser(actor or portal_user(1)) as browser:
        start, _, _ = kit.start(agent)
        return browser.get(start)


def _derived(url: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, url))


def _managed(kit: Kit, url: str) -> dict[str, Any]:
    """The client as an admin sees it in /api/2.0/clients."""
    response = kit.manage(ADMIN, "GET", f"/api/2.0/clients/{_derived(url)}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_discovery_advertises_metadata_documents(cimd: Kit) -> None:
    for path in ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"):
        meta = httpx.get(f"{cimd.base}{path}").json()
        assert meta["client_id_metadata_document_supported"] is True


def test_an_agent_signs_in_by_its_document(open_tenant: Kit, documents: DocumentServer) -> None:
    kit = open_tenant
    path = _path()
    name = f"Agent {path}"
    url = documents.serve(
        path,
        document(documents.url(path), client_name=name),
        headers={"Cache-Control": "max-age=3600"},
    )
    person = portal_user(1, admin=False)
    token = _sign_in(kit, url, person)
    # The relying party checks aud against the client_id it sent: its URL.
    id_claims = kit.verify(token["id_token"], audience=url)
    assert id_claims["azp"] == url and id_claims["nonce"] == "n-1"
    audience = jwt.decode(token["access_token"], options={"verify_signature": False})["aud"]
    access = kit.verify(token["access_token"], audience=audience)
    assert access["client_id"] == url
    # A resource server of the tenant introspects: the client is named as it names itself.
    server = kit.register(portal_user(1))
    introspected = kit.introspect(token["access_token"], by=server)
    assert introspected["active"] is True and introspected["client_id"] == url
    assert kit.introspect(token["refresh_token"], by=server)["client_id"] == url
    refreshed = httpx.post(
        f"{kit.base}/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": url,
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    assert kit.verify(refreshed.json()["id_token"], audience=url)["aud"] == url
    # One fetch for the authorization, the code and the refresh: the document was fresh.
    assert documents.hits[path] == 1
    listed = _managed(kit, url)
    assert listed["name"] == name and listed["registration"] == "metadata"
    assert listed["client_id_metadata_document"] == url
    console = kit.manage(ADMIN, "GET", f"/console/clients/{_derived(url)}")
    assert console.status_code == 200, console.text
    assert "Metadata document" in console.text and url in console.text
    assert listed["allow_pkce"] is True and listed["redirect_uris"] == [REDIRECT]


def test_an_https_document_as_the_mcp_sdk_sends_it(
    open_tenant: Kit, tls_documents: DocumentServer
) -> None:
    path = _path()
    url = tls_documents.serve(path, document(tls_documents.url(path)))
    assert url.startswith("https://localhost:")
    token = _sign_in(open_tenant, url, portal_user(1, admin=False))
    assert open_tenant.verify(token["id_token"], audience=url)["azp"] == url
    assert tls_documents.hits[path] == 1


def test_the_derived_id_is_not_a_client_id(open_tenant: Kit, documents: DocumentServer) -> None:
    path = _path()
    url = documents.serve(path, document(documents.url(path)))
    assert _authorize(open_tenant, url).status_code == 302
    derived = _derived(url)
    page = _authorize(open_tenant, derived)
    assert page.status_code == 400 and "not registered" in page.text
    token = httpx.post(
        f"{open_tenant.base}/oauth2/token",
        data={"grant_type": "authorization_code", "code": "x", "client_id": derived},
    )
    assert token.status_code == 401 and token.json()["error"] == "invalid_client"


def test_concurrent_first_uses_make_one_client(open_tenant: Kit, documents: DocumentServer) -> None:
    path = _path()
    url = documents.serve(path, document(documents.url(path)), delay=0.3)
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: _authorize(open_tenant, url).status_code, range(6)))
    assert answers == [302] * 6
    assert _managed(open_tenant, url)["registration"] == "metadata"


def test_an_expired_document_is_fetched_again(open_tenant: Kit, documents: DocumentServer) -> None:
    path = _path()
    url = documents.url(path)
    documents.serve(
        path, document(url, client_name="First name"), headers={"Cache-Control": "max-age=1"}
    )
    assert _authorize(open_tenant, url).status_code == 302
    assert _authorize(open_tenant, url).status_code == 302
    assert documents.hits[path] == 1
    documents.serve(
        path, document(url, client_name=f"Renamed {path}"), headers={"Cache-Control": "max-age=1"}
    )
    time.sleep(1.2)
    assert _authorize(open_tenant, url).status_code == 302
    assert documents.hits[path] == 2
    assert _managed(open_tenant, url)["name"] == f"Renamed {path}"
    # A document that is gone now refuses the client: no stale copy is served.
    documents.serve(path, b"gone", status=404)
    time.sleep(1.2)
    page = _authorize(open_tenant, url)
    assert page.status_code == 400 and "HTTP 404" in page.text


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"client_id": "https://elsewhere.example/client.json"}, "must equal the URL"),
        ({"client_secret": "s3cret"}, "must not contain a client secret"),
        ({"token_endpoint_auth_method": "client_secret_basic"}, "must be public"),
        ({"token_endpoint_auth_method": "private_key_jwt"}, "private_key_jwt is not supported"),
        ({"redirect_uris": ["javascript:alert(1)"]}, "redirect_uris"),
        ({"grant_types": ["client_credentials"]}, "grant_types"),
        ({"jwks_uri": "https://agent.example.com/jwks"}, "jwks_uri is not supported"),
    ],
)
def test_documents_we_cannot_honour_are_refused(
    open_tenant: Kit, documents: DocumentServer, change: dict[str, Any], reason: str
) -> None:
    path = _path()
    url = documents.serve(path, document(documents.url(path)) | change)
    page = _authorize(open_tenant, url)
    assert page.status_code == 400, page.text
    assert reason in page.text.replace("&#39;", "'")
    token = httpx.post(
        f"{open_tenant.base}/oauth2/token",
        data={"grant_type": "authorization_code", "code": "x", "client_id": url},
    )
    assert token.status_code == 401
    assert token.json()["error"] == "invalid_client"
    assert reason in token.json()["error_description"]


def test_a_closed_tenant_fetches_nothing(cimd: Kit, documents: DocumentServer) -> None:
    assert _policy(cimd)["mode"] != "open"
    path = _path()
    url = documents.serve(path, document(documents.url(path)))
    page = _authorize(cimd, url)
    assert page.status_code == 400 and "registration is not open" in page.text
    assert documents.hits[path] == 0


def test_an_admin_deactivates_and_deletes(open_tenant: Kit, documents: DocumentServer) -> None:
    kit = open_tenant
    path = _path()
    url = documents.serve(
        path, document(documents.url(path)), headers={"Cache-Control": "max-age=1"}
    )
    person = portal_user(1, admin=False)
    _sign_in(kit, url, person)
    derived = _derived(url)
    off = kit.manage(
        ADMIN, "PATCH", f"/api/2.0/clients/{derived}/activation", json={"status": False}
    )
    assert off.status_code == 200, off.text
    time.sleep(1.2)  # the document is fetched again, and still served: the client stays off
    refused = _authorize(kit, url, person)
    assert refused.status_code == 302
    assert query_of(refused.headers["location"])["error"] == "unauthorized_client"
    assert documents.hits[path] == 2
    gone = kit.manage(ADMIN, "DELETE", f"/api/2.0/clients/{derived}")
    assert gone.status_code == 200, gone.text
    # Deleted: the next use fetches the document and the client is back, as a new one.
    _sign_in(kit, url, person)
    assert documents.hits[path] == 3
    again = kit.manage(ADMIN, "GET", f"/api/2.0/clients/{derived}")
    assert again.status_code == 200 and again.json()["enabled"] is True
