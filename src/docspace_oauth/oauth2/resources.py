"""RFC 8707 resource indicators: `resource=` binds a token's `aud` to one registered resource.

A grant names at most one resource (one `resource` parameter); the authorization request's
resource is carried by the pending request and the code into the grant's family, whose
`audience` it becomes. The token request may repeat it, never change it; a refresh may name
the same resource (or leave it out), never another one, so a grant can narrow to a
resource's audience but never widen beyond it. Unknown resources are `invalid_target`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from docspace_oauth.db.direct import DirectDB, DirectTransaction, Statement, as_list
from docspace_oauth.models import Resource
from docspace_oauth.oauth2.errors import InvalidRequest, InvalidScope, InvalidTarget

OPENID = "openid"


@dataclass(frozen=True, slots=True)
class Bound:
    url: str
    scopes: tuple[str, ...]
    introspection_requires_resource: bool


async def registered(session: AsyncSession, tenant_id: int, url: str) -> Bound:
    """The tenant's resource at this URL, for the authorization request; or invalid_target."""
    row = await session.scalar(
        select(Resource).where(Resource.tenant_id == tenant_id, Resource.url == url)
    )
    if row is None:
        raise InvalidTarget("This resource is not registered with this tenant.")
    return Bound(row.url, tuple(row.scopes), row.introspection_requires_resource)


def check_scopes(resource: Bound, scopes: tuple[str, ...]) -> None:
    beyond = [s for s in scopes if s != OPENID and s not in resource.scopes]
    if beyond:
        raise InvalidScope(f"Not a scope of this resource: {' '.join(beyond)}.")


_BY_URL = Statement(
    select(Resource.scopes, Resource.introspection_requires_resource).where(
        Resource.tenant_id == bindparam("tenant_id"), Resource.url == bindparam("url")
    )
)


async def bound(db: DirectDB | DirectTransaction, tenant_id: int, audience: str) -> Bound | None:
    """The resource a grant's audience names, if it is one (else it is the tenant's URL)."""
    row = await db.fetchrow(_BY_URL, tenant_id=tenant_id, url=audience)
    return None if row is None else Bound(audience, as_list(row[0]), bool(row[1]))


def requested(form: Mapping[str, str]) -> str | None:
    value = form.get("resource")
    if value is not None and not value:
        raise InvalidRequest("resource is empty.")
    return value


WRONG_TARGET = "This grant is not for that resource."


def names_other(asked: str | None, audience: str) -> bool:
    """At the token endpoint: `resource` may only repeat the grant's own audience."""
    return asked is not None and asked != audience


def wrong_target() -> InvalidTarget:
    return InvalidTarget(WRONG_TARGET)
