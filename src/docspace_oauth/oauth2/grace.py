"""Refresh reuse grace: a retry of a just-rotated refresh token gets the same new pair.

Off by default (DOCSPACE_OAUTH_REFRESH_REUSE_GRACE_SECONDS=0): then nothing here runs, the
rotation costs exactly the statements it always did, and any reuse revokes the family.

On, the rotation seals the response it gives (the new refresh token and the access and ID
tokens, AES-GCM under the server's encryption key, the old token's keyed hash as associated
data) into the old token's row, in the rotation's own transaction. A later use of the old
token, by this client, within the window and while the row has answered fewer than `count`
retries, takes one retry with a single conditional UPDATE ... RETURNING and gets that sealed
response back. Concurrent uses are serialized by the row (PostgreSQL's row lock, SQLite's
one writer): the winner commits the sealed pair before any loser's claim can see the token
as used, so every loser finds it. Past the window or the count, reuse is reuse again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, update

from docspace_oauth.db.direct import DirectDB, DirectTransaction, Statement, as_utc
from docspace_oauth.models import RefreshToken
from docspace_oauth.oauth2 import repository
from docspace_oauth.oauth2.state import AuthServer
from docspace_oauth.security.server_keys import SealError, seal, unseal

_REFRESH_TOKENS = cast(Table, RefreshToken.__table__)

_STORE = Statement(
    update(_REFRESH_TOKENS)
    .where(_REFRESH_TOKENS.c.token_hash == bindparam("token_hash"))
    .values(successor_sealed=bindparam("sealed"))
)

_TAKE_RETRY = Statement(
    update(_REFRESH_TOKENS)
    .where(
        _REFRESH_TOKENS.c.token_hash == bindparam("token_hash"),
        _REFRESH_TOKENS.c.client_id == bindparam("client_id"),
        _REFRESH_TOKENS.c.used_at >= bindparam("since"),
        _REFRESH_TOKENS.c.reuse_count < bindparam("count"),
        _REFRESH_TOKENS.c.successor_sealed.is_not(None),
    )
    .values(reuse_count=_REFRESH_TOKENS.c.reuse_count + 1)
    .returning(
        _REFRESH_TOKENS.c.successor_sealed,
        _REFRESH_TOKENS.c.family_id,
        _REFRESH_TOKENS.c.used_at,
    )
)


def enabled(server: AuthServer) -> bool:
    return server.settings.refresh_reuse_grace_seconds > 0


def _aad(token_hash: str) -> bytes:
    return f"docspace-oauth refresh successor {token_hash}".encode()


async def store(
    server: AuthServer, tx: DirectTransaction, token_hash: str, body: Mapping[str, Any]
) -> None:
    """Keep the rotation's response in the spent token's row (grace on only)."""
    sealed = seal(server.runtime.keys.encryption_key, _aad(token_hash), dict(body))
    await tx.execute(_STORE, token_hash=token_hash, sealed=sealed)


async def retry(
    server: AuthServer, db: DirectDB, token_hash: str, client_id: str, now: datetime
) -> dict[str, Any] | None:
    """The response the rotation gave, when this use is a retry within the grace; None when
    it is not (the caller then treats it as reuse or as an unknown token)."""
    settings = server.settings
    since = now - timedelta(seconds=settings.refresh_reuse_grace_seconds)
    async with db.transaction() as tx:
        row = await tx.fetchrow(
            _TAKE_RETRY,
            token_hash=token_hash,
            client_id=client_id,
            since=db.timestamp(since),
            count=settings.refresh_reuse_grace_count,
        )
        if row is None:
            return None
        # A grant revoked (or a consent withdrawn) since the rotation answers no retry; that
        # retry is then refused as any use of a dead grant is.
        state = await repository.family_state(tx, row[1])
    if state is None or not state.live:
        return None
    try:
        body = unseal(server.runtime.keys.encryption_key, _aad(token_hash), row[0])
    except SealError:  # DOCSPACE_OAUTH_SECRET_KEY changed since: treat as reuse
        return None
    used_at = as_utc(row[2])
    assert used_at is not None
    # The same tokens; what is left of the access token's lifetime.
    elapsed = int((now - used_at).total_seconds())
    body["expires_in"] = max(0, int(body["expires_in"]) - elapsed)
    return body
