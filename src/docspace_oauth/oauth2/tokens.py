"""JWT access tokens (RFC 9068) and OpenID Connect id_tokens, minted and verified with joserfc.

Access token claims: iss, aud (the tenant's URL), sub (the user, or the client for
client_credentials), client_id (a metadata document's client: its URL) and cid (always the
client's row id), tid, scope, iat, exp, jti, and two private claims
that make revocation O(1):

- `gen`: the consent generation the token was minted under. Revoking a consent moves the
  generation on, so every older token fails at introspection; no token row is touched.
- `fam`: the token family (one per code exchange and its refresh chain). A replayed code or a
  reused refresh token revokes the family row, and with it every access token it issued.

Refresh tokens and codes are opaque random strings; only their keyed hashes are stored.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError

from docspace_oauth.oauth2.keys import KeyStore, LoadedKey

ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})


def opaque_token() -> str:
    """A code or refresh token: 256 bits from the OS's CSPRNG."""
    return secrets.token_urlsafe(32)


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


def still_allowed(granted: Sequence[str], client_scopes: Sequence[str]) -> list[str]:
    """The granted scopes the client still has. An admin who narrows a client's scopes
    narrows every grant it holds, at once: refreshing yields no more, and introspection and
    userinfo see no more, than the client may have now (docs/security.md, Decisions)."""
    allowed = set(client_scopes)
    return [scope for scope in granted if scope in allowed]


@dataclass(frozen=True, slots=True)
class Grant:
    """Who a token speaks for, and what it allows."""

    client_id: str
    tenant_id: int
    subject: str
    audience: str
    scopes: Sequence[str]
    generation: int | None = None
    family_id: str | None = None


@dataclass(frozen=True, slots=True)
class AccessToken:
    value: str
    jti: str
    issued_at: int
    expires_at: int


def _sign(key: LoadedKey, header: dict[str, Any], claims: dict[str, Any]) -> str:
    return jwt.encode({**header, "alg": key.alg, "kid": key.kid}, claims, key.key)


def mint_access_token(
    key: LoadedKey,
    *,
    issuer: str,
    grant: Grant,
    ttl: int,
    now: int,
    public_client_id: str | None = None,
) -> AccessToken:
    """`public_client_id`: the client_id the client is known by outside, when it is not
    its row's id (a metadata document's URL); `cid` always names the row."""
    jti = secrets.token_urlsafe(18)
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": grant.audience,
        "sub": grant.subject,
        "client_id": public_client_id or grant.client_id,
        "cid": grant.client_id,
        "tid": grant.tenant_id,
        "scope": " ".join(grant.scopes),
        "iat": now,
        "exp": now + ttl,
        "jti": jti,
    }
    if grant.generation is not None:
        claims["gen"] = grant.generation
    if grant.family_id is not None:
        claims["fam"] = grant.family_id
    value = _sign(key, {"typ": "at+jwt"}, claims)
    return AccessToken(value=value, jti=jti, issued_at=now, expires_at=now + ttl)


def _left_half_hash(value: str) -> str:
    """at_hash (OIDC Core 3.1.3.6): ES256 and RS256 both hash with SHA-256."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class Authentication:
    """The sign-in behind a grant, as its id_tokens tell it (OIDC Core 2): when (auth_time,
    seconds), which session (sid) and how (amr, RFC 8176). A grant made for a caller with no
    sign-in session (an API key or x-signature header) has none."""

    auth_time: int
    session_id: str
    amr: tuple[str, ...]


def mint_id_token(
    key: LoadedKey,
    *,
    issuer: str,
    client_id: str,
    subject: str,
    tenant_id: int,
    name: str,
    email: str,
    nonce: str | None,
    access_token: str,
    ttl: int,
    now: int,
    authentication: Authentication | None = None,
) -> str:
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": subject,
        "aud": client_id,
        "azp": client_id,
        "iat": now,
        "exp": now + ttl,
        "at_hash": _left_half_hash(access_token),
        "tid": tenant_id,
    }
    if nonce:
        claims["nonce"] = nonce
    if name:
        claims["name"] = name
    if email:
        claims["email"] = email
    if authentication is not None:
        claims["auth_time"] = authentication.auth_time
        claims["sid"] = authentication.session_id
        claims["amr"] = list(authentication.amr)
    return _sign(key, {"typ": "JWT"}, claims)


class UnknownKey(Exception):
    """The token names a kid this process has not loaded; reload and try once more."""


@dataclass(frozen=True, slots=True)
class VerifiedAccessToken:
    claims: dict[str, Any]
    jti: str
    client_id: str
    subject: str
    tenant_id: int
    scopes: tuple[str, ...]
    issued_at: int
    expires_at: int
    generation: int | None
    family_id: str | None
    kid: str = ""


def _header(token: str) -> dict[str, Any] | None:
    try:
        segment = token.split(".", 1)[0]
        decoded = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: a header of nested arrays ("[[[[...", a few KB) is deeper than
        # the JSON decoder goes; it is no header, not a server error.
        return None
    return decoded if isinstance(decoded, dict) else None


def verify_access_token(
    store: KeyStore, token: str, *, issuer: str, now: int
) -> VerifiedAccessToken | None:
    """Signature, type, issuer and expiry; None when any fails. Raises UnknownKey when the
    kid is not loaded here (the caller reloads the store and asks again)."""
    if len(token) > 8192 or not looks_like_jwt(token):
        return None
    header = _header(token)
    if header is None or str(header.get("typ", "")).lower() not in ACCESS_TOKEN_TYPES:
        return None
    kid = header.get("kid")
    if not isinstance(kid, str):
        return None
    key = store.get(kid)
    if key is None:
        raise UnknownKey(kid)
    if header.get("alg") != key.alg:
        return None
    try:
        claims = jwt.decode(token, key.key, algorithms=[key.alg]).claims
    except (JoseError, ValueError, TypeError):
        return None
    checked = _checked(claims, issuer=issuer, now=now)
    return None if checked is None else replace(checked, kid=kid)


def _checked(claims: dict[str, Any], *, issuer: str, now: int) -> VerifiedAccessToken | None:
    exp, iat = claims.get("exp"), claims.get("iat")
    # `cid` is the client's row (what revocation state is looked up by); `client_id` may be
    # a metadata document's URL instead.
    jti, subject = claims.get("jti"), claims.get("sub")
    client_id = claims.get("cid", claims.get("client_id"))
    tenant_id, scope = claims.get("tid"), claims.get("scope", "")
    generation, family_id = claims.get("gen"), claims.get("fam")
    if claims.get("iss") != issuer:
        return None
    if not isinstance(exp, int) or not isinstance(iat, int) or exp <= now:
        return None
    if not (isinstance(jti, str) and isinstance(client_id, str) and isinstance(subject, str)):
        return None
    if not isinstance(tenant_id, int) or not isinstance(scope, str):
        return None
    if generation is not None and not isinstance(generation, int):
        return None
    if family_id is not None and not isinstance(family_id, str):
        return None
    return VerifiedAccessToken(
        claims=claims,
        jti=jti,
        client_id=client_id,
        subject=subject,
        tenant_id=tenant_id,
        scopes=tuple(scope.split()),
        issued_at=iat,
        expires_at=exp,
        generation=generation,
        family_id=family_id,
    )


class VerifiedTokens:
    """Access tokens whose signature this process has checked, by their text.

    An ES256 verification costs about 0.13 ms, most of an introspection. What it proves never
    changes, so a token seen before is not verified again; a hit still requires what can
    change: the token has not expired, and its key is still one the store publishes (a key
    dropped from the database vouches for nothing). Revocation is never cached: the caller
    reads it from the database on every request. Bounded: when full it starts afresh.
    """

    def __init__(self, store: KeyStore, size: int = 4096) -> None:
        self._store = store
        self._size = size
        self._tokens: dict[str, VerifiedAccessToken] = {}

    def get(self, token: str, now: int) -> VerifiedAccessToken | None:
        found = self._tokens.get(token)
        if found is None:
            return None
        if found.expires_at <= now or self._store.get(found.kid) is None:
            del self._tokens[token]
            return None
        return found

    def put(self, token: str, verified: VerifiedAccessToken) -> None:
        if len(self._tokens) >= self._size:
            self._tokens.clear()
        self._tokens[token] = verified


async def verify_with_reload(
    store: KeyStore,
    token: str,
    *,
    issuer: str,
    now: int,
    reload: Callable[[], Awaitable[None]],
    cache: VerifiedTokens | None = None,
) -> VerifiedAccessToken | None:
    """`verify_access_token`, reloading the store once (via the `reload` coroutine
    function) when the token names a kid this process has not seen."""
    if cache is not None:
        hit = cache.get(token, now)
        if hit is not None:
            return hit
        verified = await verify_with_reload(store, token, issuer=issuer, now=now, reload=reload)
        if verified is not None:
            cache.put(token, verified)
        return verified
    try:
        return verify_access_token(store, token, issuer=issuer, now=now)
    except UnknownKey:
        await reload()
    try:
        return verify_access_token(store, token, issuer=issuer, now=now)
    except UnknownKey:
        return None


class UnverifiableToken(Exception):
    """A token that is not one of our id_tokens, or whose signature fails."""


def verify_id_token(store: KeyStore, token: str, *, issuer: str) -> dict[str, Any]:
    """One of our id_tokens' claims, expired or not (an id_token_hint may be expired: OIDC
    RP-Initiated Logout 1.0 section 4). Raises UnknownKey for a kid not loaded here, and
    UnverifiableToken for anything else that is not our signature on our claims."""
    header = _header(token) if len(token) <= 8192 and looks_like_jwt(token) else None
    if header is None or str(header.get("typ", "JWT")).upper() != "JWT":
        raise UnverifiableToken("not an id_token")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise UnverifiableToken("no kid")
    key = store.get(kid)
    if key is None:
        raise UnknownKey(kid)
    if header.get("alg") != key.alg:
        raise UnverifiableToken("wrong alg")
    try:
        claims = jwt.decode(token, key.key, algorithms=[key.alg]).claims
    except (JoseError, ValueError, TypeError) as exc:
        raise UnverifiableToken("bad signature") from exc
    if claims.get("iss") != issuer or not isinstance(claims.get("sub"), str):
        raise UnverifiableToken("not ours")
    return claims


BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


def mint_logout_token(
    key: LoadedKey,
    *,
    issuer: str,
    client_id: str,
    jti: str,
    subject: str,
    session_id: str | None,
    ttl: int,
    now: int,
) -> str:
    """A Back-Channel Logout 1.0 logout_token (section 2.4): never a nonce, always the event."""
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": client_id,
        "iat": now,
        "exp": now + ttl,
        "jti": jti,
        "sub": subject,
        "events": {BACKCHANNEL_EVENT: {}},
    }
    if session_id is not None:
        claims["sid"] = session_id
    return _sign(key, {"typ": "logout+jwt"}, claims)
