"""Typed models of the DocSpace OAuth wire contract.

Field names are the contract's JSON names. Response models ignore unknown
fields, because a real DocSpace (or a newer one) sends more than the contract
names; request models forbid them, so that a misspelt field fails here instead
of being silently dropped by the server.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

__all__ = [
    "AuditEvent",
    "ClientInfoResponse",
    "ClientResponse",
    "ClientSecretResponse",
    "Consent",
    "CreateClientRequest",
    "ScopeResponse",
    "SessionClient",
    "SignInSession",
    "UpdateClientRequest",
]


def _assume_utc(value: datetime) -> datetime:
    # Servers that omit the offset mean UTC; an aware value compares safely
    # with other aware values, where a naive one would raise.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _null_as_empty(value: Any) -> Any:
    return [] if value is None else value


AwareDatetime = Annotated[datetime, AfterValidator(_assume_utc)]
StrList = Annotated[list[str], BeforeValidator(_null_as_empty)]


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClientInfoResponse(_Response):
    """The public view of a client; never carries a secret."""

    client_id: str
    name: str
    description: str | None = None
    scopes: StrList = Field(default_factory=list)
    website_url: str | None = None
    terms_url: str | None = None
    policy_url: str | None = None
    logo: str | None = None
    authentication_methods: StrList = Field(default_factory=list)
    is_public: bool = False
    created_on: AwareDatetime | None = None
    created_by: str | None = None
    modified_on: AwareDatetime | None = None
    modified_by: str | None = None


class ClientResponse(ClientInfoResponse):
    """A client as its owner sees it.

    ``client_secret`` is set only in the answer to ``create_client``: this
    server shows a secret once (a real DocSpace also returns it on reads).

    ``allow_pkce`` is whether the client may authenticate with PKCE alone.
    This server sends it; a DocSpace portal does not, and then it is read,
    as it always was, from ``"none"`` in ``authentication_methods``.
    ``grant_types`` is this server's extension: None when the server does
    not say (DocSpace's clients use authorization_code and refresh_token).
    ``registration`` ("dynamic" for a client that registered itself with
    RFC 7591, else "") and ``application_type`` ("web" or "native") are
    extensions too; a DocSpace portal sends neither.
    """

    tenant: int | None = None
    enabled: bool
    client_secret: str | None = None
    redirect_uris: StrList = Field(default_factory=list)
    allowed_origins: StrList = Field(default_factory=list)
    logout_redirect_uris: StrList = Field(default_factory=list)
    allow_pkce: bool = False
    grant_types: list[str] | None = None
    # Back-Channel Logout, this server's extension: None when the server does not say.
    backchannel_logout_uri: str | None = None
    backchannel_logout_session_required: bool | None = None
    registration: str = ""
    application_type: str = "web"
    # A client known by its metadata document's URL (in GET of one client only): the URL.
    client_id_metadata_document: str = ""

    @model_serializer(mode="wrap")
    def _without_default_extensions(self, handler: SerializerFunctionWrapHandler) -> Any:
        # As the server answers: these extensions are left out at their defaults, so a
        # hand-made client dumps to exactly the object the API sent.
        data = handler(self)
        if isinstance(data, dict):
            if data.get("registration") == "":
                del data["registration"]
            if data.get("application_type") == "web":
                del data["application_type"]
            if data.get("client_id_metadata_document") == "":
                del data["client_id_metadata_document"]
            for name in ("backchannel_logout_uri", "backchannel_logout_session_required"):
                if data.get(name) is None:
                    data.pop(name, None)
        return data

    @model_validator(mode="before")
    @classmethod
    def _pkce_from_authentication_methods(cls, data: Any) -> Any:
        # Before allow_pkce was a field it was a property derived from
        # authentication_methods; a server that does not send it (DocSpace) still gets that.
        if isinstance(data, dict) and data.get("allow_pkce") is None:
            methods = data.get("authentication_methods")
            return {**data, "allow_pkce": isinstance(methods, list) and "none" in methods}
        return data


class ClientSecretResponse(_Response):
    """A new secret; ``previous_secret_expires_at`` (this server's extension) says
    until when the replaced one still works, or is None if it died at once."""

    client_secret: str
    previous_secret_expires_at: AwareDatetime | None = None


class ScopeResponse(_Response):
    name: str
    group: str | None = None
    type: str | None = None


def _join_scopes(value: Any) -> Any:
    # The contract sends one space-joined string; accept a list too.
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    return "" if value is None else value


class Consent(_Response):
    """A user's consent to a client; ``scopes`` is space-joined, as on the wire."""

    registered_client_id: str
    scopes: Annotated[str, BeforeValidator(_join_scopes)] = ""
    modified_at: AwareDatetime | None = None
    client: ClientInfoResponse | None = None

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()


class AuditEvent(_Response):
    """An entry of this server's audit trail (an extension; DocSpace has no such route)."""

    id: int
    occurred_at: AwareDatetime
    tenant_id: int | None = None
    actor_user_id: str | None = None
    actor_ip: str | None = None
    action: str
    client_id: str | None = None
    outcome: str
    details: dict[str, Any] = Field(default_factory=dict)


class SessionClient(_Response):
    """A client that got a code through a sign-in session."""

    client_id: str
    name: str = ""
    first_at: AwareDatetime | None = None
    last_at: AwareDatetime | None = None


class SignInSession(_Response):
    """A sign-in session on this server (an extension; DocSpace has no such route).

    ``session_id`` is the OpenID Connect ``sid`` of the session's id_tokens."""

    session_id: str
    user_id: str
    user_email: str = ""
    user_name: str = ""
    tenant_id: int
    auth_time: AwareDatetime
    amr: list[str] = Field(default_factory=list)
    created_at: AwareDatetime
    expires_at: AwareDatetime
    ip: str = ""
    user_agent: str = ""
    current: bool = False
    clients: list[SessionClient] = Field(default_factory=list)


class CreateClientRequest(_Request):
    """Body of ``create_client``; the server validates lengths, URLs and scopes.

    What DocSpace requires is required here too: everything but the description and the
    two flags (``logo`` is a ``data:image/...;base64,`` URI)."""

    name: str
    scopes: list[str]
    redirect_uris: list[str]
    allowed_origins: list[str]
    logo: str
    website_url: str
    terms_url: str
    policy_url: str
    logout_redirect_uri: str
    description: str | None = None
    allow_pkce: bool | None = None
    is_public: bool | None = None
    # This server's extensions; omitted when None so DocSpace never sees them.
    grant_types: list[str] | None = None
    backchannel_logout_uri: str | None = None
    backchannel_logout_session_required: bool | None = None


class UpdateClientRequest(_Request):
    """Body of ``update_client``; fields left None are not sent, and keep their value."""

    name: str | None = None
    description: str | None = None
    logo: str | None = None
    scopes: list[str] | None = None
    allow_pkce: bool | None = None
    is_public: bool | None = None
    website_url: str | None = None
    terms_url: str | None = None
    policy_url: str | None = None
    logout_redirect_uri: str | None = None
    redirect_uris: list[str] | None = None
    allowed_origins: list[str] | None = None
    # This server's extensions; omitted when None so DocSpace never sees them.
    grant_types: list[str] | None = None
    backchannel_logout_uri: str | None = None
    backchannel_logout_session_required: bool | None = None
