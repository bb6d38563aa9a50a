from __future__ import annotations

from fastapi import APIRouter

from docspace_oauth.api.dependencies import RateLimit
from docspace_oauth.callers.dependencies import CurrentCaller
from docspace_oauth.scopes.catalogue import CATALOGUE
from docspace_oauth.scopes.schemas import ScopeResponse

router = APIRouter(tags=["scopes"], dependencies=[RateLimit])

_RESPONSE = [ScopeResponse(name=s.name, group=s.group, type=s.type) for s in CATALOGUE]


@router.get("/api/2.0/scopes", summary="List the scope catalogue", operation_id="get_scopes")
@router.get(
    "/api/2.0/oauth2/scopes",
    summary="List the scope catalogue",
    operation_id="get_scopes_oauth2_alias",
)
async def get_scopes(caller: CurrentCaller) -> list[ScopeResponse]:
    del caller  # any authenticated caller may read the catalogue
    return _RESPONSE
