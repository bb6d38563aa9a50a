"""Whether a redirect URI is one the client registered: exactly, except that a native
client's loopback URI matches on any port (RFC 8252 §7.3: the app's listener takes whatever
port the system gives it). Nothing else is relaxed, and web clients match exactly."""

from __future__ import annotations

from collections.abc import Sequence

from docspace_oauth.validation import browser_url

NATIVE = "native"


def _without_port(uri: str) -> tuple[str, str, str, str] | None:
    url = browser_url(uri)
    if url is None or url.scheme != "http" or not url.is_loopback or url.userinfo:
        return None
    return (url.host, url.path, url.query, url.fragment)


def registered(uri: str, redirect_uris: Sequence[str], application_type: str) -> bool:
    if uri in redirect_uris:
        return True
    if application_type != NATIVE:
        return False
    given = _without_port(uri)
    return given is not None and any(_without_port(r) == given for r in redirect_uris)
