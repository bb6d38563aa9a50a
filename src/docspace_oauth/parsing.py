"""The one way numbers, flags and stored text from requests are read.

Python's own readings are too generous for input that arrives from outside: `str.isdigit()`
accepts "²" and "①", which `int()` then refuses with a ValueError (a 500 where it escapes);
`int()` itself takes " 12 ", "+5", "1_000" and Arabic-Indic digits. Here a number is ASCII
decimal digits and nothing else, within a range the caller states (usually what the
database column holds), and anything else is None: the caller turns that into its own 4xx.

Text is what the databases can store: PostgreSQL refuses a NUL character in any text
column, and neither database takes a lone surrogate (JSON's "\\ud800"), which UTF-8 cannot
encode. Both would be a 500 at the INSERT; `text` refuses them where the request is read.
"""

from __future__ import annotations

import re
import uuid

# PostgreSQL's INTEGER, the type of every id and count column that takes request values.
INT32_MAX = 2**31 - 1

_ASCII_DECIMAL = re.compile(r"[0-9]{1,19}")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def ascii_int(value: object, *, minimum: int = 0, maximum: int = INT32_MAX) -> int | None:
    """An integer given as an int (never a bool) or as ASCII decimal digits (bytes or text),
    within [minimum, maximum]; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        if isinstance(value, bytes | bytearray):
            try:
                value = value.decode("ascii")
            except UnicodeDecodeError:
                return None
        if not isinstance(value, str) or _ASCII_DECIMAL.fullmatch(value) is None:
            return None
        number = int(value)
    return number if minimum <= number <= maximum else None


def flag(value: object) -> bool | None:
    """A boolean given as a JSON boolean or as "true"/"false" in any case (.NET writes
    "True"); None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
    return None


def storable(value: str) -> bool:
    """Whether both databases can store this text (no NUL, no lone surrogate)."""
    return _UNSTORABLE.search(value) is None


def text(value: object) -> str | None:
    """Request text that can be stored and compared in the database; None for anything
    else (not a string, or a NUL or lone surrogate in it)."""
    return value if isinstance(value, str) and storable(value) else None


def uuid_id(value: str) -> str | None:
    """The canonical form of an id we issued as a UUID (a client's, a resource's, an initial
    access token's), or None: what cannot be one is looked up nowhere, so a path segment of
    any text (NUL included) is a plain "no such thing"."""
    if len(value) > 64:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None
