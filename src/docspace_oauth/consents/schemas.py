from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from docspace_oauth.clients.schemas import ClientInfoResponse


class ConsentResponse(BaseModel):
    registered_client_id: str
    scopes: str = Field(description="Space-separated, as DocSpace sends them.")
    modified_at: datetime
    client: ClientInfoResponse


class ConsentPage(BaseModel):
    data: list[ConsentResponse]
    limit: int
    last_modified_on: datetime | None
    last_client_id: str | None = Field(
        default=None,
        description="Extension: with last_modified_on, makes the cursor exact when several "
        "consents share a modification time.",
    )
