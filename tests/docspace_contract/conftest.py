"""Callers made as DocSpace's own suites make them: a portal member's x-signature.

A DocSpace portal mints the identity service's `x-signature` from .NET `Claim` objects, so
every claim arrives as a JSON string (`"tenant_id": "7"`, `"is_admin": "True"`). DocSpace's
C# suite (`OAuth2TestBase.ApplySignature`) sends it both as the `x-signature` header and as
the same-named cookie; so does `PortalMember.http()` here.

Each `portal` is a tenant of its own (a fresh tenant id), so that lists and bulk deletes in
one test never see another test's clients. Its members need no local user rows: the server
trusts the portal's signature, as DocSpace's identity service does.
"""

from __future__ import annotations

import itertools
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt as pyjwt
import pytest

from tests.conftest import SIGNATURE_SECRET, LiveServer

# The logo DocSpace's OAuth2TestBase sends: a 1x1 PNG as a data URI.
OAUTH_LOGO = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAC"
    "hwGA60e6kgAAAABJRU5ErkJggg=="
)

# Tenant ids no other suite uses, distinct per process so that re-runs on one database and
# the two databases' sessions never meet.
_TENANTS = itertools.count(100_000 + (os.getpid() % 1000) * 1000)


def portal_claims(
    *,
    user_id: str,
    tenant_id: int,
    is_admin: bool,
    is_guest: bool,
    is_public: bool,
    expires_in: int = 300,
) -> dict[str, Any]:
    """The claims as a portal sends them: strings for every value but the registered times."""
    now = int(time.time())
    return {
        "user_id": user_id,
        "user_name": f"Portal user {user_id[:8]}",
        "user_email": f"{user_id[:8]}@portal.example",
        "tenant_id": str(tenant_id),
        "tenant_url": f"https://tenant{tenant_id}.portal.example",
        "is_admin": "True" if is_admin else "False",
        "is_guest": "True" if is_guest else "False",
        "is_public": "True" if is_public else "False",
        "iat": now,
        "nbf": now,
        "exp": now + expires_in,
    }


def mint(claims: dict[str, Any], secret: str = SIGNATURE_SECRET) -> str:
    return pyjwt.encode(claims, secret, algorithm="HS256")


@dataclass(frozen=True)
class PortalMember:
    """One member of a portal, and the x-signature its portal mints for it."""

    server: LiveServer
    tenant_id: int
    role: str  # owner, admin, user, guest
    user_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def signature(self) -> str:
        admin = self.role in ("owner", "admin")
        guest = self.role == "guest"
        return mint(
            portal_claims(
                user_id=self.user_id,
                tenant_id=self.tenant_id,
                is_admin=admin,
                is_guest=guest,
                # A portal's users and admins are public; a guest is not (DocSpace treats a
                # non-admin whose is_public is false as a guest).
                is_public=not guest,
            )
        )

    def http(self) -> httpx.Client:
        """As DocSpace's suites call the identity API: header and cookie both."""
        signature = self.signature
        return httpx.Client(
            base_url=self.server.url,
            headers={"x-signature": signature, "Cookie": f"x-signature={signature}"},
            timeout=30,
        )


@dataclass
class Portal:
    server: LiveServer
    tenant_id: int

    def member(self, role: str) -> PortalMember:
        return PortalMember(self.server, self.tenant_id, role)

    @property
    def url(self) -> str:
        return f"https://tenant{self.tenant_id}.portal.example"


@pytest.fixture
def portal(live_server: LiveServer) -> Portal:
    """A fresh tenant, seen through its portal's signatures."""
    return Portal(live_server, next(_TENANTS))


@pytest.fixture
def anonymous(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        yield http


def new_client_request(name: str = "Autotest OAuth Client", **overrides: Any) -> dict[str, Any]:
    """OAuth2TestBase.NewClientRequest: the payload DocSpace's suites create clients with."""
    body: dict[str, Any] = {
        "name": name,
        "logo": OAUTH_LOGO,
        "website_url": "https://example.com",
        "terms_url": "https://example.com/terms",
        "policy_url": "https://example.com/policy",
        "redirect_uris": ["https://example.com/callback"],
        "allowed_origins": ["https://example.com"],
        "logout_redirect_uri": "https://example.com/logout",
        "scopes": ["accounts.self:read"],
    }
    body.update(overrides)
    return body


def create_oauth_client(http: httpx.Client, name: str = "Autotest OAuth Client") -> str:
    """OAuth2TestBase.CreateOAuthClientAsync: create as the caller, return the client id."""
    response = http.post("/api/2.0/clients", json=new_client_request(name))
    assert response.status_code == 201, response.text
    client_id: str = response.json()["client_id"]
    return client_id
