"""Helpers for the ports of ONLYOFFICE's TypeScript Playwright suite (DocSpace-api-tests,
`src/tests/oauth2.0/**/*.spec.ts`, helpers in `src/helpers/oauth.ts`).

How the TS suite's callers map onto `portal` members:

- `apiSdk.forRole("owner")` -> `portal.member("owner")`; `docSpaceAdmin` -> `"admin"`
  (both is_admin); `roomAdmin` and `user` -> `"user"`; `guest` -> `"guest"`.
- `getSignature(api)` (a fresh portal-minted x-signature) -> `member.http()`, which mints a
  fresh signature for the same user and sends it as header and cookie.
- `apiSdk.forAnonymous()` -> the `anonymous` fixture: no credentials at all.
- A TS call made through `forRole(...)` *without* `{ headers: { "x-signature": ... } }` carries
  only the caller's DocSpace bearer token, which the identity service does not read: to the
  identity API it presents no credential. `unsigned()` is that call here (an opaque bearer
  token that is none of this server's API keys, and no x-signature).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.conftest import LiveServer
from tests.docspace_contract.conftest import OAUTH_LOGO, PortalMember, new_client_request

LOGO = OAUTH_LOGO
ZERO_ID = "00000000-0000-0000-0000-000000000000"

# The scopes clientManagement.spec.ts registers (every scope of the catalogue).
ALL_SCOPES = [
    "accounts.self:read",
    "accounts.self:write",
    "accounts:read",
    "accounts:write",
    "rooms:read",
    "rooms:write",
    "files:read",
    "files:write",
    "openid",
]

# The role names of the TS suite, as portal members.
ROLE = {
    "owner": "owner",
    "docSpaceAdmin": "admin",
    "roomAdmin": "user",
    "user": "user",
    "guest": "guest",
}


def _base(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "redirect_uris": ["https://example.com/callback"],
        "allowed_origins": ["https://example.com"],
        "logo": LOGO,
        "website_url": "https://example.com",
        "terms_url": "https://example.com/terms",
        "policy_url": "https://example.com/policy",
        "logout_redirect_uri": "https://example.com/logout",
    }
    body.update(overrides)
    return body


def management_full_request(**overrides: Any) -> dict[str, Any]:
    """clientManagement.spec.ts's `fullClientRequest` (public, PKCE, every scope)."""
    return _base(is_public=True, allow_pkce=True, scopes=list(ALL_SCOPES), **overrides)


def permissions_full_request(**overrides: Any) -> dict[str, Any]:
    """clientManagement.permissions.spec.ts's `fullClientRequest`."""
    return _base(scopes=["openid", "files:read"], **overrides)


def unsigned(server: LiveServer) -> httpx.Client:
    """A TS `forRole(...)` call that attaches no x-signature. It carries what `forRole` always
    sends, the member's DocSpace session token as a bearer (`Authorization: Bearer <token>`),
    which is no credential of the identity API: it must be refused like no credential at all.
    """
    docspace_session_token = secrets.token_urlsafe(48)  # opaque to this server
    return httpx.Client(
        base_url=server.url,
        headers={"Authorization": f"Bearer {docspace_session_token}"},
        timeout=30,
    )


def create(member: PortalMember, body: dict[str, Any]) -> dict[str, Any]:
    """`api.clientManagement.createClient(...)` with a fresh signature; must succeed."""
    with member.http() as http:
        response = http.post("/api/2.0/clients", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def create_oauth_client(member: PortalMember, name: str = "Autotest OAuth Client") -> str:
    """src/helpers/oauth.ts `createOAuthClient`: returns the new client's id."""
    return str(create(member, new_client_request(name))["client_id"])


def call(member: PortalMember, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One call as the member, with a freshly minted signature (TS: `getSignature` each time)."""
    with member.http() as http:
        return http.request(method, path, **kwargs)


def page_ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["client_id"] for item in response.json()["data"]]


def errors_of(response: httpx.Response) -> list[dict[str, Any]]:
    """The `errors` of an RFC 9457 problem document."""
    assert response.headers.get("content-type", "").startswith("application/problem+json"), (
        response.headers.get("content-type"),
        response.text,
    )
    problem: dict[str, Any] = response.json()
    assert problem.get("status") == response.status_code, response.text
    errors: list[dict[str, Any]] = problem.get("errors") or []
    return errors


def assert_error(
    response: httpx.Response, field: str, code: str | None = None, message: str | None = None
) -> None:
    """`expect(data.errors).toEqual(arrayContaining([objectContaining({field, code, message})]))`"""
    assert response.status_code == 400, response.text
    wanted = {"field": field}
    if code is not None:
        wanted["code"] = code
    if message is not None:
        wanted["message"] = message
    errors = errors_of(response)
    assert any(all(e.get(k) == v for k, v in wanted.items()) for e in errors), (wanted, errors)


# The authorization code flow, driven as a signed-in portal member's browser would.

REDIRECT = "https://example.com/callback"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def browser(member: PortalMember) -> httpx.Client:
    """The member at the browser: our /oauth2/authorize takes the x-signature header as the
    signed-in user (DocSpace's own login pages are not part of this server)."""
    return httpx.Client(
        base_url=member.server.url, headers={"x-signature": member.signature}, timeout=30
    )


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def authorize(
    member: PortalMember, client_id: str, *, scope: str = "accounts.self:read"
) -> tuple[httpx.Response, str, str]:
    """GET /oauth2/authorize (authorizeOAuth): (first answer, state, code_verifier)."""
    verifier, challenge = pkce()
    state = secrets.token_urlsafe(16)
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    with browser(member) as http:
        response = http.get("/oauth2/authorize", params=params)
    return response, state, verifier


def submit_consent(
    member: PortalMember, consent_location: str, *, decision: str = "allow"
) -> httpx.Response:
    """The consent screen, then its form posted to POST /oauth2/authorize (submitConsent)."""
    with browser(member) as http:
        page = http.get(consent_location)
        assert page.status_code == 200, page.text
        fields: dict[str, list[str]] = {}
        for name, value in _HIDDEN.findall(page.text):
            fields.setdefault(name, []).append(html.unescape(value))
        fields["decision"] = [decision]
        return http.post("/oauth2/authorize", data=fields, headers={"Origin": member.server.url})


def code_for(
    member: PortalMember, client_id: str, *, scope: str = "accounts.self:read"
) -> tuple[str, str, str]:
    """The whole browser part of the flow with consent allowed: (code, state, verifier)."""
    response, state, verifier = authorize(member, client_id, scope=scope)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    if not location.startswith(REDIRECT):
        response = submit_consent(member, location)
        assert response.status_code == 302, response.text
        location = response.headers["location"]
    assert location.startswith(REDIRECT), location
    params = query_of(location)
    assert params.get("state") == state, location
    assert "code" in params, location
    return params["code"], state, verifier


def exchange_token(
    server: LiveServer, client_id: str, client_secret: str, **form: str
) -> httpx.Response:
    """POST /oauth2/token (exchangeToken), authenticating as DocSpace's clients do
    (client_secret_post)."""
    data = {"client_id": client_id, "client_secret": client_secret, **form}
    return httpx.post(f"{server.url}/oauth2/token", data=data, timeout=30)
