"""The oauth2 suite's kit (apps, browsers, tokens), for the device grant and the grace."""

from __future__ import annotations

from tests.oauth2.conftest import kit, sibling  # noqa: F401  (fixtures)
