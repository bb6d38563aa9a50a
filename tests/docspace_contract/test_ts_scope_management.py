"""Port of DocSpace-api-tests `src/tests/oauth2.0/scopeManagement/scopeManagement.spec.ts`.

Each test is one `test(...)` of the TS suite, its title verbatim in the docstring.
"""

from __future__ import annotations

from tests.docspace_contract._ts_support import ROLE, call
from tests.docspace_contract.conftest import Portal

EXPECTED = [
    {"name": "openid", "group": "openid", "type": "openid"},
    {"name": "files:read", "group": "files", "type": "read"},
    {"name": "files:write", "group": "files", "type": "write"},
    {"name": "rooms:read", "group": "rooms", "type": "read"},
    {"name": "rooms:write", "group": "rooms", "type": "write"},
    {"name": "accounts:read", "group": "accounts", "type": "read"},
    {"name": "accounts:write", "group": "accounts", "type": "write"},
]


def _scopes(portal: Portal, role: str) -> None:
    response = call(portal.member(ROLE[role]), "GET", "/api/2.0/scopes")
    assert response.status_code == 200, response.text
    data = response.json()
    assert isinstance(data, list)
    for wanted in EXPECTED:  # arrayContaining([objectContaining(...)])
        assert any(all(s.get(k) == v for k, v in wanted.items()) for s in data), (wanted, data)


def test_get_scopes_owner_gets_list_of_available_oauth2_scopes(portal: Portal) -> None:
    """GET /api/2.0/scopes - Owner gets list of available OAuth2 scopes"""
    _scopes(portal, "owner")


def test_get_scopes_docspaceadmin_gets_list_of_available_oauth2_scopes(portal: Portal) -> None:
    """GET /api/2.0/scopes - DocSpaceAdmin gets list of available OAuth2 scopes"""
    _scopes(portal, "docSpaceAdmin")


def test_get_scopes_roomadmin_gets_list_of_available_oauth2_scopes(portal: Portal) -> None:
    """GET /api/2.0/scopes - RoomAdmin gets list of available OAuth2 scopes"""
    _scopes(portal, "roomAdmin")


def test_get_scopes_user_gets_list_of_available_oauth2_scopes(portal: Portal) -> None:
    """GET /api/2.0/scopes - User gets list of available OAuth2 scopes"""
    _scopes(portal, "user")
