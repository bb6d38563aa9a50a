"""Keyset pagination: turning page bodies into items and the next query.

The cursor values are sent back exactly as the server wrote them, not
re-serialised from parsed datetimes: a server may keep more precision than a
Python datetime holds, and a rounded cursor would skip or repeat items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from ._errors import UnexpectedResponseError

__all__ = ["AUDIT_CURSOR", "CLIENT_CURSOR", "CONSENT_CURSOR", "PageWalker"]

ItemT = TypeVar("ItemT", bound=BaseModel)

# The fields of a page that form its cursor; the first one is null on the
# last page. Client pages: {"data", "limit", "last_client_id",
# "last_created_on"}; consent pages name "last_modified_on" instead.
CLIENT_CURSOR = ("last_created_on", "last_client_id")
CONSENT_CURSOR = ("last_modified_on", "last_client_id")
# This server's audit trail (an extension): {"data", "limit", "last_id"}.
AUDIT_CURSOR = ("last_id",)


@dataclass
class PageWalker(Generic[ItemT]):
    """Walks a keyset-paged listing; shared by the sync and async clients."""

    item_type: type[ItemT]
    cursor_fields: tuple[str, ...]
    limit: int | None = None
    filters: dict[str, str] = field(default_factory=dict)
    _params: dict[str, str] | None = field(init=False, default=None)
    _seen: set[tuple[Any, ...]] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self._params = self._base_params()

    @property
    def next_params(self) -> dict[str, str] | None:
        """Query for the next request, or None when the walk is over."""
        return self._params

    def take(self, body: Any) -> list[ItemT]:
        """Parse one page body, advance the cursor, and return the page's items."""
        raw_items = body.get("data") if isinstance(body, dict) else None
        if not isinstance(raw_items, list):
            raise UnexpectedResponseError("expected a page object with a 'data' array")
        try:
            items = [self.item_type.model_validate(raw) for raw in raw_items]
        except PydanticValidationError as exc:
            raise UnexpectedResponseError(f"malformed page item: {exc}") from exc
        self._params = self._advance(body, had_items=bool(items))
        return items

    def _base_params(self) -> dict[str, str]:
        params = dict(self.filters)
        if self.limit is not None:
            params["limit"] = str(self.limit)
        return params

    def _advance(self, body: dict[str, Any], *, had_items: bool) -> dict[str, str] | None:
        cursor = tuple(body.get(name) for name in self.cursor_fields)
        # A null cursor marks the contract's last page; an empty page ends the
        # walk too, for servers that always name a cursor.
        if cursor[0] is None or not had_items:
            return None
        if cursor in self._seen:
            # A server handing back the same cursor would make us loop forever.
            raise UnexpectedResponseError(f"server repeated page cursor {cursor!r}")
        self._seen.add(cursor)
        params = self._base_params()
        for name, value in zip(self.cursor_fields, cursor, strict=True):
            if value is not None:
                params[name] = str(value)
        return params
