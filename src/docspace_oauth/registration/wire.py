"""Wire models of the admins' registration API (policy, initial access tokens)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from docspace_oauth.models import RegistrationToken
from docspace_oauth.registration.schemas import Mode
from docspace_oauth.registration.service import (
    DEFAULT_MAX_CLIENTS,
    DEFAULT_PER_ADDRESS_PER_HOUR,
    IssuedToken,
    Policy,
)

MAX_TOKEN_TTL = timedelta(days=90)


class PolicyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Mode = Field(
        description="closed: nobody registers; token: with an initial access token only; "
        "open: public PKCE clients without a token too, within the limits below."
    )
    # Strict: the document says integer, so "5", 5.5 and true are refused, not read.
    max_clients: StrictInt = Field(
        default=DEFAULT_MAX_CLIENTS,
        ge=0,
        le=100_000,
        description="Open registration stops at this many self-registered clients.",
    )
    per_address_per_hour: StrictInt = Field(
        default=DEFAULT_PER_ADDRESS_PER_HOUR,
        ge=0,
        le=10_000,
        description="Open registrations one address may make per hour.",
    )

    @classmethod
    def of(cls, policy: Policy) -> PolicyBody:
        return cls(
            mode=policy.mode,
            max_clients=policy.max_clients,
            per_address_per_hour=policy.per_address_per_hour,
        )

    def policy(self, tenant_id: int) -> Policy:
        return Policy(tenant_id, self.mode, self.max_clients, self.per_address_per_hour)


class IssueTokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uses: StrictInt = Field(default=1, ge=1, le=10_000, description="Registrations it allows.")
    expires_in: StrictInt = Field(
        default=86_400,
        ge=60,
        le=int(MAX_TOKEN_TTL.total_seconds()),
        description="Seconds until it expires (at most 90 days).",
    )

    @property
    def ttl(self) -> timedelta:
        return timedelta(seconds=self.expires_in)


class IssuedTokenResponse(BaseModel):
    id: str
    token: str = Field(description="Shown this once; only a keyed hash is stored.")
    uses: int
    expires_at: datetime

    @classmethod
    def of(cls, issued: IssuedToken) -> IssuedTokenResponse:
        return cls(id=issued.id, token=issued.token, uses=issued.uses, expires_at=issued.expires_at)


class TokenInfo(BaseModel):
    id: str
    uses_left: int
    expires_at: datetime
    created_on: datetime
    created_by: str

    @classmethod
    def of(cls, row: RegistrationToken) -> TokenInfo:
        return cls(
            id=row.id,
            uses_left=row.uses_left,
            expires_at=row.expires_at,
            created_on=row.created_on,
            created_by=row.created_by,
        )
