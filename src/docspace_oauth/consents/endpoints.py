from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from docspace_oauth.api.dependencies import CursorInstant, Limit, RateLimit, as_utc
from docspace_oauth.callers.dependencies import MemberCaller
from docspace_oauth.clients.schemas import ClientInfoResponse
from docspace_oauth.consents import service
from docspace_oauth.consents.schemas import ConsentPage, ConsentResponse
from docspace_oauth.runtime import SessionDep


def build_router(base: str, *, alias: bool) -> APIRouter:
    suffix = "_oauth2_alias" if alias else ""
    router = APIRouter(prefix=base, tags=["consents"], dependencies=[RateLimit])

    @router.get(
        "/consents",
        operation_id=f"get_consents{suffix}",
        summary="The caller's consents, most recently changed first (keyset-paged)",
    )
    async def get_consents(
        caller: MemberCaller,
        session: SessionDep,
        limit: Limit = 30,
        last_modified_on: Annotated[CursorInstant | None, Query()] = None,
        last_client_id: Annotated[str | None, Query(max_length=64)] = None,
    ) -> ConsentPage:
        page = await service.list_page(
            session,
            caller,
            limit=limit,
            last_modified_on=as_utc(last_modified_on),
            last_client_id=last_client_id,
        )
        return ConsentPage(
            data=[
                ConsentResponse(
                    registered_client_id=consent.client_id,
                    scopes=consent.scopes,
                    modified_at=consent.modified_at,
                    client=ClientInfoResponse.of(client),
                )
                for consent, client in page.items
            ],
            limit=page.limit,
            last_modified_on=page.last_modified_on,
            last_client_id=page.last_client_id,
        )

    return router
