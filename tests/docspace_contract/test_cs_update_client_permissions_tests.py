"""Port of ClientManagement/UpdateClientPermissionsTests.cs (DocSpace-server, Tests/08_OAuth2).

PUT /api/2.0/clients/{clientId}: no signature means no update, another user's client is
invisible (404), and the name-length bound that create enforces also applies on update.
"""

from __future__ import annotations

import httpx

from tests.docspace_contract._cs_support import (
    SDK_UPDATE_CLIENT_REQUEST,
    ZERO_ID,
    assert_problem,
    create_client_as,
    update_client_raw,
    valid_update_client_body,
)
from tests.docspace_contract.conftest import Portal


def test_update_client_anonymous_throws_forbidden(anonymous: httpx.Client) -> None:
    response = anonymous.put(f"/api/2.0/clients/{ZERO_ID}", json=SDK_UPDATE_CLIENT_REQUEST)

    assert_problem(response, 403)


def test_update_client_guest_throws_forbidden(portal: Portal, anonymous: httpx.Client) -> None:
    # The C# case signs the guest in on Web.Api only and strips the identity signature
    # (ApplySignature(null)), so the identity call it makes carries no credentials.
    response = anonymous.put(f"/api/2.0/clients/{ZERO_ID}", json=SDK_UPDATE_CLIENT_REQUEST)
    assert_problem(response, 403)

    # The same call with the guest's own signature: refused too (the contract's role table).
    with portal.member("guest").http() as http:
        response = http.put(f"/api/2.0/clients/{ZERO_ID}", json=SDK_UPDATE_CLIENT_REQUEST)
    assert_problem(response, 403)


def test_update_client_another_users_client_throws_not_found(portal: Portal) -> None:
    owner_client = create_client_as(portal.member("owner"))

    # An otherwise-valid body, so the 404 comes from the ownership check, not validation.
    with portal.member("user").http() as http:
        response = update_client_raw(
            http, owner_client["client_id"], valid_update_client_body(name="Hacked Name")
        )

    assert_problem(response, 404)


# BUG 81670 in DocSpace: it accepts a name outside [3, 256] characters on update (200), while
# create rejects it with 400. The C# case asserts the 400.
def test_update_client_name_exceeds_256_characters_throws_validation_error(
    portal: Portal,
) -> None:
    owner = portal.member("owner")
    created = create_client_as(owner)

    # Everything but the name is valid, so a 400 here can only be the name bound.
    with owner.http() as http:
        response = update_client_raw(
            http, created["client_id"], valid_update_client_body(name="a" * 257)
        )

    assert_problem(response, 400)


# BUG 81670 in DocSpace: the same defect, for the lower bound.
def test_update_client_name_shorter_than_3_characters_throws_validation_error(
    portal: Portal,
) -> None:
    owner = portal.member("owner")
    created = create_client_as(owner)

    with owner.http() as http:
        response = update_client_raw(
            http, created["client_id"], valid_update_client_body(name="ab")
        )

    assert_problem(response, 400)


def test_update_client_invalid_allowed_origins_throws_validation_error(portal: Portal) -> None:
    owner = portal.member("owner")
    created = create_client_as(owner)

    # redirect_uris/scopes stay valid, so only allowed_origins is under test.
    with owner.http() as http:
        response = update_client_raw(
            http,
            created["client_id"],
            valid_update_client_body(name="Test Client", allowed_origins=["not-a-url"]),
        )

    assert_problem(response, 400)


def test_update_client_non_existent_client_throws_bad_request(portal: Portal) -> None:
    # DocSpace: 400, because the typed SDK's UpdateClientRequest(name: ...) body carries no
    # redirect_uris/scopes and DocSpace rejects such a partial body before looking the client
    # up; we: fields left out keep their value, so the partial body is valid and the unknown
    # client answers 404 (deliberate difference (c)).
    with portal.member("owner").http() as http:
        response = http.put(f"/api/2.0/clients/{ZERO_ID}", json=SDK_UPDATE_CLIENT_REQUEST)

    assert_problem(response, 404)
