"""Port of DocSpace-api-tests `src/tests/oauth2.0/authorization/authorization.spec.ts`.

The TS file holds no `test(...)`: only three comments, each explaining why one operation
"cannot be tested automatically" against DocSpace (its login and consent pages need a
browser). Here the flow can be driven over HTTP (the portal member's x-signature header is the
signed-in user at /oauth2/authorize; DocSpace's login pages are the only step replaced), so
each comment becomes the tests it says are missing, named after the operation and quoted in
the docstring. Two more come from the comments in clientManagement.permissions.spec.ts and
clientQuerying.spec.ts that defer the consent-dependent cases of revoke and of the consent
list to this file.
"""

from __future__ import annotations

import secrets
from typing import Any

from tests.docspace_contract._ts_support import (
    REDIRECT,
    authorize,
    browser,
    call,
    code_for,
    create,
    exchange_token,
    query_of,
    submit_consent,
)
from tests.docspace_contract.conftest import Portal, PortalMember, new_client_request


def _app(portal: Portal) -> tuple[PortalMember, dict[str, Any]]:
    """A client registered by the portal's owner (OAuth2TestBase's request body)."""
    owner = portal.member("owner")
    return owner, create(owner, new_client_request("Autotest Authorization Client"))


def test_authorize_oauth_responds_with_a_redirect_not_json(portal: Portal) -> None:
    """GET /oauth2/authorize (authorizeOAuth): "the flow requires a registered OAuth client
    (valid client_id) and browser interaction (user consent screen). The endpoint responds
    with an HTTP redirect (302), not JSON." """
    _, app = _app(portal)
    response, state, _ = authorize(portal.member("user"), app["client_id"])
    assert response.status_code == 302, response.text
    assert "application/json" not in response.headers.get("content-type", "")
    # No consent yet: the browser is sent to the user consent screen.
    location = response.headers["location"]
    assert location.startswith(f"{portal.server.url}/oauth2/consent?"), location
    assert query_of(location).get("client_id") == app["client_id"]


def test_submit_consent_allow_redirects_back_with_a_code(portal: Portal) -> None:
    """POST /oauth2/authorize (submitConsent): "processes the user consent form submitted from
    the browser (Deny/Allow screen)" -- Allow."""
    _, app = _app(portal)
    user = portal.member("user")
    response, state, _ = authorize(user, app["client_id"])
    assert response.status_code == 302, response.text
    submitted = submit_consent(user, response.headers["location"], decision="allow")
    assert submitted.status_code == 302, submitted.text
    location = submitted.headers["location"]
    assert location.startswith(REDIRECT + "?"), location
    params = query_of(location)
    assert params["code"]
    assert params["state"] == state


def test_submit_consent_deny_redirects_back_with_access_denied(portal: Portal) -> None:
    """POST /oauth2/authorize (submitConsent): "processes the user consent form submitted from
    the browser (Deny/Allow screen)" -- Deny."""
    _, app = _app(portal)
    user = portal.member("user")
    response, state, _ = authorize(user, app["client_id"])
    assert response.status_code == 302, response.text
    submitted = submit_consent(user, response.headers["location"], decision="deny")
    assert submitted.status_code == 302, submitted.text
    location = submitted.headers["location"]
    assert location.startswith(REDIRECT + "?"), location
    params = query_of(location)
    assert params["error"] == "access_denied"
    assert params["state"] == state
    assert "code" not in params


def test_submit_consent_requires_the_session_state_of_an_authorize_flow(portal: Portal) -> None:
    """POST /oauth2/authorize (submitConsent): "requires a valid session state token generated
    by the authorizeOAuth browser flow." """
    _, app = _app(portal)
    user = portal.member("user")
    with browser(user) as http:
        response = http.post(
            "/oauth2/authorize",
            data={
                "client_id": app["client_id"],
                "state": secrets.token_urlsafe(16),
                "scope": "accounts.self:read",
            },
            headers={"Origin": portal.server.url},
        )
    # Refused with an error page for the person: never a redirect carrying a code.
    assert 400 <= response.status_code < 500, response.text
    assert "location" not in response.headers


def test_exchange_token_with_a_live_authorization_code(portal: Portal) -> None:
    """POST /oauth2/token (exchangeToken): "requires a valid one-time authorization code
    produced by the authorizeOAuth browser flow." """
    _, app = _app(portal)
    code, _, verifier = code_for(portal.member("user"), app["client_id"])
    response = exchange_token(
        portal.server,
        app["client_id"],
        app["client_secret"],
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
    )
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["access_token"]
    assert tokens["token_type"].lower() == "bearer"
    assert isinstance(tokens["expires_in"], int) and tokens["expires_in"] > 0
    assert tokens["refresh_token"]
    assert tokens["scope"].split() == ["accounts.self:read"]
    # One-time: the same code is refused the second time.
    again = exchange_token(
        portal.server,
        app["client_id"],
        app["client_secret"],
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
    )
    assert again.status_code == 400, again.text
    assert again.json()["error"] == "invalid_grant"


def test_exchange_token_without_a_live_code_is_rejected(portal: Portal) -> None:
    """POST /oauth2/token (exchangeToken): "Without a live code the server rejects the request
    immediately." """
    _, app = _app(portal)
    response = exchange_token(
        portal.server,
        app["client_id"],
        app["client_secret"],
        grant_type="authorization_code",
        code=secrets.token_urlsafe(32),
        redirect_uri=REDIRECT,
        code_verifier=secrets.token_urlsafe(48),
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"] == "invalid_grant"


def test_get_consents_lists_a_consent_given_through_the_flow(portal: Portal) -> None:
    """clientQuerying.spec.ts: "GET /api/2.0/clients/consents returns the list of OAuth2
    consents granted by the current user ... Full testing requires a live consent obtained via
    the authorization code flow" """
    _, app = _app(portal)
    user = portal.member("user")
    code_for(user, app["client_id"])
    response = call(user, "GET", "/api/2.0/clients/consents", params={"limit": 50})
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["limit"] == 50
    [consent] = page["data"]
    assert consent["registered_client_id"] == app["client_id"]
    assert consent["scopes"] == "accounts.self:read"
    assert consent["modified_at"]
    assert consent["client"]["client_id"] == app["client_id"]
    assert consent["client"]["name"] == "Autotest Authorization Client"
    assert "client_secret" not in consent["client"]


def test_revoke_user_client_with_a_prior_consent(portal: Portal) -> None:
    """clientManagement.permissions.spec.ts: "Full testing of DELETE
    /api/2.0/clients/{clientId}/revoke requires an active OAuth2 consent obtained through the
    authorization code flow" """
    _, app = _app(portal)
    user = portal.member("user")
    code, _, verifier = code_for(user, app["client_id"])
    tokens = exchange_token(
        portal.server,
        app["client_id"],
        app["client_secret"],
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
    )
    assert tokens.status_code == 200, tokens.text

    response = call(user, "DELETE", f"/api/2.0/clients/{app['client_id']}/revoke")
    assert response.status_code == 200, response.text

    consents = call(user, "GET", "/api/2.0/clients/consents", params={"limit": 50})
    assert consents.status_code == 200, consents.text
    assert consents.json()["data"] == []
    # The seed: the user's tokens for the client die with the consent.
    refreshed = exchange_token(
        portal.server,
        app["client_id"],
        app["client_secret"],
        grant_type="refresh_token",
        refresh_token=tokens.json()["refresh_token"],
    )
    assert refreshed.status_code == 400, refreshed.text
    assert refreshed.json()["error"] == "invalid_grant"
    # And the next authorization asks for consent again.
    again, _, _ = authorize(user, app["client_id"])
    assert again.status_code == 302, again.text
    assert again.headers["location"].startswith(f"{portal.server.url}/oauth2/consent?")
