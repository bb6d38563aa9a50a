"""A client's fields as `clients create` and `clients update` take them: every field of the
API, from options or from a JSON file (`--file`, `-` for stdin), options winning.

The file may be what `clients show --format json` printed: the fields a server sets itself
(id, dates, authentication methods...) are ignored, and `logout_redirect_uris`, as the API
answers it, is read as the `logout_redirect_uri` it takes.
"""

from __future__ import annotations

import base64
import html
import json
import mimetypes
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from docspace_oauth.sdk import ClientResponse, CreateClientRequest, UpdateClientRequest

Name = Annotated[str | None, typer.Option("--name", help="Display name (3-256 characters).")]
Description = Annotated[str | None, typer.Option("--description", help="Description.")]
WebsiteUrl = Annotated[str | None, typer.Option("--website-url", help="The app's home page.")]
TermsUrl = Annotated[str | None, typer.Option("--terms-url", help="Its terms of service.")]
PolicyUrl = Annotated[str | None, typer.Option("--policy-url", help="Its privacy policy.")]
LogoutRedirectUri = Annotated[
    str | None,
    typer.Option("--logout-redirect-uri", help="Where to send users after sign-out."),
]
RedirectUris = Annotated[
    list[str] | None,
    typer.Option("--redirect-uri", help="Redirect URI; repeat for several.", show_default=False),
]
AllowedOrigins = Annotated[
    list[str] | None,
    typer.Option(
        "--allowed-origin", help="Allowed origin; repeat for several.", show_default=False
    ),
]
Scopes = Annotated[
    list[str] | None,
    typer.Option("--scope", help="Scope, e.g. files:read; repeat for several.", show_default=False),
]
GrantTypes = Annotated[
    list[str] | None,
    typer.Option(
        "--grant-type",
        help="authorization_code, refresh_token or client_credentials; repeat for several "
        "(this server's extension).",
        show_default=False,
    ),
]
LogoFile = Annotated[
    Path | None,
    typer.Option(
        "--logo-file",
        exists=True,
        dir_okay=False,
        readable=True,
        help="PNG, JPEG or SVG image, sent as a data URI.",
    ),
]
AllowPkce = Annotated[
    bool | None, typer.Option("--allow-pkce/--no-allow-pkce", help="Allow PKCE without a secret.")
]
Public = Annotated[bool | None, typer.Option("--public/--no-public", help="Public client.")]
BackchannelLogoutUri = Annotated[
    str | None,
    typer.Option(
        "--backchannel-logout-uri",
        help='Where to POST a logout_token when a sign-in session ends ("" for none).',
    ),
]
BackchannelSessionRequired = Annotated[
    bool | None,
    typer.Option(
        "--backchannel-session-required/--no-backchannel-session-required",
        help="The client needs the sid in its logout_tokens.",
    ),
]
File = Annotated[
    str | None,
    typer.Option(
        "--file",
        "-f",
        metavar="PATH",
        help="The client as JSON (as `clients show --format json` prints it); - for stdin. "
        "Options given beside it win.",
    ),
]

# What a server sets and a request cannot: ignored when read from a file.
_SERVER_SET = frozenset(
    {
        "client_id",
        "client_secret",
        "tenant",
        "enabled",
        "authentication_methods",
        "created_on",
        "created_by",
        "modified_on",
        "modified_by",
        "registration",
        "application_type",
    }
)
_REQUEST_FIELDS = frozenset(CreateClientRequest.model_fields)
# The options create cannot do without, checked after the file is merged in.
_REQUIRED = {
    "name": "--name",
    "website_url": "--website-url",
    "terms_url": "--terms-url",
    "policy_url": "--policy-url",
    "logout_redirect_uri": "--logout-redirect-uri",
}


# The options whose parameter is named otherwise than the field it fills.
_OPTION_FIELDS = {
    "redirect_uri": "redirect_uris",
    "allowed_origin": "allowed_origins",
    "scope": "scopes",
    "grant_type": "grant_types",
    "public": "is_public",
    "backchannel_session_required": "backchannel_logout_session_required",
}


class MissingOption(Exception):
    def __init__(self, flag: str) -> None:
        super().__init__(f"Missing option '{flag}'.")


@dataclass(frozen=True, slots=True)
class ClientFields:
    """The fields given on the command line, None where an option was left out."""

    name: str | None = None
    description: str | None = None
    website_url: str | None = None
    terms_url: str | None = None
    policy_url: str | None = None
    logout_redirect_uri: str | None = None
    redirect_uris: list[str] | None = None
    allowed_origins: list[str] | None = None
    scopes: list[str] | None = None
    grant_types: list[str] | None = None
    logo_file: Path | None = None
    allow_pkce: bool | None = None
    is_public: bool | None = None
    file: str | None = None
    backchannel_logout_uri: str | None = None
    backchannel_logout_session_required: bool | None = None

    @classmethod
    def of_options(cls, options: dict[str, Any], own: tuple[str, ...] = ()) -> ClientFields:
        """The fields from a command's parameters, by the options' names (singular for the
        repeatable ones, as on the command line); `own` names the command's parameters that
        are not fields (the client id of `update`). Any other name is a bug, said at once."""
        return cls(**{_OPTION_FIELDS.get(k, k): v for k, v in options.items() if k not in own})

    def given(self) -> dict[str, Any]:
        """The file's fields, then the options' over them, in the API's names."""
        fields = read_file(self.file) if self.file else {}
        options: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "website_url": self.website_url,
            "terms_url": self.terms_url,
            "policy_url": self.policy_url,
            "logout_redirect_uri": self.logout_redirect_uri,
            # Typer gives an empty list for a repeatable option left out.
            "redirect_uris": self.redirect_uris or None,
            "allowed_origins": self.allowed_origins or None,
            "scopes": self.scopes or None,
            "grant_types": self.grant_types or None,
            "logo": None if self.logo_file is None else logo_data_uri(self.logo_file),
            "allow_pkce": self.allow_pkce,
            "is_public": self.is_public,
            "backchannel_logout_uri": self.backchannel_logout_uri,
            "backchannel_logout_session_required": self.backchannel_logout_session_required,
        }
        return fields | {key: value for key, value in options.items() if value is not None}

    def create_request(self) -> CreateClientRequest:
        body = {"redirect_uris": [], "allowed_origins": [], "scopes": []} | self.given()
        for field, flag in _REQUIRED.items():
            if not body.get(field):
                # Worded as Click words a missing required option: it is one, unless --file.
                raise MissingOption(flag)
        # DocSpace requires a logo: without one, a plain one made of the name's first letter.
        body.setdefault("logo", letter_logo(str(body["name"])))
        return CreateClientRequest(**body)

    def update_request(self, current: ClientResponse) -> UpdateClientRequest | None:
        """PUT replaces a client's settings: the current values, with the given ones over
        them; None when nothing was given."""
        changes = self.given()
        if not changes:
            return None
        return UpdateClientRequest(**(editable(current) | changes))


def read_file(path: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
    except OSError as error:
        message = f"cannot read {path}: {error.strerror}"
        raise typer.BadParameter(message, param_hint="--file") from None
    except json.JSONDecodeError as error:
        raise typer.BadParameter(f"{path} is not JSON: {error}", param_hint="--file") from None
    if not isinstance(data, dict):
        raise typer.BadParameter(f"{path} holds no JSON object", param_hint="--file")
    plural = data.pop("logout_redirect_uris", None)
    if isinstance(plural, list) and plural and "logout_redirect_uri" not in data:
        data["logout_redirect_uri"] = plural[0]
    fields = {k: v for k, v in data.items() if k not in _SERVER_SET}
    unknown = sorted(set(fields) - _REQUEST_FIELDS)
    if unknown:
        raise typer.BadParameter(
            f"{path} has fields no client has: {', '.join(unknown)}", param_hint="--file"
        )
    return fields


def editable(client: ClientResponse) -> dict[str, Any]:
    """The client's current values of every field an update may send."""
    values: dict[str, Any] = {
        "name": client.name,
        "description": client.description,
        "redirect_uris": client.redirect_uris,
        "allowed_origins": client.allowed_origins,
        "scopes": client.scopes,
        "allow_pkce": client.allow_pkce,
        "is_public": client.is_public,
        "website_url": client.website_url,
        "terms_url": client.terms_url,
        "policy_url": client.policy_url,
        "logout_redirect_uri": next(iter(client.logout_redirect_uris), None),
        "grant_types": client.grant_types,
        "backchannel_logout_uri": client.backchannel_logout_uri,
        "backchannel_logout_session_required": client.backchannel_logout_session_required,
    }
    # Only a data URI can be sent back; a server answering with a logo URL
    # keeps its logo when the field is left out.
    if client.logo and client.logo.startswith("data:"):
        values["logo"] = client.logo
    # None means "keep" to UpdateClientRequest, so a value the server did not send stays.
    return {key: value for key, value in values.items() if value is not None}


_LOGO_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
}


def logo_data_uri(path: Path) -> str:
    """Read an image file into the data URI the contract's ``logo`` expects."""
    content = path.read_bytes()
    media_type = _LOGO_TYPES.get(path.suffix.lower()) or _sniff_image(content)
    if media_type is None:
        guessed = mimetypes.guess_type(path.name)[0] or "unknown type"
        raise typer.BadParameter(
            f"{path.name} is {guessed}; the logo must be PNG, JPEG or SVG",
            param_hint="--logo-file",
        )
    return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"


def letter_logo(name: str) -> str:
    """A plain square logo with the name's first letter, as an SVG data URI."""
    letter = next((c for c in name if c.isalnum()), "?").upper()
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
        '<rect width="64" height="64" rx="12" fill="#3b5b7a"/>'
        '<text x="32" y="43" font-family="sans-serif" font-size="32" text-anchor="middle" '
        f'fill="#ffffff">{html.escape(letter)}</text></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def _sniff_image(content: bytes) -> str | None:
    # For files without a telling suffix, trust the bytes.
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if b"<svg" in content[:1024]:
        return "image/svg+xml"
    return None
