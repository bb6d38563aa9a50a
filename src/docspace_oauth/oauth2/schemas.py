"""Wire shapes of the authorization server, for the OpenAPI document.

The endpoints build these bodies as plain dicts (members that do not apply are left out, as
RFC 6749 and RFC 7662 expect, rather than sent as null); the models here say what they hold.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class TokenResponse(BaseModel):
    access_token: str = Field(description="A JWT (RFC 9068, typ at+jwt).")
    token_type: str = Field(default="Bearer")
    expires_in: int
    scope: str = Field(description="Space-separated.")
    refresh_token: str | None = Field(
        default=None, description="Opaque; rotates on every use. Absent for client_credentials."
    )
    id_token: str | None = Field(default=None, description="With the openid scope.")


class OAuth2ErrorResponse(BaseModel):
    error: str = Field(description="An RFC 6749 / 6750 / 7009 error code.")
    error_description: str


class IntrospectionResponse(BaseModel):
    active: bool
    token_type: str | None = None
    scope: str | None = None
    client_id: str | None = None
    sub: str | None = None
    aud: str | None = None
    iss: str | None = None
    exp: int | None = None
    iat: int | None = None
    jti: str | None = None
    tid: int | None = None
    cid: str | None = None


class UserInfoResponse(BaseModel):
    sub: str
    tid: int
    name: str | None = None
    email: str | None = None


class JWKSet(BaseModel):
    keys: list[dict[str, Any]]


class ServerMetadata(BaseModel):
    model_config = {"extra": "allow"}

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
