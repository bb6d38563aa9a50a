from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from docspace_oauth.models import Role


class Scheme(StrEnum):
    API_KEY = "api_key"
    SESSION = "session"
    SIGNATURE = "x-signature"
    # A client acting on its own registration (RFC 7591/7592), not a person.
    REGISTRATION = "registration"
    ACCESS_TOKEN = (
        "access_token"  # an OAuth access token for this server's API (oauth2/api_tokens.py)
    )


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """The sign-in session behind a session cookie (models.session)."""

    id: str  # the OIDC sid
    auth_time: datetime
    amr: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: str
    tenant_id: int
    role: Role
    name: str
    email: str
    scheme: Scheme
    tenant_url: str = ""
    ip: str = ""  # the address the request came from, for the audit trail
    session: SessionInfo | None = None  # only for a session cookie from the sign-in page

    @property
    def is_admin(self) -> bool:
        return self.role in (Role.OWNER, Role.ADMIN)

    @property
    def is_guest(self) -> bool:
        return self.role is Role.GUEST

    @property
    def rate_limit_key(self) -> str:
        return f"{self.tenant_id}:{self.user_id}"
