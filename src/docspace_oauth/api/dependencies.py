from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from docspace_oauth.errors import UnsupportedMediaType
from docspace_oauth.ratelimit.dependencies import enforce_rate_limit
from docspace_oauth.validation import PATTERN


async def require_json(request: Request) -> None:
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


_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}")


def _date_time_text(value: Any) -> Any:
    # A cursor is an RFC 3339 date-time as the previous page gave it; pydantic alone would
    # also take "1.5" (seconds since the epoch) or a bare date.
    if isinstance(value, str) and not _DATE_TIME.match(value):
        raise PydanticCustomError(PATTERN, "must be an ISO 8601 date-time")
    return value


def _in_utc(value: datetime) -> datetime:
    try:
        utc = as_utc(value)
    except OverflowError:  # e.g. 9999-12-31T23:59:59-23:59 is past datetime.max in UTC
        raise PydanticCustomError(PATTERN, "date-time out of range") from None
    assert utc is not None
    return utc


CursorInstant = Annotated[datetime, BeforeValidator(_date_time_text), AfterValidator(_in_utc)]
"""A cursor's date-time, in UTC; anything else is a 400 rather than a guess (or a 500)."""

Limit = Annotated[int, Query(ge=1, le=50, description="Page size, 1-50.")]
JsonBody = Depends(require_json)
RateLimit = Depends(enforce_rate_limit)
