"""Access tokens as callers of this server's own API (/api/2.0): what `docspace-oauth login`
(the device grant) stores for the remote commands.

Decision (docs/security.md): a token speaks for its user on the management API only when it
was issued for that API, i.e. its `aud` is `{issuer}/api/2.0`, which a client gets only by
asking for that resource in the device authorization request (and the person sees it on the
device page: "act as you on this server's API"). A token issued for a portal (aud = the
tenant's URL) is refused here, so an app a person allowed to read their files cannot manage
their OAuth apps. Such a token carries its user's role, as a session does, and needs the
user to be a local, enabled account; it is revoked as every token is (consent, family).
"""

from __future__ import annotations

from sqlalchemy import bindparam, select

from docspace_oauth.callers.principal import Caller, Scheme
from docspace_oauth.db.direct import Statement
from docspace_oauth.models import Role, User
from docspace_oauth.oauth2.introspection import live_user_token
from docspace_oauth.oauth2.state import AuthServer

API_PATH = "/api/2.0"

_USER = Statement(
    select(User.role, User.name, User.email, User.disabled_at).where(
        User.id == bindparam("user_id"), User.tenant_id == bindparam("tenant_id")
    )
)


def api_audience(issuer: str) -> str:
    return f"{issuer.rstrip('/')}{API_PATH}"


async def caller_from_access_token(server: AuthServer, token: str) -> Caller | None:
    access = await live_user_token(server, token)
    if access is None or access.claims.get("aud") != api_audience(server.issuer):
        return None
    row = await server.runtime.direct.fetchrow(
        _USER, user_id=access.subject, tenant_id=access.tenant_id
    )
    if row is None or row[3] is not None:
        return None
    return Caller(
        user_id=access.subject,
        tenant_id=access.tenant_id,
        role=Role(row[0]),
        name=row[1],
        email=row[2],
        scheme=Scheme.ACCESS_TOKEN,
    )
