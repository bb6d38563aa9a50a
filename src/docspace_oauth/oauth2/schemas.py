"""Wire shapes of the authorization server, for the OpenAPI document.

The endpoints build these bodies as plain dicts (members that do not apply are left out, as
RFC 6749 and RFC 7662 expect, rather than sent as null); the models here say what they hold.

The requests are form-encoded and parsed by hand (`endpoints._oauth_form`: every parameter
at most once, unknown parameters ignored, as RFC 6749 section 3.2 asks), so their schemas are
written out below for the routes' `openapi_extra`, together with the credentials they take.
They only describe: nothing here validates a request. Each constraint they state is one the
server enforces with a 400 (the fuzzer in tests/hardening holds it to that), which is why
most parameters are plain strings: what is wrong with a code or a token is learnt from the
database, not from its shape.
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
    """RFC 6749 section 5.2 (and RFC 6750 section 3.1 at userinfo)."""

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
    resource: str | None = Field(
        default=None, description="RFC 8707: the registered resource this token is for."
    )


class UserInfoResponse(BaseModel):
    sub: str
    tid: int
    name: str | None = None
    email: str | None = None


class DeviceAuthorizationResponse(BaseModel):
    """RFC 8628 section 3.2."""

    device_code: str = Field(description="Opaque; the device polls the token endpoint with it.")
    user_code: str = Field(description="What the person types on the verification page.")
    verification_uri: str
    verification_uri_complete: str = Field(description="verification_uri with the user code.")
    expires_in: int
    interval: int = Field(description="Seconds to wait between polls.")


class JWK(BaseModel):
    """A public signing key (RFC 7517): EC P-256 (crv, x, y) or RSA (n, e)."""

    model_config = {"extra": "allow"}

    kty: str = Field(description="EC or RSA.")
    kid: str = Field(description="The RFC 7638 thumbprint.")
    alg: str = Field(description="ES256 or RS256.")
    use: str = Field(description="sig")


class JWKSet(BaseModel):
    keys: list[JWK]


class ServerMetadata(BaseModel):
    """RFC 8414 / OpenID Connect Discovery 1.0. Every URL is built from the issuer."""

    model_config = {"extra": "allow"}

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    introspection_endpoint: str
    revocation_endpoint: str
    end_session_endpoint: str
    scopes_supported: list[str]
    response_types_supported: list[str]
    response_modes_supported: list[str]
    grant_types_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    introspection_endpoint_auth_methods_supported: list[str]
    revocation_endpoint_auth_methods_supported: list[str]
    code_challenge_methods_supported: list[str]
    subject_types_supported: list[str]
    id_token_signing_alg_values_supported: list[str]
    claims_supported: list[str]
    prompt_values_supported: list[str]
    authorization_response_iss_parameter_supported: bool
    backchannel_logout_supported: bool
    backchannel_logout_session_supported: bool
    # draft-ietf-oauth-client-id-metadata-document; absent when the setting turns it off.
    client_id_metadata_document_supported: bool | None = None
    request_parameter_supported: bool
    request_uri_parameter_supported: bool
    claims_parameter_supported: bool


# Credentials, as OpenAPI security schemes. A client may instead send client_id and
# client_secret in the form (client_secret_post), or, registered with allow_pkce, client_id
# alone (none) at the token and revocation endpoints; OpenAPI has no scheme for credentials
# in a body, so those operations list an empty alternative beside Basic, and their form
# schemas carry the two fields.
CLIENT_BASIC = "oauth2_client_basic"
BEARER_TOKEN = "oauth2_bearer"
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    CLIENT_BASIC: {
        "type": "http",
        "scheme": "basic",
        "description": "client_secret_basic (RFC 6749 section 2.3.1): the client id and "
        "secret, each form-urlencoded, as the user name and password. Or send client_id "
        "and client_secret in the form (client_secret_post).",
    },
    BEARER_TOKEN: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access token this server issued (RFC 6750). Never taken from "
        "the query string.",
    },
}
# RFC 7591's initial access token and RFC 7592's registration access token: opaque bearer
# tokens, not the access tokens above.
REGISTRATION_BEARER = "registration_bearer"
SECURITY_SCHEMES[REGISTRATION_BEARER] = {
    "type": "http",
    "scheme": "bearer",
    "description": "At /oauth2/register: an initial access token an admin issued "
    "(/api/2.0/registration/tokens), optional when the tenant's policy is open. At "
    "/oauth2/register/{client_id}: the registration access token its registration returned.",
}
CLIENT_SECURITY: list[dict[str, list[str]]] = [{CLIENT_BASIC: []}, {}]

FORM = "application/x-www-form-urlencoded"
_TEXT: dict[str, Any] = {"type": "string"}
_CLIENT_FIELDS: dict[str, Any] = {
    "client_id": {
        **_TEXT,
        "description": "client_secret_post and none: the client's id. With Basic "
        "credentials it may be repeated here, and must then be the same.",
    },
    "client_secret": {
        **_TEXT,
        "description": "client_secret_post: the client's secret. Never together with Basic.",
    },
}


def _form(
    properties: dict[str, Any], *, required: list[str], body_required: bool = True
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return {
        "required": body_required,
        "description": "Form-encoded; each parameter at most once (a repeated one is "
        "invalid_request); unknown parameters are ignored.",
        "content": {FORM: {"schema": schema}},
    }


TOKEN_REQUEST = _form(
    {
        "grant_type": {
            "type": "string",
            "enum": ["authorization_code", "refresh_token", "client_credentials"],
            "description": "Another value is unsupported_grant_type; none is invalid_request.",
        },
        "code": {**_TEXT, "description": "authorization_code: the code (required)."},
        "redirect_uri": {
            **_TEXT,
            "description": "authorization_code: exactly the redirect_uri of the "
            "authorization request.",
        },
        "code_verifier": {
            **_TEXT,
            "description": "authorization_code: the PKCE verifier, when the request had a "
            "code_challenge.",
        },
        "refresh_token": {**_TEXT, "description": "refresh_token: the token (required)."},
        "scope": {
            **_TEXT,
            "description": "refresh_token and client_credentials: space-separated, to "
            "narrow what was granted; more is invalid_scope.",
        },
        **_CLIENT_FIELDS,
    },
    required=["grant_type"],
)
INTROSPECTION_REQUEST = _form(
    {
        "token": {**_TEXT, "description": "An access token (JWT) or a refresh token."},
        "token_type_hint": {
            **_TEXT,
            "description": "access_token or refresh_token; ignored (RFC 7662 allows it: the "
            "token's form says which it is).",
        },
        **_CLIENT_FIELDS,
    },
    required=["token"],
)
REVOCATION_REQUEST = _form(
    {
        "token": {
            **_TEXT,
            "description": "An access token or a refresh token of the calling client. "
            "Another client's token, or an unknown one, is answered 200 and left alone.",
        },
        "token_type_hint": {**_TEXT, "description": "Ignored, as RFC 7009 allows."},
        **_CLIENT_FIELDS,
    },
    required=["token"],
)
USERINFO_REQUEST = _form(
    {
        "access_token": {
            **_TEXT,
            "description": "RFC 6750 section 2.2: the access token, when it is not in the "
            "Authorization header (the header wins).",
        }
    },
    required=[],
    body_required=False,
)
DEVICE_AUTHORIZATION_REQUEST = _form(
    {
        "scope": {
            **_TEXT,
            "description": "Space-separated scopes the client may ask for; more is "
            "invalid_scope. Absent: the client's registered scopes.",
        },
        "resource": {
            **_TEXT,
            "description": "RFC 8707: only this server's own API; another is invalid_target.",
        },
        **_CLIENT_FIELDS,
    },
    required=[],
)
