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

_ALPHANUMERIC = string.ascii_letters + string.digits
SECRET_LENGTH = 40  # 40 * log2(62) ~ 238 bits; the contract asks for at least 36 characters.


def generate_secret(length: int = SECRET_LENGTH) -> str:
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


def keyed_hash(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def keyed_hash_matches(key: bytes, value: str, stored: str | None) -> bool:
    if stored is None:
        # Still spend the hash so a missing secret costs the same time as a wrong one.
        hmac.compare_digest(keyed_hash(key, value), "0" * 64)
        return False
    return hmac.compare_digest(keyed_hash(key, value), stored)


_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        hash_password(password)  # same cost whether or not the user has a password
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = hashlib.scrypt(
            password.encode("utf-8"),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(digest) // 2,
        )
    except ValueError:
        return False
    return hmac.compare_digest(computed.hex(), digest)
