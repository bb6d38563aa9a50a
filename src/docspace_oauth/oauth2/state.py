"""What the authorization server keeps in-process, and its transactions.

The only in-process state is the cache of decrypted signing keys (checked against the
database on use, see keys.py), the signatures already verified (tokens.VerifiedTokens: a
signature's validity never changes) and the failure counters' local "blocked until" marks.
Every security decision about a token (client, consent, family, jti) is read from the
database per request, so a restart or another instance never disagrees.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.audit.service import flush_deferred
from docspace_oauth.db.engine import begin
from docspace_oauth.errors import DocSpaceOAuthError
from docspace_oauth.oauth2.keys import KeyStore, ensure_signing_key
from docspace_oauth.oauth2.tokens import VerifiedTokens
from docspace_oauth.ops.middleware import client_ip as client_ip  # re-exported for oauth2
from docspace_oauth.ratelimit.limiter import RateLimiter
from docspace_oauth.runtime import Runtime
from docspace_oauth.settings import Settings


class FailureThrottle:
    """Counts failures (never successes) per key in the shared limiter; over the limit, the
    key is refused until its window ends, even with the right credentials, so guessing gets
    nowhere. Other instances learn of the block at their next failure for that key."""

    def __init__(self, limiter: RateLimiter, *, enabled: bool, limit: int, window: int) -> None:
        self._limiter = limiter
        self._enabled = enabled
        self._limit = limit
        self._window = window
        self._blocked: dict[str, float] = {}

    def blocked_for(self, key: str) -> int | None:
        """Seconds this key stays blocked, or None."""
        if not self._enabled or not self._blocked:
            return None
        until = self._blocked.get(key)
        if until is None:
            return None
        left = until - time.monotonic()
        if left <= 0:
            del self._blocked[key]
            return None
        return max(1, int(left + 0.999))

    async def failed(self, key: str) -> int | None:
        """Record a failure; seconds to wait when this one went over the limit."""
        if not self._enabled:
            return None
        decision = await self._limiter.hit(f"oauth2-fail:{key}", self._limit, self._window)
        if decision.allowed:
            return None
        if len(self._blocked) > 50_000:
            now = time.monotonic()
            self._blocked = {k: v for k, v in self._blocked.items() if v > now}
        self._blocked[key] = time.monotonic() + decision.reset_after
        return decision.reset_after


# The rule for every throttle: one key per secret, wherever that secret is tried. A client's
# secret is tried at the token, introspection and revocation endpoints; a password at the one
# sign-in form, whether it serves an app's authorization request or the console. A second key
# for the same secret would hand a blocked guesser a fresh allowance.


def client_secret_throttle_key(client_id: str, ip: str) -> str:
    return f"client|{client_id[:64]}|{ip}"


def password_throttle_key(email: str, ip: str) -> str:
    return f"sign-in|{email.strip().lower()[:320]}|{ip}"


@dataclass(slots=True)
class AuthServer:
    runtime: Runtime
    keys: KeyStore
    client_auth_failures: FailureThrottle
    sign_in_failures: FailureThrottle
    verified_tokens: VerifiedTokens
    # Wrong user codes on the device page, per session and per address (oauth2/device.py).
    device_code_failures: FailureThrottle
    # Set after a commit that queued back-channel logouts: the sender (sessions.delivery)
    # goes at once rather than at its next poll.
    logout_due: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def issuer(self) -> str:
        return self.runtime.settings.issuer_url

    @property
    def hash_key(self) -> bytes:
        return self.runtime.keys.hash_key

    @asynccontextmanager
    async def transaction(self, *, write: bool) -> AsyncIterator[AsyncSession]:
        """Like the API's session dependency, but chosen per request: read-only work (the
        introspection hot path) keeps SQLite readers concurrent, and writes take the lock
        up front. Commits before the response is built; an error marked `persist` (it follows
        a deliberate write, such as revoking a family) commits too."""
        try:
            async with self.runtime.sessions() as session:
                await begin(session, write=write)
                try:
                    yield session
                    await session.commit()
                except DocSpaceOAuthError as exc:
                    if getattr(exc, "persist", False):
                        await session.commit()
                    else:
                        await session.rollback()
                    raise
                except BaseException:
                    await session.rollback()
                    raise
        finally:
            await flush_deferred(self.runtime.sessions)

    @asynccontextmanager
    async def audited(self) -> AsyncIterator[None]:
        """For work outside `transaction` (client authentication, read-only requests): the
        audit events it deferred are written when it ends, however it ends."""
        try:
            yield
        finally:
            await flush_deferred(self.runtime.sessions)

    async def sync_keys(self, version: int | None) -> None:
        """Reload the signing keys when the database's newest (read beside the client) is not
        the one this process signs with."""
        if not self.keys.is_current(version):
            await self.reload_keys()

    async def reload_keys(self) -> None:
        async with self.runtime.sessions() as session:
            await self.keys.load(session)


async def open_auth_server(runtime: Runtime) -> AuthServer:
    """Create the first signing key if there is none (race-safe), and load the keys."""
    settings = runtime.settings
    async with runtime.sessions() as session:
        await ensure_signing_key(session, runtime.keys.encryption_key, settings.signing_alg)
    store = KeyStore(runtime.keys.encryption_key, settings.access_token_ttl_seconds)
    async with runtime.sessions() as session:
        await store.load(session)
    enabled = settings.rate_limit_enabled
    window = settings.auth_failure_window_seconds
    return AuthServer(
        runtime=runtime,
        keys=store,
        client_auth_failures=FailureThrottle(
            runtime.limiter,
            enabled=enabled,
            limit=settings.client_auth_failure_limit,
            window=window,
        ),
        sign_in_failures=FailureThrottle(
            runtime.limiter,
            enabled=enabled,
            limit=settings.sign_in_failure_limit,
            window=window,
        ),
        verified_tokens=VerifiedTokens(store),
        device_code_failures=FailureThrottle(
            runtime.limiter,
            enabled=enabled,
            limit=settings.device_code_failure_limit,
            window=window,
        ),
    )


async def get_auth_server(request: Request) -> AuthServer:
    return auth_server(request)


AuthServerDep = Annotated[AuthServer, Depends(get_auth_server)]


def auth_server(request: Request) -> AuthServer:
    server: AuthServer = request.app.state.oauth2
    return server
