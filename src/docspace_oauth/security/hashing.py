"""Keyed hashes for high-entropy secrets, and a slow salted hash for passwords.

Client secrets and API keys carry >= 214 bits of entropy, so a brute-force search is hopeless
whatever the hash; what matters is that a stolen database alone is useless (the HMAC key is
not in the rows) and that verification costs microseconds on the token hot path. bcrypt or
scrypt would add ~100 ms per token request and buy nothing against a 214-bit search space.
Passwords are low-entropy and get scrypt.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from collections import Counter

_ALPHANUMERIC = string.ascii_letters + string.digits
SECRET_LENGTH = 40  # 40 * log2(62) ~ 238 bits; the contract asks for at least 36 characters.

# Hashes computed by this process, by kind ("hmac", "scrypt"). Unknown accounts must cost the
# same work as known ones; counting the work (not timing it) lets a test prove that.
WORK: Counter[str] = Counter()


def generate_secret(length: int = SECRET_LENGTH) -> str:
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


def keyed_hash(key: bytes, value: str) -> str:
    WORK["hmac"] += 1
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def same_secret(expected: str, given: object) -> bool:
    """Constant-time equality of a secret we hold and what a request carries, whatever text
    that is. Both are compared as UTF-8 bytes: `hmac.compare_digest` refuses two strings
    with a non-ASCII character in either (a TypeError, so a 500 where a form's token reached
    it). "surrogatepass" keeps a lone surrogate comparable rather than unencodable."""
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(
        expected.encode("utf-8", "surrogatepass"), given.encode("utf-8", "surrogatepass")
    )


def keyed_hash_matches(key: bytes, value: str, stored: str | None) -> bool:
    if stored is None:
        # Still spend the hash so a missing secret costs the same time as a wrong one.
        same_secret(keyed_hash(key, value), "0" * 64)
        return False
    return same_secret(keyed_hash(key, value), stored)


_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    WORK["scrypt"] += 1
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P, 32)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        hash_password(password)  # same cost whether or not the user has a password
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            raise ValueError(scheme)
        computed = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p), len(digest) // 2)
    except ValueError:
        hash_password(password)  # an unreadable hash costs what a readable one does
        return False
    return hmac.compare_digest(computed.hex(), digest)
