"""The server's master secret and the keys derived from it.

Zero configuration: on first start a random master secret is generated and kept in the
database beside the data it protects, so every instance sharing that database agrees on it.
Production mode requires DOCSPACE_OAUTH_SECRET_KEY instead, so that a database dump alone
does not carry the key to its own hashes.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.models import ServerSecret
from docspace_oauth.settings import Settings

_MASTER = "master"


def _derive(master: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        master
    )


@dataclass(frozen=True, slots=True)
class ServerKeys:
    hash_key: bytes  # HMAC key for client secrets, API keys, codes and refresh tokens
    encryption_key: bytes  # AES-GCM key for signing keys' private parts at rest

    @classmethod
    def from_master(cls, master: bytes) -> ServerKeys:
        return cls(
            hash_key=_derive(master, "docspace-oauth hash v1"),
            encryption_key=_derive(master, "docspace-oauth encryption v1"),
        )


async def load_server_keys(session: AsyncSession, settings: Settings) -> ServerKeys:
    if settings.secret_key:
        return ServerKeys.from_master(settings.secret_key.encode("utf-8"))
    stored = await session.scalar(select(ServerSecret.value).where(ServerSecret.name == _MASTER))
    if stored is None:
        generated = base64.b64encode(secrets.token_bytes(32)).decode()
        try:
            async with session.begin_nested():
                session.add(ServerSecret(name=_MASTER, value=generated))
            await session.commit()
            stored = generated
        except IntegrityError:
            # Another instance or worker won the race; use its secret.
            await session.rollback()
            stored = await session.scalar(
                select(ServerSecret.value).where(ServerSecret.name == _MASTER)
            )
            assert stored is not None
    return ServerKeys.from_master(base64.b64decode(stored))
