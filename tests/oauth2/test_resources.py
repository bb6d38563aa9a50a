"""Resource indicators (RFC 8707) and protected-resource metadata (RFC 9728), over HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.oauth2.conftest import App, Kit, query_of

SCOPE = "openid files:read"


def _resource(kit: Kit, app: App, **overrides: Any) -> dict[str, Any]:
    body = {
        "url": f"https://mcp-{uuid.uuid4().hex[:8]}.example.com/mcp",
        "name": "Files MCP server",
        "scopes": ["files:read", "rooms:read"],
        **overrides,
    }
    response = kit.manage(app.owner, "POST", "/api/2.0/resources", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _tokens(kit: Kit, app: App, target: str, **token_params: str) -> dict[str, Any]:
    with kit.oauth(app, scope=SCOPE) as oauth, kit.browser(app.owner) as browser:
        url, state, verifier = kit.start(oauth, resource=target)
        callback = kit.through_browser(browser, url)
        return dict(
            oauth.fetch_token(
                f"{kit.base}/oauth2/token",
                authorization_response=callback,
                state=state,
                code_verifier=verifier,
                **token_params,
            )
        )


def test_a_resource_binds_the_tokens_audience_through_refresh(kit: Kit) -> None:
    app = kit.register()
    resource = _resource(kit, app)
    tokens = _tokens(kit, app, resource["url"], resource=resource["url"])
    claims = kit.verify(tokens["access_token"], audience=resource["url"])
    assert claims["aud"] == resource["url"]
    seen = kit.introspect(tokens["access_token"], app)
    assert seen["active"] is True and seen["resource"] == resource["url"]
    assert seen["aud"] == resource["url"]

    refreshed = kit.refresh(app, tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert kit.verify(refreshed.json()["access_token"], audience=resource["url"])
    again = kit.token_request(
        app,
        grant_type="refresh_token",
        refresh_token=refreshed.json()["refresh_token"],
        resource=resource["url"],
    )
    assert again.status_code == 200, again.text
    assert kit.verify(again.json()["access_token"], audience=resource["url"])


def test_a_refresh_never_widens_to_another_resource(kit: Kit) -> None:
    app = kit.register()
    mine, other = _resource(kit, app), _resource(kit, app)
    for target in (other["url"], app.owner.tenant_url, "https://unknown.example.com/"):
        # A fresh grant each time: a refused refresh token stays spent, as for any refusal.
        tokens = _tokens(kit, app, mine["url"])
        refused = kit.token_request(
            app, grant_type="refresh_token", refresh_token=tokens["refresh_token"], resource=target
        )
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"] == "invalid_target"


def test_a_tenant_wide_grant_cannot_be_turned_into_a_resources(kit: Kit) -> None:
    app = kit.register()
    resource = _resource(kit, app)
    tokens = kit.tokens(app, app.owner)
    assert "resource" not in kit.introspect(tokens["access_token"], app)
    refused = kit.token_request(
        app,
        grant_type="refresh_token",
        refresh_token=tokens["refresh_token"],
        resource=resource["url"],
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_target"


def test_the_code_exchange_may_only_repeat_the_resource(kit: Kit) -> None:
    app = kit.register()
    mine, other = _resource(kit, app), _resource(kit, app)
    with kit.oauth(app, scope=SCOPE) as oauth, kit.browser(app.owner) as browser:
        url, _, verifier = kit.start(oauth, resource=mine["url"])
        code = query_of(kit.through_browser(browser, url))["code"]
    refused = kit.token_request(
        app,
        grant_type="authorization_code",
        code=code,
        redirect_uri="https://app.example.com/callback",
        code_verifier=verifier,
        resource=other["url"],
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_target"


def test_unknown_resources_and_scopes_beyond_one_are_refused_at_authorize(kit: Kit) -> None:
    app = kit.register(scopes=["openid", "files:read", "files:write"])
    resource = _resource(kit, app)
    cases = (
        ("https://not-registered.example.com/", SCOPE, "invalid_target"),
        (resource["url"], "openid files:write", "invalid_scope"),
    )
    for target, scope, error in cases:
        with kit.oauth(app, scope=scope) as oauth, kit.browser(app.owner) as browser:
            url, _, _ = kit.start(oauth, resource=target)
            answer = browser.get(url)
        assert answer.status_code == 302
        assert query_of(answer.headers["location"])["error"] == error


def test_introspection_must_name_a_resource_that_requires_it(kit: Kit) -> None:
    app = kit.register()
    resource = _resource(kit, app, introspection_requires_resource=True)
    tokens = _tokens(kit, app, resource["url"])
    assert kit.introspect(tokens["access_token"], app) == {"active": False}
    named = httpx.post(
        f"{kit.base}/oauth2/introspect",
        data={"token": tokens["access_token"], "resource": resource["url"]},
        auth=(app.client_id, app.secret),
    ).json()
    assert named["active"] is True and named["resource"] == resource["url"]


def test_registered_resources_publish_protected_resource_metadata(kit: Kit) -> None:
    app = kit.register()
    resource = _resource(kit, app)
    assert resource["metadata_url"] == f"{kit.base}/oauth2/resources/{resource['id']}/metadata"
    meta = httpx.get(resource["metadata_url"]).json()
    assert meta == {
        "resource": resource["url"],
        "authorization_servers": [kit.base],
        "scopes_supported": ["files:read", "rooms:read"],
        "bearer_methods_supported": ["header"],
        "resource_name": "Files MCP server",
    }
    assert httpx.get(f"{kit.base}/oauth2/resources/nope/metadata").status_code == 404


def test_only_admins_register_resources_and_urls_are_unique(kit: Kit) -> None:
    app = kit.register()
    resource = _resource(kit, app)
    duplicate = kit.manage(
        app.owner,
        "POST",
        "/api/2.0/resources",
        json={"url": resource["url"], "name": "Again", "scopes": ["files:read"]},
    )
    assert duplicate.status_code == 409
    assert duplicate.headers["content-type"].startswith("application/problem+json")
    fragment = kit.manage(
        app.owner,
        "POST",
        "/api/2.0/resources",
        json={"url": "https://x.example.com/#f", "name": "Frag", "scopes": ["files:read"]},
    )
    assert fragment.status_code == 400
    listed = kit.manage(app.owner, "GET", "/api/2.0/resources").json()
    assert [r["url"] for r in listed] == [resource["url"]]
    deleted = kit.manage(app.owner, "DELETE", f"/api/2.0/resources/{resource['id']}")
    assert deleted.status_code == 204


def test_removing_a_resource_ends_its_grants(kit: Kit) -> None:
    app = kit.register()
    resource = _resource(kit, app)
    tokens = _tokens(kit, app, resource["url"])
    removed = kit.manage(app.owner, "DELETE", f"/api/2.0/resources/{resource['id']}")
    assert removed.status_code == 204
    assert kit.introspect(tokens["access_token"], app) == {"active": False}
    refused = kit.refresh(app, tokens["refresh_token"])
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


def test_a_resource_id_with_any_text_is_a_404_problem(kit: Kit) -> None:
    """What the fuzzer sends as an id (NUL, which PostgreSQL refuses in text; non-ASCII;
    far too long) is no resource: a 404 problem, never a database error."""
    app = kit.register()
    for raw in ("a%00b", "%C3%A9", "x" * 300, str(uuid.uuid4())):
        public = httpx.get(f"{kit.base}/oauth2/resources/{raw}/metadata", timeout=30)
        removed = kit.manage(app.owner, "DELETE", f"/api/2.0/resources/{raw}")
        for response in (public, removed):
            assert response.status_code == 404, (raw, response.status_code, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
