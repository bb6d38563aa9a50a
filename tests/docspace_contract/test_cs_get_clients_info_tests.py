"""Port of ClientQuerying/GetClientsInfoTests.cs (DocSpace-server, Tests/08_OAuth2).

GET /api/2.0/clients/info: the caller's OAuth2 clients, public fields only (no client_secret).
Visibility follows GET /api/2.0/clients: a DocSpaceAdmin sees the whole tenant, a plain User or
RoomAdmin sees only their own.
"""

from __future__ import annotations

import httpx

from tests.docspace_contract._cs_support import assert_problem, get_page, ids_of
from tests.docspace_contract.conftest import Portal, create_oauth_client

PAGE = "/api/2.0/clients/info?limit=50"


def test_get_clients_info_owner_contains_own_client(portal: Portal) -> None:
    owner = portal.member("owner")
    with owner.http() as http:
        client_id = create_oauth_client(http, "Autotest GetClientsInfo Owner")

    with owner.http() as http:
        page = get_page(http, PAGE)

    assert client_id in ids_of(page)


def test_get_clients_info_returns_public_client_data_without_secret(portal: Portal) -> None:
    owner = portal.member("owner")
    with owner.http() as http:
        client_id = create_oauth_client(http, "Autotest GetClientsInfo Fields")

    with owner.http() as http:
        page = get_page(http, PAGE)

    matching = [c for c in page["data"] if c["client_id"] == client_id]
    assert len(matching) == 1, page
    client = matching[0]
    assert client["name"] == "Autotest GetClientsInfo Fields"
    assert client["website_url"] == "https://example.com"
    assert "accounts.self:read" in client["scopes"]
    assert "client_secret" not in client


def test_get_clients_info_user_with_no_clients_returns_empty_list(portal: Portal) -> None:
    with portal.member("user").http() as http:
        page = get_page(http, PAGE)

    assert page["data"] == []


def test_get_clients_info_multiple_clients_all_appear_in_list(portal: Portal) -> None:
    owner = portal.member("owner")
    with owner.http() as http:
        client_id1 = create_oauth_client(http, "Autotest GetClientsInfo Multi 1")
    with owner.http() as http:
        client_id2 = create_oauth_client(http, "Autotest GetClientsInfo Multi 2")

    with owner.http() as http:
        page = get_page(http, PAGE)

    ids = ids_of(page)
    assert client_id1 in ids
    assert client_id2 in ids


def test_get_clients_info_returns_pagination_fields(portal: Portal) -> None:
    owner = portal.member("owner")
    with owner.http() as http:
        create_oauth_client(http, "Autotest GetClientsInfo Pagination")

    with owner.http() as http:
        page = get_page(http, PAGE)

    assert page["limit"] == 50


def test_get_clients_info_doc_space_admin_sees_all_tenant_clients_info(portal: Portal) -> None:
    with portal.member("owner").http() as http:
        owner_client_id = create_oauth_client(http, "Autotest GetClientsInfo DSAdmin Visibility")

    with portal.member("admin").http() as http:
        page = get_page(http, PAGE)

    assert owner_client_id in ids_of(page)


def test_get_clients_info_user_sees_only_own_clients_info(portal: Portal) -> None:
    with portal.member("owner").http() as http:
        owner_client_id = create_oauth_client(http, "Autotest GetClientsInfo Owner Only")

    with portal.member("user").http() as http:
        page = get_page(http, PAGE)

    assert owner_client_id not in ids_of(page)


def test_get_clients_info_room_admin_sees_only_own_clients_info(portal: Portal) -> None:
    with portal.member("owner").http() as http:
        owner_client_id = create_oauth_client(http, "Autotest GetClientsInfo RoomAdmin Visibility")

    # InviteContact(EmployeeType.RoomAdmin): a plain user of the identity service.
    with portal.member("user").http() as http:
        page = get_page(http, PAGE)

    assert owner_client_id not in ids_of(page)


def test_get_clients_info_without_signature_throws_forbidden(anonymous: httpx.Client) -> None:
    response = anonymous.get(PAGE)

    assert_problem(response, 403)


def test_get_clients_info_guest_throws_forbidden(portal: Portal) -> None:
    with portal.member("guest").http() as http:
        response = http.get(PAGE)

    assert_problem(response, 403)
