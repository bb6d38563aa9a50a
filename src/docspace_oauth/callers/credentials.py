"""Where a request carries its credentials, read the same way for the API and the browser.

In order of precedence, headers before cookies (a header is never sent by the browser on its
own, so a form post that carries one cannot be another site's doing):
1. the Authorization header: an API key, bare or as `Bearer <key>`, or `Bearer <JWT>`: an
   access token this server issued for its own API (oauth2/api_tokens.py);
2. the `x-signature` header (a portal's HS256 JWT);
3. the `asc_auth_key` cookie (the contract's API-key scheme, and the sign-in session);
4. the `x-signature` cookie;
5. a cookie without a name. ONLYOFFICE's generated SDKs, configured as their docs show
   (`api_key={"asc_auth_key": KEY}` or `{"x-signature": JWT}`), send the credential as a
   bare `Cookie: VALUE` header; the value says which kind it is (a JWT has two dots, our API
   keys none).

A value in the Authorization header or a cookie that is not one of our keys (they all start
with `dso_`) is some other system's credential, a portal's own session token say, and is
left alone, as DocSpace's identity service ignores what is not its x-signature.

The management API takes the first credential present and refuses it when it is wrong (a
stale key never silently falls back to another identity); the browser pages take the first
one that is valid (a stale cookie just means "not signed in").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from starlette.requests import HTTPConnection

API_KEY_PREFIX = "dso_"
AUTH_COOKIE = "asc_auth_key"
SIGNATURE = "x-signature"
_NAMELESS = ""  # Starlette files a cookie without "name=" under the empty name


class Kind(StrEnum):
    API_KEY = "api_key"
    SIGNATURE = "x-signature"
    ACCESS_TOKEN = "access_token"


@dataclass(frozen=True, slots=True)
class Presented:
    kind: Kind
    value: str
    from_cookie: bool  # ambient authority: a browser sends it by itself, so forms need CSRF


def _ours(value: str) -> bool:
    return value.startswith(API_KEY_PREFIX)


def _authorization(request: HTTPConnection) -> Presented | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    bearer = scheme.lower() == "bearer"
    key = value.strip() if bearer else header.strip()
    if _ours(key):
        return Presented(Kind.API_KEY, key, from_cookie=False)
    if bearer and _looks_like_jwt(key) and len(key) <= 8192:
        return Presented(Kind.ACCESS_TOKEN, key, from_cookie=False)
    return None


def _looks_like_jwt(value: str) -> bool:
    return value.count(".") == 2


def presented(request: HTTPConnection) -> list[Presented]:
    """Every credential of ours the request carries, in order of precedence."""
    found: list[Presented] = []
    header = _authorization(request)
    if header is not None:
        found.append(header)
    signature = request.headers.get(SIGNATURE)
    if signature:
        found.append(Presented(Kind.SIGNATURE, signature, from_cookie=False))
    cookies = request.cookies
    if _ours(cookies.get(AUTH_COOKIE, "")):
        found.append(Presented(Kind.API_KEY, cookies[AUTH_COOKIE], from_cookie=True))
    if cookies.get(SIGNATURE):
        found.append(Presented(Kind.SIGNATURE, cookies[SIGNATURE], from_cookie=True))
    nameless = cookies.get(_NAMELESS, "")
    if _ours(nameless):
        found.append(Presented(Kind.API_KEY, nameless, from_cookie=True))
    elif _looks_like_jwt(nameless):
        found.append(Presented(Kind.SIGNATURE, nameless, from_cookie=True))
    return found
