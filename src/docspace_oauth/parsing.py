"""The one way numbers and flags from requests are read.

Python's own readings are too generous for input that arrives from outside: `str.isdigit()`
accepts "²" and "①", which `int()` then refuses with a ValueError (a 500 where it escapes);
`int()` itself takes " 12 ", "+5", "1_000" and Arabic-Indic digits. Here a number is ASCII
decimal digits and nothing else, within a range the caller states (usually what the
database column holds), and anything else is None: the caller turns that into its own 4xx.
"""

from __future__ import annotations

import re

# PostgreSQL's INTEGER, the type of every id and count column that takes request values.
INT32_MAX = 2**31 - 1

_ASCII_DECIMAL = re.compile(r"[0-9]{1,19}")


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
