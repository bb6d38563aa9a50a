"""Port of ClientManagement/CreateClientPermissionsTests.cs (DocSpace-server, Tests/08_OAuth2).

POST /api/2.0/clients: callers without an identity signature are refused, and a client that
fails field validation comes back as a 400 with a matching `errors` entry.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.docspace_contract._cs_support import (
    assert_problem,
    assert_validation_error,
    valid_create_client_request,
)
from tests.docspace_contract.conftest import Portal


def test_create_client_anonymous_throws_forbidden(anonymous: httpx.Client) -> None:
    response = anonymous.post("/api/2.0/clients", json=valid_create_client_request())

    assert_problem(response, 403)


def test_create_client_guest_throws_forbidden(portal: Portal, anonymous: httpx.Client) -> None:
    # The C# case signs the guest in on Web.Api only and strips the identity signature
    # (ApplySignature(null)), so the identity call it makes carries no credentials.
    response = anonymous.post("/api/2.0/clients", json=valid_create_client_request())
    assert_problem(response, 403)

    # The same call with the guest's own signature: refused too (the contract's role table).
    with portal.member("guest").http() as http:
        response = http.post("/api/2.0/clients", json=valid_create_client_request())
    assert_problem(response, 403)


def _create_as_owner(portal: Portal, **overrides: Any) -> httpx.Response:
    """`await ApplySignatureAsync()` then create ValidCreateClientRequest(...overrides)."""
    body = valid_create_client_request(**overrides)
    with portal.member("owner").http() as http:
        return http.post("/api/2.0/clients", json=body)


def test_create_client_name_exceeds_256_characters_throws_validation_error(
    portal: Portal,
) -> None:
    response = _create_as_owner(portal, name="a" * 257)

    assert_validation_error(
        response,
        "name",
        "ErrorName",
        "client name length is expected to be between 3 and 256 characters",
    )


def test_create_client_name_shorter_than_3_characters_throws_validation_error(
    portal: Portal,
) -> None:
    response = _create_as_owner(portal, name="ab")

    assert_validation_error(
        response,
        "name",
        "ErrorName",
        "client name length is expected to be between 3 and 256 characters",
    )


def test_create_client_without_scopes_throws_validation_error(portal: Portal) -> None:
    response = _create_as_owner(portal, scopes=[])

    assert_validation_error(response, "scopes", "EmptyFieldError", "scopes field can not be empty")


def test_create_client_invalid_redirect_uri_throws_validation_error(portal: Portal) -> None:
    response = _create_as_owner(portal, redirect_uris=["not-a-url"])

    assert_validation_error(
        response, "redirect_uris", "ErrorWrongURL", "url collection has invalid entries"
    )


def test_create_client_invalid_allowed_origins_throws_validation_error(portal: Portal) -> None:
    response = _create_as_owner(portal, allowed_origins=["not-a-url"])

    assert_validation_error(
        response, "allowed_origins", "ErrorWrongURL", "url collection has invalid entries"
    )


def test_create_client_invalid_website_url_throws_validation_error(portal: Portal) -> None:
    response = _create_as_owner(portal, website_url="not-a-url")

    assert_validation_error(
        response, "website_url", "ErrorWrongURL", "website url is expected to be passed as url"
    )


def test_create_client_invalid_terms_url_throws_validation_error(portal: Portal) -> None:
    response = _create_as_owner(portal, terms_url="not-a-url")

    assert_validation_error(
        response, "terms_url", "ErrorWrongURL", "terms url is expected to be passed as url"
    )


def test_create_client_invalid_policy_url_throws_validation_error(portal: Portal) -> None:
    response = _create_as_owner(portal, policy_url="not-a-url")

    assert_validation_error(
        response, "policy_url", "ErrorWrongURL", "policy url is expected to be passed as url"
    )


def test_create_client_invalid_logout_redirect_uri_throws_validation_error(
    portal: Portal,
) -> None:
    response = _create_as_owner(portal, logout_redirect_uri="not-a-url")

    assert_validation_error(
        response,
        "logout_redirect_uri",
        "ErrorWrongURL",
        "logout redirect uri is expected to be passed as url",
    )


def test_create_client_without_logo_throws_validation_error(portal: Portal) -> None:
    # ValidCreateClientRequest(logo: null): the SDK leaves the null logo out of the body.
    body = valid_create_client_request(logo=None)
    assert "logo" not in body

    with portal.member("owner").http() as http:
        response = http.post("/api/2.0/clients", json=body)

    assert_validation_error(response, "logo", "EmptyFieldError", "client logo must not be empty")
