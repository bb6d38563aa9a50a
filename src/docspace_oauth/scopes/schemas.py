from __future__ import annotations

from pydantic import BaseModel


class ScopeResponse(BaseModel):
    name: str
    group: str
    type: str
