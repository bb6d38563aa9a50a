"""Port of ClientQuerying/GetConsentsTests.cs (DocSpace-server, Tests/08_OAuth2).

GET /api/2.0/clients/consents: the OAuth2 consents the caller has granted. The C# suite ports
only the cases that need no prior consent: an empty list, the pagination envelope, and the
permission checks.
"""

from __future__ import annotations

import httpx

from tests.docspace_contract._cs_support import assert_problem, get_page
from tests.docspace_contract.conftest import Portal

PAGE = "/api/2.0/clients/consents?limit=50"


def test_get_consents_user_with_no_consents_returns_empty_list(portal: Portal) -> None:
    with portal.member("owner").http() as http:
        page = get_page(http, PAGE)

    assert page["data"] == []


def test_get_consents_returns_pagination_fields(portal: Portal) -> None:
    with portal.member("owner").http() as http:
        page = get_page(http, PAGE)

    assert page["limit"] == 50


def test_get_consents_without_signature_throws_forbidden(anonymous: httpx.Client) -> None:
    response = anonymous.get(PAGE)

    assert_problem(response, 403)


# BUG 81729 in DocSpace (a guest gets 200 there); the C# case asserts the 403.
def test_get_consents_guest_throws_forbidden(portal: Portal) -> None:
    with portal.member("guest").http() as http:
        response = http.get(PAGE)

    assert_problem(response, 403)
