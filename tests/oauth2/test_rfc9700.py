"""The OAuth 2.0 Security BCP (RFC 9700) items that other files do not already prove.

docs/security.md maps every checklist item to its test; these are the ones that needed one
of their own: PKCE downgrade, `iss` on error responses too, no credentials from query
strings, and constant-time secret comparison.
"""

from __future__ import annotations

import ast
import inspect
import textwrap

import httpx

from docspace_oauth.oauth2 import client_auth
from docspace_oauth.security import hashing
from tests.factory import assert_authentication_required
from tests.oauth2.conftest import REDIRECT, Kit, portal_user, query_of


def _authorize(kit: Kit, browser: httpx.Client, app_id: str, **extra: str) -> httpx.Response:
    params = {
        "response_type": "code",
        "client_id": app_id,
        "redirect_uri": REDIRECT,
        "scope": "files:read",
        "state": "st",
        **extra,
    }
    return browser.get("/oauth2/authorize", params=params)


def test_pkce_downgrade_is_refused(kit: Kit) -> None:
    app = kit.register()
    user = portal_user(app.owner.tenant_id)
    # A code bound to a challenge cannot be redeemed without the verifier...
    code, _verifier = kit.code(app, user)
    without = kit.token_request(
        app, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
    )
    assert without.status_code == 400
    assert without.json()["error"] == "invalid_grant"
    # ...and `plain` is not a method this server accepts.
    with kit.browser(user) as browser:
        plain = _authorize(
            kit, browser, app.client_id, code_challenge="a" * 43, code_challenge_method="plain"
        )
    assert plain.status_code == 302
    answer = query_of(plain.headers["location"])
    assert answer["error"] == "invalid_request"
    assert "code" not in answer


def test_iss_is_in_every_authorization_response(kit: Kit) -> None:
    app = kit.register()
    user = portal_user(app.owner.tenant_id)
    with kit.oauth(app) as oauth, kit.browser(user) as browser:
        url, _state, _verifier = kit.start(oauth)
        success = query_of(kit.through_browser(browser, url))
        denied = _authorize(
            kit, browser, app.client_id, code_challenge_method="plain", code_challenge="a" * 43
        )
    assert success["iss"] == kit.base
    assert query_of(denied.headers["location"])["iss"] == kit.base


def test_credentials_are_never_taken_from_query_strings(kit: Kit) -> None:
    app = kit.register(grant_types=["client_credentials"], scopes=["files:read"])
    token = kit.token_request(app, grant_type="client_credentials").json()["access_token"]
    user = portal_user(app.owner.tenant_id)
    tokens = kit.tokens(kit.register(user), user)
    # RFC 6750 2.3 is not supported: an access token in the URL ends up in logs.
    in_query = httpx.get(
        f"{kit.base}/oauth2/userinfo", params={"access_token": tokens["access_token"]}
    )
    assert in_query.status_code == 401
    in_header = httpx.get(
        f"{kit.base}/oauth2/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert in_header.status_code == 200
    # Client credentials in the query string are not client authentication.
    query_secret = httpx.post(
        f"{kit.base}/oauth2/token",
        params={"client_id": app.client_id, "client_secret": app.secret},
        data={"grant_type": "client_credentials"},
    )
    assert query_secret.status_code == 401
    introspect = httpx.post(
        f"{kit.base}/oauth2/introspect",
        params={"client_id": app.client_id, "client_secret": app.secret, "token": token},
    )
    assert introspect.status_code in {400, 401}
    # Nor are API keys or portal signatures on the management API (where DocSpace answers a
    # caller without credentials 403).
    key = kit.live.keys["admin"]
    assert_authentication_required(
        httpx.get(f"{kit.base}/api/2.0/clients", params={"asc_auth_key": key})
    )
    assert_authentication_required(
        httpx.get(
            f"{kit.base}/api/2.0/clients", params={"x-signature": user.headers["x-signature"]}
        )
    )


def _calls(function: object) -> set[str]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))  # type: ignore[arg-type]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            target = node.func
            names.add(
                target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            )
    return names


def _compares_with_eq(function: object) -> bool:
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))  # type: ignore[arg-type]
    return any(
        isinstance(op, ast.Eq | ast.NotEq)
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        for op in node.ops
    )


def test_secret_comparisons_are_constant_time() -> None:
    """Structural, not timed: every secret check goes through hmac.compare_digest (keyed hashes
    through same_secret, which compares the UTF-8 bytes so that any text a request carries is
    comparable), and the client check compares against both the current and the previous
    hash whichever matches."""
    assert "compare_digest" in _calls(hashing.same_secret)
    assert not _compares_with_eq(hashing.same_secret)
    assert "same_secret" in _calls(hashing.keyed_hash_matches)
    assert not _compares_with_eq(hashing.keyed_hash_matches)
    assert "compare_digest" in _calls(hashing.verify_password)
    secret_check = client_auth._secret_matches
    assert "keyed_hash_matches" in _calls(secret_check)
    source = inspect.getsource(secret_check)
    assert source.count("keyed_hash_matches(") == 2
    assert not _compares_with_eq(secret_check)
    # Behaviour: right, wrong, and no stored secret.
    key = b"k" * 32
    stored = hashing.keyed_hash(key, "s3cret")
    assert hashing.keyed_hash_matches(key, "s3cret", stored)
    assert not hashing.keyed_hash_matches(key, "s3creT", stored)
    assert not hashing.keyed_hash_matches(key, "s3cret", None)
