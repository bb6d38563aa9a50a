"""Token-signing keys: stored in the database, private parts encrypted at rest, cached per kid.

The newest key (highest `seq`) signs. `rotate` adds a key and retires the others; a retired
key stays in the JWKS for one token lifetime (plus clock skew) so that every token it signed
can still be verified until it expires.

Every instance caches the decrypted keys per kid, so the hot path never decrypts. The cache
is never trusted by age: the token endpoint reads the newest `seq` in the same statement as
the client (a scalar subquery, no extra round trip) and reloads when it moved; verification
reloads when it meets an unknown kid.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from joserfc.jwk import ECKey, RSAKey
from sqlalchemy import ScalarSelect, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.db.engine import WRITE_TRANSACTION
from docspace_oauth.models import SigningKey, utcnow
from docspace_oauth.security.server_keys import SealError, seal, unseal

logger = logging.getLogger("docspace_oauth.oauth2")

SUPPORTED_ALGS = ("ES256", "RS256")
CLOCK_SKEW = timedelta(seconds=60)

SigningJWK = ECKey | RSAKey


class SigningKeyError(RuntimeError):
    """The signing key cannot be used: most often DOCSPACE_OAUTH_SECRET_KEY changed."""


def _aad(kid: str) -> bytes:
    return f"docspace-oauth signing key {kid}".encode()


def encrypt_private(encryption_key: bytes, kid: str, private_jwk: dict[str, Any]) -> str:
    return seal(encryption_key, _aad(kid), private_jwk)


def decrypt_private(encryption_key: bytes, kid: str, stored: str) -> dict[str, Any]:
    try:
        return unseal(encryption_key, _aad(kid), stored)
    except SealError as exc:
        raise SigningKeyError(
            f"signing key {kid} cannot be decrypted ({exc}): was DOCSPACE_OAUTH_SECRET_KEY "
            "changed? Restore it, or run `docspace-oauth keys rotate` to start signing with a "
            "new key."
        ) from exc


def generate(alg: str) -> SigningJWK:
    if alg == "ES256":
        return ECKey.generate_key("P-256", private=True)
    if alg == "RS256":
        return RSAKey.generate_key(2048, private=True)
    raise ValueError(f"unsupported signing algorithm {alg!r}: use one of {SUPPORTED_ALGS}")


def new_key_row(encryption_key: bytes, alg: str, seq: int, now: datetime) -> SigningKey:
    key = generate(alg)
    kid = key.thumbprint()  # RFC 7638: stable, and says nothing about creation order
    public = {**key.as_dict(private=False), "kid": kid, "alg": alg, "use": "sig"}
    return SigningKey(
        seq=seq,
        kid=kid,
        alg=alg,
        public_jwk=public,
        private_jwk_encrypted=encrypt_private(encryption_key, kid, key.as_dict(private=True)),
        created_at=now,
        retired_at=None,
    )


def version_subquery() -> ScalarSelect[int | None]:
    """The newest key's seq, to select beside the client on the token endpoint."""
    return select(func.max(SigningKey.seq)).scalar_subquery()


async def _latest_seq(session: AsyncSession) -> int | None:
    value = await session.scalar(select(func.max(SigningKey.seq)))
    return int(value) if value is not None else None


async def ensure_signing_key(session: AsyncSession, encryption_key: bytes, alg: str) -> None:
    """First start: create key 1 unless some instance has. Several workers or instances may
    race here; they collide on seq=1 and the losers reread."""
    await session.connection(execution_options=WRITE_TRANSACTION)
    if await _latest_seq(session) is not None:
        await session.rollback()
        return
    try:
        session.add(new_key_row(encryption_key, alg, 1, utcnow()))
        await session.commit()
    except IntegrityError:
        await session.rollback()
        if await _latest_seq(session) is None:  # pragma: no cover - a different integrity bug
            raise


async def rotate(
    session: AsyncSession, encryption_key: bytes, alg: str, *, attempts: int = 5
) -> SigningKey:
    """Add a key that signs from now on and retire the others. Commits."""
    for _ in range(attempts):
        await session.connection(execution_options=WRITE_TRANSACTION)
        now = utcnow()
        seq = (await _latest_seq(session) or 0) + 1
        row = new_key_row(encryption_key, alg, seq, now)
        try:
            session.add(row)
            await session.flush()
            await session.execute(
                update(SigningKey)
                .where(SigningKey.retired_at.is_(None), SigningKey.seq < seq)
                .values(retired_at=now),
                execution_options={"synchronize_session": False},
            )
            await session.commit()
            return row
        except IntegrityError:
            await session.rollback()  # a concurrent rotation took this seq; go again
    raise SigningKeyError("could not rotate: too many concurrent rotations")


def publication_window(access_token_ttl: int) -> timedelta:
    """How long a retired key stays published: every token it signed has expired by then."""
    return timedelta(seconds=access_token_ttl) + CLOCK_SKEW


async def published(
    session: AsyncSession, *, access_token_ttl: int, now: datetime | None = None
) -> Sequence[SigningKey]:
    now = now or utcnow()
    since = now - publication_window(access_token_ttl)
    query = (
        select(SigningKey)
        .where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > since))
        .order_by(SigningKey.seq.desc())
    )
    return (await session.scalars(query)).all()


async def all_keys(session: AsyncSession) -> Sequence[SigningKey]:
    return (await session.scalars(select(SigningKey).order_by(SigningKey.seq.desc()))).all()


@dataclass(frozen=True, slots=True)
class LoadedKey:
    seq: int
    kid: str
    alg: str
    key: SigningJWK


def _import(alg: str, private_jwk: dict[str, Any]) -> SigningJWK:
    if alg == "ES256":
        return ECKey.import_key(private_jwk)
    if alg == "RS256":
        return RSAKey.import_key(private_jwk)
    raise SigningKeyError(f"unsupported signing algorithm {alg!r}")


class KeyStore:
    """The decrypted keys of this process, per kid, and the version they were loaded at."""

    def __init__(self, encryption_key: bytes, access_token_ttl: int) -> None:
        self._encryption_key = encryption_key
        self._access_token_ttl = access_token_ttl
        self._keys: dict[str, LoadedKey] = {}
        self._current: LoadedKey | None = None
        self._version: int | None = None
        self._lock = asyncio.Lock()

    @property
    def version(self) -> int | None:
        return self._version

    def current(self) -> LoadedKey:
        if self._current is None:
            raise SigningKeyError("no signing key loaded")
        return self._current

    def get(self, kid: str) -> LoadedKey | None:
        return self._keys.get(kid)

    def is_current(self, version: int | None) -> bool:
        """Whether `version`, the database's newest key, is the one this process signs with."""
        return version is not None and version == self._version

    async def load(self, session: AsyncSession) -> None:
        async with self._lock:
            rows = await published(session, access_token_ttl=self._access_token_ttl)
            keys: dict[str, LoadedKey] = {}
            for index, row in enumerate(rows):
                cached = self._keys.get(row.kid)
                if cached is None:
                    try:
                        private = decrypt_private(
                            self._encryption_key, row.kid, row.private_jwk_encrypted
                        )
                    except SigningKeyError:
                        if index == 0:
                            raise  # the key that signs: nothing can be issued without it
                        logger.error("retired signing key %s is unusable; skipped", row.kid)
                        continue
                    cached = LoadedKey(row.seq, row.kid, row.alg, _import(row.alg, private))
                keys[row.kid] = cached
            self._keys = keys
            newest = max(keys.values(), key=lambda k: k.seq, default=None)
            self._current = newest
            self._version = newest.seq if newest else None
