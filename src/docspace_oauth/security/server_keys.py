"""The server's master secret and the keys derived from it.

Zero configuration: on first start a random master secret is generated and kept in the
database beside the data it protects, so every instance sharing that database agrees on it.
Production mode requires DOCSPACE_OAUTH_SECRET_KEY instead, so that a database dump alone
does not carry the key to its own hashes.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.models import ServerSecret
from docspace_oauth.settings import Settings

_MASTER = "master"
_ENVELOPE = "v1."


class SealError(ValueError):
    """A sealed value that does not open: another key, other associated data, or tampering."""


def seal(encryption_key: bytes, aad: bytes, value: dict[str, Any]) -> str:
    """A JSON object encrypted at rest (AES-GCM, random nonce): "v1.<base64>". The associated
    data binds it to what it belongs to (a signing key's kid, a refresh token's hash)."""
    nonce = os.urandom(12)
    plain = json.dumps(value, separators=(",", ":")).encode()
    sealed = AESGCM(encryption_key).encrypt(nonce, plain, aad)
    return _ENVELOPE + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(encryption_key: bytes, aad: bytes, stored: str) -> dict[str, Any]:
    if not stored.startswith(_ENVELOPE):
        raise SealError("unknown envelope")
    raw = base64.urlsafe_b64decode(stored[len(_ENVELOPE) :])
    try:
        plain = AESGCM(encryption_key).decrypt(raw[:12], raw[12:], aad)
    except InvalidTag as exc:
        raise SealError("cannot be decrypted") from exc
    value = json.loads(plain)
    assert isinstance(value, dict)
    return value


def _derive(master: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        master
    )


@dataclass(frozen=True, slots=True)
class ServerKeys:
    hash_key: bytes  # HMAC key for client secrets, API keys, codes and refresh tokens
    encryption_key: bytes  # AES-GCM key for what is sealed at rest (seal)

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
