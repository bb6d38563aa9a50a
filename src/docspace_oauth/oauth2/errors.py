"""Protocol errors of the authorization server, one class per registered error code.

They subclass the project's one error base and override `render()`, so the single handler
in `docspace_oauth.errors` produces RFC 6749 section 5.2 JSON (`{error, error_description}`)
at the token, introspection and revocation endpoints, RFC 6750 challenges at userinfo, and
at /authorize either a redirect back to the client or an HTML error page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from docspace_oauth.errors import Channel, DocSpaceOAuthError, client_text

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuth2Error(DocSpaceOAuthError):
    """RFC 6749 section 5.2: a JSON body with `error` and `error_description`."""

    status = 400
    error: ClassVar[str] = "invalid_request"

    def __init__(
        self,
        description: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        persist: bool = False,
    ) -> None:
        super().__init__(description, headers=headers)
        # The transaction commits before this error is sent: it follows a deliberate write,
        # such as revoking a family on refresh-token reuse.
        self.persist = persist

    @property
    def description(self) -> str:
        """What the client is told: never more than RFC 6749's character set, whatever of the
        request the text quotes (it goes into JSON, a redirect and WWW-Authenticate)."""
        return client_text(self.detail or self.error.replace("_", " "), Channel.OAUTH)

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.description}

    def render(self, request: Request) -> Response:
        return JSONResponse(
            self.body(), status_code=self.status, headers={**NO_STORE, **self.headers}
        )


# RFC 6749 section 5.2 (token endpoint) and 4.1.2.1 (authorization endpoint).


class InvalidRequest(OAuth2Error):
    error = "invalid_request"


class InvalidClient(OAuth2Error):
    status = 401
    error = "invalid_client"

    def __init__(self, description: str | None = None, *, persist: bool = False) -> None:
        super().__init__(
            description or "Client authentication failed.",
            headers={"WWW-Authenticate": 'Basic realm="docspace-oauth", charset="UTF-8"'},
            persist=persist,
        )


class InvalidGrant(OAuth2Error):
    error = "invalid_grant"


class UnauthorizedClient(OAuth2Error):
    error = "unauthorized_client"


class UnsupportedGrantType(OAuth2Error):
    error = "unsupported_grant_type"


class InvalidScope(OAuth2Error):
    error = "invalid_scope"


class AccessDenied(OAuth2Error):
    status = 403
    error = "access_denied"


# RFC 8628 3.5: what a device polling the token endpoint is told.


class AuthorizationPending(OAuth2Error):
    error = "authorization_pending"


class SlowDown(OAuth2Error):
    error = "slow_down"


class ExpiredToken(OAuth2Error):
    error = "expired_token"


class DeviceAccessDenied(OAuth2Error):
    """access_denied as the token endpoint says it (400), not the authorization endpoint."""

    error = "access_denied"


class UnsupportedResponseType(OAuth2Error):
    error = "unsupported_response_type"


class ServerError(OAuth2Error):
    status = 500
    error = "server_error"


class TemporarilyUnavailable(OAuth2Error):
    status = 503
    error = "temporarily_unavailable"


# OpenID Connect Core 3.1.2.6 (prompt=none).


class LoginRequired(OAuth2Error):
    error = "login_required"


class ConsentRequired(OAuth2Error):
    error = "consent_required"


# RFC 7009 section 2.2.1.


class UnsupportedTokenType(OAuth2Error):
    error = "unsupported_token_type"


class TooManyFailures(OAuth2Error):
    """429 after too many failed client authentications; RFC 6749 has no code for it, and
    `invalid_client` is what the client did to get here."""

    status = 429
    error = "invalid_client"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed client authentications; retry in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )


# RFC 6750 section 3.1: errors at a protected resource (userinfo).


class BearerError(OAuth2Error):
    def render(self, request: Request) -> Response:
        challenge = (
            f'Bearer realm="docspace-oauth", error="{self.error}", '
            f'error_description="{self.description}"'
        )
        return JSONResponse(
            self.body(),
            status_code=self.status,
            headers={**NO_STORE, "WWW-Authenticate": challenge, **self.headers},
        )


class InvalidToken(BearerError):
    status = 401
    error = "invalid_token"


class InsufficientScope(BearerError):
    status = 403
    error = "insufficient_scope"


class MissingToken(OAuth2Error):
    """RFC 6750 section 3.1: no credentials at all gets a bare challenge."""

    status = 401
    error = "invalid_request"

    def render(self, request: Request) -> Response:
        return JSONResponse(
            self.body(),
            status_code=self.status,
            headers={**NO_STORE, "WWW-Authenticate": 'Bearer realm="docspace-oauth"'},
        )


# The authorization endpoint: back to the client, or, when the client or its redirect URI
# cannot be trusted, an error page and never a redirect (RFC 6749 section 4.1.2.1).


def with_query(uri: str, params: Mapping[str, str | None]) -> str:
    """`uri` with `params` appended to its query, keeping what it already carries."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.extend((k, v) for k, v in params.items() if v is not None)
    return urlunsplit(parts._replace(query=urlencode(query)))


class AuthorizeRedirect(DocSpaceOAuthError):
    """An authorization error sent back to the client's (already validated) redirect URI."""

    status = 302

    def __init__(
        self,
        error: OAuth2Error,
        *,
        redirect_uri: str,
        state: str | None,
        issuer: str,
        persist: bool = False,
    ) -> None:
        super().__init__(error.description)
        self.error = error
        self.redirect_uri = redirect_uri
        self.state = state
        self.issuer = issuer
        self.persist = persist

    def location(self) -> str:
        return with_query(
            self.redirect_uri,
            {
                "error": self.error.error,
                "error_description": self.error.description,
                "state": self.state,
                "iss": self.issuer,  # RFC 9207: errors carry the issuer too
            },
        )

    def render(self, request: Request) -> Response:
        return RedirectResponse(self.location(), status_code=302, headers=NO_STORE)


class ErrorPage(DocSpaceOAuthError):
    """An HTML page for the person at the browser: bad client, bad redirect URI, a stale
    form. Never redirects anywhere."""

    status = 400
    heading: ClassVar[str] = "This sign-in link doesn't work"

    def __init__(self, detail: str, *, status: int | None = None, heading: str | None = None):
        super().__init__(detail)
        self.page_status = status or self.status
        self.page_heading = heading or self.heading

    def render(self, request: Request) -> Response:
        from docspace_oauth.web import render_page

        return render_page(
            request,
            "error.html",
            {"heading": self.page_heading, "message": client_text(self.detail or "", Channel.TEXT)},
            status_code=self.page_status,
        )


class CrossOriginRefused(ErrorPage):
    status = 403
    heading = "Request refused"


class InvalidTarget(OAuth2Error):
    """RFC 8707 §2: a resource the server does not know, or one this grant does not cover."""

    error = "invalid_target"
