"""Shared plumbing for the ports of DocSpace's C# identity suite (the test_cs_*.py modules).

ONLYOFFICE/DocSpace-server, web/ASC.Web.Api.Tests/Tests/08_OAuth2: what `OAuth2TestBase`,
`ClientManagementTestBase` and `ClientQueryingTestBase` give their tests, over plain HTTP.

How the C# suite's callers map onto a `portal`'s members:

- `Owner` (the `InlineData(null)` row of every theory) is one member with the role "owner"
  for the whole test, as the C# `Owner` is one user of the test's own portal;
- `InviteContact(EmployeeType.DocSpaceAdmin)` is a fresh "admin" (is_admin);
- `InviteContact(EmployeeType.RoomAdmin)` and `InviteContact(EmployeeType.User)` are fresh plain
  "user" members (a RoomAdmin is no admin of the identity service);
- `InviteGuest()` is a fresh "guest".

`ApplySignatureAsync(user)` is `user.http()` (the x-signature as header and cookie);
`ApplySignature(null)` is the `anonymous` client.

A C# `ApiException` with `ErrorCode` N is, on our wire, an RFC 9457 problem document with
status N (`assert_problem`); `AssertValidationError` is `assert_validation_error`.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.docspace_contract.conftest import OAUTH_LOGO, Portal, PortalMember

ZERO_ID = "00000000-0000-0000-0000-000000000000"

# EmployeeType rows of the C# theories -> roles of portal members.
ROLE_OF_EMPLOYEE_TYPE = {
    "Owner": "owner",  # InlineData(null): the test's Owner
    "DocSpaceAdmin": "admin",
    "RoomAdmin": "user",
    "User": "user",
}

# The four-row theory most classes use: [InlineData(null)] (id "Owner"), DocSpaceAdmin,
# RoomAdmin, User.
BY_ROLE = pytest.mark.parametrize(
    "employee_type",
    ["Owner", "DocSpaceAdmin", "RoomAdmin", "User"],
    ids=["Owner", "DocSpaceAdmin", "RoomAdmin", "User"],
)


def member_of(portal: Portal, owner: PortalMember, employee_type: str) -> PortalMember:
    """`employeeType is null ? Owner : await InviteContact(employeeType.Value)`."""
    if employee_type == "Owner":
        return owner
    return portal.member(ROLE_OF_EMPLOYEE_TYPE[employee_type])


def valid_create_client_request(
    name: str = "Test OAuth Client",
    *,
    logo: str | None = OAUTH_LOGO,
    website_url: str | None = "https://example.com",
    terms_url: str | None = "https://example.com/terms",
    policy_url: str | None = "https://example.com/policy",
    redirect_uris: list[str] | None = None,
    allowed_origins: list[str] | None = None,
    logout_redirect_uri: str | None = "https://example.com/logout",
    scopes: list[str] | None = None,
) -> dict[str, Any]:
    """ClientManagementTestBase.ValidCreateClientRequest, as the C# SDK serialises it.

    The SDK's CreateClientRequest leaves a null string field out of the JSON
    (`EmitDefaultValue = false`) and always writes the two booleans.
    """
    body: dict[str, Any] = {
        "name": name,
        "logo": logo,
        "scopes": scopes if scopes is not None else ["openid", "files:read"],
        "allow_pkce": False,
        "is_public": False,
        "website_url": website_url,
        "terms_url": terms_url,
        "policy_url": policy_url,
        "redirect_uris": (
            redirect_uris if redirect_uris is not None else ["https://example.com/callback"]
        ),
        "allowed_origins": (
            allowed_origins if allowed_origins is not None else ["https://example.com"]
        ),
        "logout_redirect_uri": logout_redirect_uri,
    }
    return {key: value for key, value in body.items() if value is not None}


def create_client_as(member: PortalMember, name: str = "Test Client") -> dict[str, Any]:
    """ClientManagementTestBase.CreateClientAsAsync: create as `member`, return the response."""
    with member.http() as http:
        response = http.post("/api/2.0/clients", json=valid_create_client_request(name))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def valid_update_client_body(
    name: str = "Updated OAuth Client",
    description: str | None = None,
    logo: str | None = OAUTH_LOGO,
    allowed_origins: list[str] | None = None,
    redirect_uris: list[str] | None = None,
    scopes: list[str] | None = None,
) -> dict[str, Any]:
    """ClientManagementTestBase.ValidUpdateClientBody: the full body, nulls kept.

    System.Text.Json writes a null dictionary value as JSON null, so `description` goes out as
    `null` unless given.
    """
    return {
        "name": name,
        "description": description,
        "logo": logo,
        "website_url": "https://example.com",
        "terms_url": "https://example.com/terms",
        "policy_url": "https://example.com/policy",
        "logout_redirect_uri": "https://example.com/logout",
        "is_public": False,
        "allow_pkce": False,
        "allowed_origins": (
            allowed_origins if allowed_origins is not None else ["https://example.com"]
        ),
        "redirect_uris": (
            redirect_uris if redirect_uris is not None else ["https://example.com/callback"]
        ),
        "scopes": scopes if scopes is not None else ["accounts.self:read"],
    }


# `new UpdateClientRequest(name: "Updated Client")` as the C# SDK serialises it: null strings
# and lists are left out (EmitDefaultValue = false), the two booleans are always written.
SDK_UPDATE_CLIENT_REQUEST: dict[str, Any] = {
    "name": "Updated Client",
    "allow_pkce": False,
    "is_public": False,
}


def update_client_raw(http: httpx.Client, client_id: str, body: dict[str, Any]) -> httpx.Response:
    """ClientManagementTestBase.UpdateClientRawAsync: PUT the body as raw JSON."""
    return http.put(f"/api/2.0/clients/{client_id}", json=body)


def get_page(http: httpx.Client, path: str) -> dict[str, Any]:
    """ClientQueryingTestBase.GetPageAsync: a raw GET that must answer 200 with JSON."""
    response = http.get(path)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def ids_of(page: dict[str, Any]) -> list[str]:
    return [item["client_id"] for item in page["data"]]


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """A C# `ApiException` with `ErrorCode == status`: an RFC 9457 problem with that status."""
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url.path}: expected {status}, got "
        f"{response.status_code}: {response.text}"
    )
    content_type = response.headers.get("content-type", "")
    assert content_type.startswith("application/problem+json"), (content_type, response.text)
    body: dict[str, Any] = response.json()
    for key in ("type", "title", "status", "detail", "instance"):
        assert key in body, (key, body)
    assert body["status"] == status, body
    assert body["instance"] == response.request.url.path, body
    return body


def assert_validation_error(response: httpx.Response, field: str, code: str, message: str) -> None:
    """ClientManagementTestBase.AssertValidationError: 400 with that exact errors[] triple."""
    body = assert_problem(response, 400)
    errors = body.get("errors")
    assert isinstance(errors, list), body
    triples = [(e.get("field"), e.get("code"), e.get("message")) for e in errors]
    assert (field, code, message) in triples, triples
