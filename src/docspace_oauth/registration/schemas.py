"""RFC 7591 client metadata, mapped onto our client model and held to its rules.

The metadata is translated field by field into the management API's names and validated by
the management API's own field types (clients.schemas), so a self-registered client can be
nothing that `POST /api/2.0/clients` would refuse. What we cannot honour is refused, never
silently dropped: RFC 7591 §3.2.2 `invalid_client_metadata` (`invalid_redirect_uri` for a
redirect URI), naming the field.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from docspace_oauth.clients.schemas import (
    GrantType,
    HttpUrl,
    Logo,
    Name,
    RedirectUris,
    Scopes,
)
from docspace_oauth.models import ClientData
from docspace_oauth.oauth2.errors import OAuth2Error
from docspace_oauth.validation import field_errors_from_pydantic, read_url


class InvalidClientMetadata(OAuth2Error):
    error = "invalid_client_metadata"


class InvalidRedirectUri(OAuth2Error):
    error = "invalid_redirect_uri"


class Mode(StrEnum):
    CLOSED = "closed"
    TOKEN = "token"  # initial access tokens only
    OPEN = "open"  # public PKCE clients, within the tenant's limits


# The grants a self-registered client may hold: a client_credentials client acts for the
# whole tenant without anyone's consent, which only an admin may decide (clients.service).
_GRANTS = {GrantType.AUTHORIZATION_CODE.value, GrantType.REFRESH_TOKEN.value}
_AUTH_METHODS = {"client_secret_basic", "client_secret_post", "none"}
# Asked for no scope: what a client may read about its user, nothing it may change.
DEFAULT_SCOPES = ["openid", "accounts.self:read", "files:read", "rooms:read"]
# RFC 7591 name -> ours; the RFC names are what the error descriptions quote.
_OURS = {
    "client_name": "name",
    "redirect_uris": "redirect_uris",
    "scope": "scopes",
    "client_uri": "website_url",
    "policy_uri": "policy_url",
    "tos_uri": "terms_url",
    "logo_uri": "logo",
    "post_logout_redirect_uris": "logout_redirect_uri",
}
_RFC = {ours: rfc for rfc, ours in _OURS.items()}
# Fields that describe what we do not support; asking for them is refused.
_UNSUPPORTED = ("jwks", "jwks_uri", "sector_identifier_uri", "request_uris")


class _Fields(BaseModel):
    """Our client model's fields, with the management API's own validators."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    redirect_uris: RedirectUris
    scopes: Scopes
    website_url: HttpUrl = ""
    policy_url: HttpUrl = ""
    terms_url: HttpUrl = ""
    logo: Logo = ""
    logout_redirect_uri: HttpUrl = ""


class Metadata(BaseModel):
    """Validated metadata: what is stored, and what the answers echo."""

    fields: dict[str, Any]
    grant_types: list[str]
    token_endpoint_auth_method: str
    application_type: Literal["web", "native"]

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method == "none"


def _strings(body: dict[str, Any], name: str) -> list[str] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidClientMetadata(f"{name} must be an array of strings.")
    return list(dict.fromkeys(value))


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidClientMetadata(f"{name} must be a string.")
    return value


def _grants(body: dict[str, Any]) -> tuple[list[str], str]:
    grant_types = _strings(body, "grant_types") or [GrantType.AUTHORIZATION_CODE.value]
    if not set(grant_types) <= _GRANTS:
        raise InvalidClientMetadata(
            "grant_types: only authorization_code and refresh_token can be registered."
        )
    if GrantType.AUTHORIZATION_CODE.value not in grant_types:
        raise InvalidClientMetadata("grant_types must include authorization_code.")
    response_types = _strings(body, "response_types") or ["code"]
    if response_types != ["code"]:
        raise InvalidClientMetadata("response_types: only code is supported.")
    method = _text(body, "token_endpoint_auth_method") or "client_secret_basic"
    if method not in _AUTH_METHODS:
        raise InvalidClientMetadata(
            "token_endpoint_auth_method must be client_secret_basic, client_secret_post or none."
        )
    return grant_types, method


def _translated(body: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for rfc, ours in _OURS.items():
        if rfc in ("redirect_uris", "post_logout_redirect_uris"):
            continue
        value = _text(body, rfc)
        if value is not None:
            fields[ours] = value
    fields["redirect_uris"] = _strings(body, "redirect_uris") or []
    scope = fields.pop("scopes", None)
    fields["scopes"] = scope.split() if scope is not None else list(DEFAULT_SCOPES)
    logout = _strings(body, "post_logout_redirect_uris") or []
    if len(logout) > 1:
        raise InvalidClientMetadata("post_logout_redirect_uris: at most one can be registered.")
    if logout:
        fields["logout_redirect_uri"] = logout[0]
    if "name" not in fields and fields["redirect_uris"]:
        # Our clients all have a name (the consent page shows it): the redirect's host.
        fields["name"] = f"App at {_host(fields['redirect_uris'][0])}"
    return fields


def _host(uri: str) -> str:
    return (urlsplit(uri).hostname or uri)[:200]


def _native_redirects(redirect_uris: list[str]) -> None:
    """RFC 8252: a native app receives its code on a loopback listener (http) or a claimed
    https URL; a web app may not register a loopback URI under the native type's rules."""
    for uri in redirect_uris:
        if uri.startswith("http://") and not _is_loopback_literal(uri):
            raise InvalidRedirectUri("a native client's http redirect must be a loopback one.")


def _is_loopback_literal(uri: str) -> bool:
    return read_url(uri).is_loopback


def parse(body: Any) -> Metadata:
    if not isinstance(body, dict):
        raise InvalidClientMetadata("The registration request must be a JSON object.")
    for name in _UNSUPPORTED:
        if body.get(name) is not None:
            raise InvalidClientMetadata(f"{name} is not supported.")
    application_type = _text(body, "application_type") or "web"
    if application_type not in ("web", "native"):
        raise InvalidClientMetadata("application_type must be web or native.")
    grant_types, method = _grants(body)
    translated = _translated(body)
    if not translated["redirect_uris"]:
        raise InvalidRedirectUri("redirect_uris: at least one is required.")
    try:
        fields = _Fields.model_validate(translated)
    except ValidationError as exc:
        first = field_errors_from_pydantic(exc.errors())[0]
        rfc = _RFC.get(first.field, first.field)
        error = InvalidRedirectUri if rfc == "redirect_uris" else InvalidClientMetadata
        raise error(f"{rfc}: {first.reason or first.message}") from exc
    if application_type == "native":
        _native_redirects(fields.redirect_uris)
    return Metadata(
        fields=fields.model_dump(),
        grant_types=grant_types,
        token_endpoint_auth_method=method,
        application_type=application_type,
    )


class RegistrationResponse(BaseModel):
    """RFC 7591 §3.2.1 and RFC 7592 §3: the client's metadata as registered, with its
    credentials (the secrets only in the answers to registration)."""

    client_id: str
    client_secret: str | None = None
    client_id_issued_at: int
    client_secret_expires_at: int | None = None
    registration_access_token: str | None = None
    registration_client_uri: str
    client_name: str
    redirect_uris: list[str]
    grant_types: list[str]
    response_types: list[str] = Field(default_factory=lambda: ["code"])
    token_endpoint_auth_method: str
    application_type: str
    scope: str
    client_uri: str | None = None
    policy_uri: str | None = None
    tos_uri: str | None = None
    logo_uri: str | None = None
    post_logout_redirect_uris: list[str] | None = None

    @classmethod
    def of(
        cls,
        client: ClientData,
        *,
        uri: str,
        auth_method: str,
        secret: str | None = None,
        token: str | None = None,
    ) -> RegistrationResponse:
        return cls(
            client_id=client.client_id,
            client_secret=secret,
            client_id_issued_at=_epoch(client.created_on),
            # RFC 7591: 0 means the secret does not expire; absent for a public client.
            client_secret_expires_at=None if auth_method == "none" else 0,
            registration_access_token=token,
            registration_client_uri=uri,
            client_name=client.name,
            redirect_uris=list(client.redirect_uris),
            grant_types=list(client.grant_types),
            token_endpoint_auth_method=auth_method,
            application_type=client.application_type,
            scope=" ".join(client.scopes),
            client_uri=client.website_url or None,
            policy_uri=client.policy_url or None,
            tos_uri=client.terms_url or None,
            logo_uri=client.logo or None,
            post_logout_redirect_uris=[client.logout_redirect_uri]
            if client.logout_redirect_uri
            else None,
        )


def _epoch(instant: datetime) -> int:
    return int(instant.timestamp())
