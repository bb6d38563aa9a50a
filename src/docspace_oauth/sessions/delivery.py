"""Sending the Back-Channel Logout 1.0 queue (sessions.backchannel): `serve`'s own sender.

Every instance runs one. It wakes when a request of its own queued something (the logout
endpoint sets `AuthServer.logout_due` after its commit) and every
DOCSPACE_OAUTH_BACKCHANNEL_LOGOUT_POLL_SECONDS otherwise, so a delivery queued anywhere, or
one whose retry has come, goes soon after. It never runs inside a user's request: a slow or
dead client costs the user nothing.

Each try signs a fresh logout_token (section 2.4: typ logout+jwt, iss, aud, iat, exp, jti,
sub, sid, the events claim, never a nonce) with the key that signs id_tokens, so the client
verifies it with our JWKS, and POSTs it form-encoded (section 2.5) without following
redirects. A 2xx is delivered; anything else is tried again after a delay that doubles, up to
DOCSPACE_OAUTH_BACKCHANNEL_LOGOUT_MAX_ATTEMPTS tries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

import httpx

from docspace_oauth.db.engine import begin
from docspace_oauth.oauth2.state import AuthServer
from docspace_oauth.oauth2.tokens import mint_logout_token
from docspace_oauth.ops.background import running
from docspace_oauth.sessions import backchannel
from docspace_oauth.sessions.backchannel import Claimed

logger = logging.getLogger("docspace_oauth.backchannel")

LOGOUT_TOKEN_TTL = 120  # seconds: section 2.4 asks for a short life
_MAX_DELAY = 3600.0


def retry_delay(server: AuthServer, attempts: int) -> timedelta | None:
    """After the `attempts`th failed try: when to try again, or None to give up."""
    settings = server.settings
    if attempts >= settings.backchannel_logout_max_attempts:
        return None
    seconds = settings.backchannel_logout_retry_seconds * 2 ** (attempts - 1)
    return timedelta(seconds=min(seconds, _MAX_DELAY))


async def _send(server: AuthServer, http: httpx.AsyncClient, item: Claimed) -> str | None:
    """One try; None when the client took it, else what went wrong."""
    token = mint_logout_token(
        server.keys.current(),
        issuer=server.issuer,
        client_id=item.client_id,
        jti=item.id,
        subject=item.subject,
        session_id=item.session_id,
        ttl=LOGOUT_TOKEN_TTL,
        now=int(time.time()),
    )
    try:
        response = await http.post(item.uri, data={"logout_token": token})
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}"


async def send_due(server: AuthServer, http: httpx.AsyncClient) -> int:
    """Claim what is due, send it all at once, and record the outcomes; how many were sent."""
    sessions = server.runtime.sessions
    async with sessions() as session:
        await begin(session, write=False)
        if not await backchannel.any_due(session):
            return 0
    # A claim outlasts the POST it covers: no other sender takes the row meanwhile.
    lease = timedelta(seconds=2 * server.settings.backchannel_logout_timeout_seconds + 1)
    async with sessions() as session:
        await begin(session, write=True)
        claimed = await backchannel.claim_due(session, lease=lease)
    if not claimed:
        return 0
    # Sign with the newest key even on an instance that has issued nothing since a rotation
    # elsewhere (a retired key leaves the JWKS after one token lifetime).
    await server.reload_keys()
    errors = await asyncio.gather(*(_send(server, http, item) for item in claimed))
    async with sessions() as session:
        await begin(session, write=True)
        outcomes = list(zip(claimed, errors, strict=True))
        await backchannel.delivered(session, [item.id for item, e in outcomes if e is None])
        for item, error in outcomes:
            if error is None:
                continue
            retry_in = retry_delay(server, item.attempts)
            await backchannel.failed(session, item, error, retry_in=retry_in)
            log = logger.warning if retry_in is None else logger.info
            log(
                "back-channel logout to client %s failed (try %d): %s%s",
                item.client_id,
                item.attempts,
                error,
                "; given up" if retry_in is None else "",
            )
        await session.commit()
    return len(claimed)


async def _loop(server: AuthServer, poll: float) -> None:
    timeout = httpx.Timeout(server.settings.backchannel_logout_timeout_seconds)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as http:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.logout_due.wait(), poll)
            server.logout_due.clear()
            try:
                while await send_due(server, http):
                    pass  # a full batch: there may be more
            except Exception:
                # The rows stay claimed until their lease ends, then are tried again.
                logger.exception("back-channel logout delivery failed")


def backchannel_sender(server: AuthServer) -> contextlib.AbstractAsyncContextManager[None]:
    """Send back-channel logouts for as long as the server runs (unless the poll is 0)."""
    poll = server.settings.backchannel_logout_poll_seconds
    return running(_loop(server, poll) if poll else None)
