"""PKCE (RFC 7636), S256 only: `plain` proves nothing a stolen code does not already carry."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

S256 = "S256"
# Both the verifier and the S256 challenge are 43-128 characters of the unreserved set.
_SHAPE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def valid_challenge(challenge: str) -> bool:
    return _SHAPE.fullmatch(challenge) is not None


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify(verifier: str, challenge: str) -> bool:
    if _SHAPE.fullmatch(verifier) is None:
        return False
    return hmac.compare_digest(s256(verifier), challenge)
