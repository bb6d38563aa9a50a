"""Wire models, named exactly as DocSpace names them (snake_case JSON)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from docspace_oauth import validation
from docspace_oauth.models import ClientData
from docspace_oauth.scopes.catalogue import CATALOGUE

ScopeName = Literal[
    "accounts:read",
    "accounts:write",
    "accounts.self:read",
    "accounts.self:write",
    "files:read",
    "files:write",
    "rooms:read",
    "rooms:write",
    "openid",
]
# Spelled out for the type checker and the OpenAPI enum; the catalogue stays the one truth.
assert set(get_args(ScopeName)) == {s.name for s in CATALOGUE}


class GrantType(StrEnum):
    AUTHORIZATION_CODE = "authorization_code"
    REFRESH_TOKEN = "refresh_token"
    CLIENT_CREDENTIALS = "client_credentials"
    # RFC 8628, an extension value (oauth2/device.py); DocSpace's own three are unchanged.
    DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"


DEFAULT_GRANT_TYPES = [GrantType.AUTHORIZATION_CODE.value, GrantType.REFRESH_TOKEN.value]

Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=256),
    AfterValidator(validation.stored_text),
]
Description = Annotated[validation.StoredText, StringConstraints(max_length=255)]
Logo = Annotated[str, AfterValidator(validation.logo)]
HttpUrl = Annotated[str, AfterValidator(validation.http_url)]
RedirectUri = Annotated[str, AfterValidator(validation.redirect_uri)]
Origin = Annotated[str, AfterValidator(validation.origin)]
BackchannelUri = Annotated[
    str,
    AfterValidator(validation.backchannel_logout_uri),
    Field(
        description="Extension (Back-Channel Logout 1.0): where this server POSTs a signed "
        'logout_token when a sign-in session the client took part in ends; "" for none.'
    ),
]
_SESSION_REQUIRED = (
    "Extension (Back-Channel Logout 1.0): the client needs the sid claim in its logout_tokens "
    "(every logout_token of this server carries it when the session is known)."
)
RedirectUris = Annotated[
    list[RedirectUri], Field(min_length=1, max_length=12), AfterValidator(validation.unique)
]
AllowedOrigins = Annotated[
    list[Origin], Field(min_length=1, max_length=12), AfterValidator(validation.unique)
]
Scopes = Annotated[
    list[ScopeName],
    Field(min_length=1, max_length=len(CATALOGUE) * 4),
    AfterValidator(validation.unique),
]
GrantTypes = Annotated[
    list[GrantType], Field(min_length=1, max_length=4), AfterValidator(validation.unique)
]


class _Request(BaseModel):
    # Extra fields are ignored: DocSpace's own SDKs send a few we have no use for.
    model_config = ConfigDict(extra="ignore")


class CreateClientRequest(_Request):
    """What DocSpace's CreateClientRequest requires is required here too (its bean-validation
    annotations): everything but the description and the two flags."""

    name: Name
    description: Description | None = ""
    logo: Logo
    scopes: Scopes
    allow_pkce: StrictBool = False
    is_public: StrictBool = False
    website_url: HttpUrl
    terms_url: HttpUrl
    policy_url: HttpUrl
    logout_redirect_uri: HttpUrl
    redirect_uris: RedirectUris
    allowed_origins: AllowedOrigins
    backchannel_logout_uri: BackchannelUri = ""
    backchannel_logout_session_required: StrictBool = Field(
        default=False, description=_SESSION_REQUIRED
    )
    grant_types: GrantTypes | None = Field(
        default=None,
        description="Extension: grants this client may use. "
        "Default: authorization_code and refresh_token.",
    )


class UpdateClientRequest(_Request):
    """Fields left out (or null) keep their value; client_id, tenant and created_* never
    change. A field given is held to the create rules, so an update cannot make a client that
    create would refuse; only the description may be cleared."""

    name: Name | None = None
    description: Description | None = None
    logo: Logo | None = None
    scopes: Scopes | None = None
    allow_pkce: StrictBool | None = None
    is_public: StrictBool | None = None
    website_url: HttpUrl | None = None
    terms_url: HttpUrl | None = None
    policy_url: HttpUrl | None = None
    logout_redirect_uri: HttpUrl | None = None
    redirect_uris: RedirectUris | None = None
    allowed_origins: AllowedOrigins | None = None
    backchannel_logout_uri: BackchannelUri | None = None
    backchannel_logout_session_required: StrictBool | None = None
    grant_types: GrantTypes | None = None


class ChangeClientActivationRequest(_Request):
    status: StrictBool


def authentication_methods(allow_pkce: bool) -> list[str]:
    # As DocSpace reports them; the token endpoint also takes client_secret_basic (RFC 6749).
    return ["client_secret_post", "none"] if allow_pkce else ["client_secret_post"]


class ClientInfoResponse(BaseModel):
    """The public view of a client: never a secret."""

    name: str
    description: str
    scopes: list[str]
    client_id: str
    website_url: str
    terms_url: str
    policy_url: str
    logo: str
    authentication_methods: list[str]
    is_public: bool
    created_on: datetime
    created_by: str
    modified_on: datetime
    modified_by: str

    @classmethod
    def of(cls, client: ClientData) -> ClientInfoResponse:
        return cls(
            name=client.name,
            description=client.description,
            scopes=list(client.scopes),
            client_id=client.client_id,
            website_url=client.website_url,
            terms_url=client.terms_url,
            policy_url=client.policy_url,
            logo=client.logo,
            authentication_methods=authentication_methods(client.allow_pkce),
            is_public=client.is_public,
            created_on=client.created_on,
            created_by=client.created_by,
            modified_on=client.modified_on,
            modified_by=client.modified_by,
        )


class ClientResponse(BaseModel):
    name: str
    description: str
    tenant: int
    scopes: list[str]
    enabled: bool
    client_id: str
    client_secret: str | None = Field(
        default=None,
        description="Present only in the response to create; null everywhere else. "
        "Only a keyed hash is stored.",
    )
    website_url: str
    terms_url: str
    policy_url: str
    logo: str
    authentication_methods: list[str]
    redirect_uris: list[str]
    allowed_origins: list[str]
    logout_redirect_uris: list[str]
    created_on: datetime
    created_by: str
    modified_on: datetime
    modified_by: str
    is_public: bool
    allow_pkce: bool
    grant_types: list[str]
    # Extensions left out at their defaults, so that a hand-made client's answer is exactly
    # DocSpace's (tests/docspace_contract lists every field a seed client does not know).
    registration: str = Field(
        default="",
        exclude_if=lambda value: value == "",
        description='Extension: "dynamic" when the client registered itself (RFC 7591), '
        '"metadata" when it is known by a client ID metadata document (its URL is its '
        "client_id in the protocol); left out for a client made by hand.",
    )
    application_type: str = Field(
        default="web",
        exclude_if=lambda value: value == "web",
        description='Extension: "native" for a native app (RFC 8252); left out for "web".',
    )
    backchannel_logout_uri: str = Field(
        default="",
        exclude_if=lambda value: value == "",
        description="Extension (Back-Channel Logout 1.0): where logout tokens go; left out "
        "when there is none.",
    )
    client_id_metadata_document: str = Field(
        default="",
        exclude_if=lambda value: value == "",
        description="Extension: the URL a metadata document's client is known by (its "
        "client_id in the protocol); in the one-client answer only, left out for any other.",
    )
    backchannel_logout_session_required: bool = Field(
        default=False,
        exclude_if=lambda value: value is False,
        description="Extension: the logout token must carry the sid; left out when false.",
    )

    @classmethod
    def of(cls, client: ClientData, *, secret: str | None = None) -> ClientResponse:
        return cls(
            name=client.name,
            description=client.description,
            tenant=client.tenant_id,
            scopes=list(client.scopes),
            enabled=client.enabled,
            client_id=client.client_id,
            client_secret=secret,
            website_url=client.website_url,
            terms_url=client.terms_url,
            policy_url=client.policy_url,
            logo=client.logo,
            authentication_methods=authentication_methods(client.allow_pkce),
            redirect_uris=list(client.redirect_uris),
            allowed_origins=list(client.allowed_origins),
            logout_redirect_uris=[client.logout_redirect_uri] if client.logout_redirect_uri else [],
            created_on=client.created_on,
            created_by=client.created_by,
            modified_on=client.modified_on,
            modified_by=client.modified_by,
            is_public=client.is_public,
            allow_pkce=client.allow_pkce,
            grant_types=list(client.grant_types),
            registration=client.registration,
            application_type=client.application_type,
            backchannel_logout_uri=client.backchannel_logout_uri,
            backchannel_logout_session_required=client.backchannel_logout_session_required,
        )


class ClientSecretResponse(BaseModel):
    client_secret: str
    previous_secret_expires_at: datetime | None = Field(
        default=None, description="Extension: when the replaced secret stops working, if kept."
    )


class ClientPage(BaseModel):
    data: list[ClientResponse]
    limit: int
    last_client_id: str | None
    last_created_on: datetime | None


class ClientInfoPage(BaseModel):
    data: list[ClientInfoResponse]
    limit: int
    last_client_id: str | None
    last_created_on: datetime | None


class ClientIdResponse(BaseModel):
    client_id: str


class ActivationResponse(BaseModel):
    client_id: str
    enabled: bool


class DeletedClientsResponse(BaseModel):
    deleted: int
