"""The console's "Where you're signed in" page: the person's own sign-in sessions, each with
the apps that signed in through it, and a button that ends one (sessions.service, as the API
does). Ending the session of this very browser signs it out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from docspace_oauth.callers.credentials import AUTH_COOKIE
from docspace_oauth.console.pages import (
    CONSOLE,
    LOGIN_PATH,
    ConsoleError,
    ConsoleRoute,
    CurrentVisitor,
    PostedForm,
    page,
    see_other,
)
from docspace_oauth.errors import NotFound
from docspace_oauth.oauth2 import browser
from docspace_oauth.oauth2.errors import NO_STORE
from docspace_oauth.oauth2.state import AuthServerDep
from docspace_oauth.runtime import SessionDep
from docspace_oauth.sessions import service

# Registered before the console's own router, whose last route takes every other path.
router = APIRouter(prefix=CONSOLE, include_in_schema=False, route_class=ConsoleRoute)
SESSIONS = f"{CONSOLE}/sessions"


@router.get("/sessions")
async def signed_in_places(
    request: Request, session: SessionDep, visitor: CurrentVisitor
) -> Response:
    current = visitor.caller.session
    views = await service.own(session, visitor.caller)
    return page(
        request,
        "console/sessions.html",
        visitor,
        {
            "sessions": views,
            "current_id": current.id if current else None,
            "ended": request.query_params.get("done") == "ended",
        },
    )


@router.post("/sessions/{session_id}/end")
async def end_session(
    session_id: str, posted: PostedForm, session: SessionDep, server: AuthServerDep
) -> Response:
    caller = posted.visitor.caller
    try:
        ended = await service.end(session, caller, session_id)
    except NotFound as exc:
        raise ConsoleError(404, "That session has ended already.") from exc
    if caller.session is None or caller.session.id != ended:
        return see_other(server, SESSIONS, done="ended")
    # This browser's own session: it is signed out, as by the Sign out button.
    response = RedirectResponse(
        f"{server.issuer}{LOGIN_PATH}?next={SESSIONS}&signed_out=1",
        status_code=303,
        headers=NO_STORE,
    )
    secure = browser.secure_cookies(server)
    response.delete_cookie(AUTH_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
    return response
