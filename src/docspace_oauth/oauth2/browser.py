"""The person at the browser: who is signed in, and the checks that keep other sites out.

Credentials are looked for in the same places and order as the management API
(`callers.credentials`), but a stale one is not an error here: it means "not signed in", and
the sign-in page is shown.

Forms are protected three ways: SameSite=Lax on the session cookie, an Origin /
Sec-Fetch-Site check on every POST, and a token in each form: for the consent form an HMAC of
the session credential (useless without the cookie), for the sign-in form a double-submit
cookie. Callers that authenticate with a header rather than a cookie carry no ambient
authority, so they need no form token.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from fastapi import Request
from starlette.responses import Response

from docspace_oauth.callers.credentials import AUTH_COOKIE, Kind, presented
from docspace_oauth.callers.principal import Caller
from docspace_oauth.callers.service import caller_from_api_key, caller_from_signature
from docspace_oauth.oauth2.errors import CrossOriginRefused
from docspace_oauth.oauth2.state import AuthServer
from docspace_oauth.security.hashing import keyed_hash, same_secret
from docspace_oauth.validation import browser_url

LOGIN_CSRF_COOKIE = "dso_login_csrf"


@dataclass(frozen=True, slots=True)
class BrowserCaller:
    caller: Caller
    credential: str
    from_cookie: bool


async def signed_in(request: Request, server: AuthServer) -> BrowserCaller | None:
    """The first valid credential the request carries (callers.credentials has the order;
    an OAuth client's Basic credentials are not among them)."""
    for credential in presented(request):
        if credential.kind is Kind.ACCESS_TOKEN:
            continue  # an app's token is no person at a browser
        if credential.kind is Kind.API_KEY:
            caller = await caller_from_api_key(
                server.runtime.direct, server.hash_key, credential.value
            )
        else:
            caller = caller_from_signature(server.settings.signature_secret, credential.value)
        if caller is not None:
            return BrowserCaller(caller, credential.value, from_cookie=credential.from_cookie)
    return None


def origin_of(url: str) -> str | None:
    """The origin a browser gives `url` (validation.browser_url); None for anything a browser
    would not send as one (`http://a:b`, `http://[::1`, a port over 65535)."""
    parsed = browser_url(url)
    return None if parsed is None else parsed.origin


def host_of(url: str) -> str:
    """The host a browser goes to for `url`, as the consent page names it ("" if none)."""
    parsed = browser_url(url)
    return "" if parsed is None else parsed.host


def form_origins(*urls: str | None) -> list[str]:
    """The origins of these URLs, for a page's CSP form-action; unreadable ones left out."""
    return [o for o in (origin_of(url) for url in urls if url) if o is not None]


def refuse_cross_origin(request: Request, issuer: str) -> None:
    """A browser's form post must come from our own pages. A caller that sends no Origin
    (curl, a server) is not a browser being driven by another site, and passes."""
    if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
        raise CrossOriginRefused("This form was sent from another site; it was refused.")
    origin = request.headers.get("origin")
    if origin is not None and (origin_of(origin) is None or origin_of(origin) != origin_of(issuer)):
        # "null" (a sandboxed or privacy-sensitive context) and a malformed Origin are foreign.
        raise CrossOriginRefused("This form was sent from another site; it was refused.")


CONSOLE_PATH = "/console"
_CONSOLE_NEXT = re.compile(r"^/console(?:/[A-Za-z0-9._~/-]*)?(?:\?[A-Za-z0-9._~%&=+:,-]*)?$")


DEVICE_PATH = "/oauth2/device"
_DEVICE_NEXT = re.compile(r"^/oauth2/device(?:\?user_code=[A-Za-z0-9-]{1,16})?$")


def is_return_path(next_url: str) -> bool:
    """A page of ours that signs in to any tenant, to return to after signing in: a same-site
    relative path under /console, or the device page (RFC 8628, oauth2/device.py, which
    checks the tenant itself); never an absolute or scheme-relative URL (no open redirect)."""
    if _DEVICE_NEXT.match(next_url) is not None:
        return True
    if len(next_url) > 2048 or _CONSOLE_NEXT.match(next_url) is None:
        return False
    return not any(part in {".", ".."} for part in next_url.split("?", 1)[0].split("/"))


def consent_csrf_token(server: AuthServer, credential: str) -> str:
    return keyed_hash(server.hash_key, "consent-form\x00" + credential)


def consent_csrf_ok(server: AuthServer, who: BrowserCaller, submitted: str | None) -> bool:
    if not who.from_cookie:
        return True
    expected = consent_csrf_token(server, who.credential)
    return submitted is not None and same_secret(expected, submitted)


def login_csrf_token(request: Request) -> str:
    existing = request.cookies.get(LOGIN_CSRF_COOKIE)
    if existing and 20 <= len(existing) <= 64:
        return existing
    return secrets.token_urlsafe(24)


def login_csrf_ok(request: Request, submitted: str | None) -> bool:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    return bool(cookie and submitted) and same_secret(str(cookie), submitted)


def secure_cookies(server: AuthServer, request: Request | None = None) -> bool:
    # The request's scheme counts too: behind a trusted proxy that terminates TLS, uvicorn
    # takes it from X-Forwarded-Proto (ops/listener.py), even if the issuer says http.
    return (
        server.settings.cookie_secure
        or server.issuer.startswith("https://")
        or (request is not None and request.scope.get("scheme") == "https")
    )


def set_login_csrf_cookie(
    response: Response, server: AuthServer, token: str, request: Request | None = None
) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path="/oauth2",
        httponly=True,
        samesite="strict",
        secure=secure_cookies(server, request),
    )


def set_session_cookie(
    response: Response, server: AuthServer, api_key: str, request: Request | None = None
) -> None:
    response.set_cookie(
        AUTH_COOKIE,
        api_key,
        max_age=server.settings.session_ttl_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(server, request),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/oauth2")


def clear_session_cookie(
    response: Response, server: AuthServer, request: Request | None = None
) -> None:
    """Signed out: the browser forgets the cookie (the database has revoked its key)."""
    response.delete_cookie(
        AUTH_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(server, request),
    )
