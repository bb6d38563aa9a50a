"""The device authorization grant's state (RFC 8628, oauth2/device.py).

Both codes are stored only as keyed hashes: the device code (a bearer secret the device
polls with) and the user code (short, typed by a person, so also rate limited on guessing).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from docspace_oauth.models.base import Base


class DeviceAuthorization(Base):
    """One device's request, from /oauth2/device_authorization until its code is exchanged.

    `status` moves pending -> approved | denied (the person's answer on /oauth2/device), then
    approved -> used (the one poll that wins gets the tokens; `family_id` names them).
    """

    __tablename__ = "device_authorizations"

    device_code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(36))
    tenant_id: Mapped[int] = mapped_column(Integer)
    scopes: Mapped[str] = mapped_column(String(2048))
    interval: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_polled_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # Set by the approval: who, under which consent generation, for which audience.
    user_id: Mapped[str | None] = mapped_column(String(64), default=None)
    generation: Mapped[int | None] = mapped_column(Integer, default=None)
    user_name: Mapped[str] = mapped_column(String(256), default="")
    user_email: Mapped[str] = mapped_column(String(320), default="")
    audience: Mapped[str | None] = mapped_column(String(2048), default=None)
    family_id: Mapped[str | None] = mapped_column(String(36), default=None)
