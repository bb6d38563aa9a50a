from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from docspace_oauth.sessions.repository import SessionView


class SessionClientResponse(BaseModel):
    client_id: str
    name: str = Field(description='The client\'s name; "" when it has been deleted.')
    first_at: datetime = Field(description="Its first code through this session.")
    last_at: datetime = Field(description="Its latest code through this session.")


class SessionResponse(BaseModel):
    session_id: str = Field(description="The OpenID Connect sid in this session's id_tokens.")
    user_id: str
    user_email: str
    user_name: str
    tenant_id: int
    auth_time: datetime = Field(description="When the user last signed in (OIDC auth_time).")
    amr: list[str] = Field(description='How (RFC 8176): "pwd", a password.')
    created_at: datetime
    expires_at: datetime
    ip: str = Field(description="The address the sign-in came from.")
    user_agent: str
    current: bool = Field(description="The session this request was made with.")
    clients: list[SessionClientResponse]

    @classmethod
    def of(cls, view: SessionView, current_id: str | None) -> SessionResponse:
        row = view.row
        return cls(
            session_id=row.id,
            user_id=row.user_id,
            user_email=view.user_email,
            user_name=view.user_name,
            tenant_id=row.tenant_id,
            auth_time=row.auth_time,
            amr=row.amr.split(),
            created_at=row.created_at,
            expires_at=row.expires_at,
            ip=row.ip,
            user_agent=row.user_agent,
            current=row.id == current_id,
            clients=[
                SessionClientResponse(
                    client_id=c.client_id, name=c.name, first_at=c.first_at, last_at=c.last_at
                )
                for c in view.clients
            ],
        )


class SessionList(BaseModel):
    data: list[SessionResponse] = Field(description="Live sessions, newest first (at most 200).")


class EndedSession(BaseModel):
    session_id: str
