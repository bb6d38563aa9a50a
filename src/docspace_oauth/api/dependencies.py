from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Query, Request

from docspace_oauth.errors import UnsupportedMediaType
from docspace_oauth.ratelimit.dependencies import enforce_rate_limit


def require_json(request: Request) -> None:
    """Bodies are JSON; anything else is a 415, not a guess."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType(
            f"Send the body as application/json (got {media_type or 'no content type'})."
        )


def as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Limit = Annotated[int, Query(ge=1, le=50, description="Page size, 1-50.")]
JsonBody = Depends(require_json)
RateLimit = Depends(enforce_rate_limit)
