"""HTTP for RP-Initiated Logout 1.0: the end_session_endpoint, by GET and by POST (oauth2.logout
has the rules)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from docspace_oauth.callers.credentials import presented
from docspace_oauth.oauth2 import logout as logouts
from docspace_oauth.oauth2.endpoints import browser_form
from docspace_oauth.oauth2.errors import NO_STORE
from docspace_oauth.oauth2.page_docs import form_body, page_responses
from docspace_oauth.oauth2.state import AuthServerDep

router = APIRouter(tags=["oauth2"])

_PAGES = {
    200: "The signed-out page; or, when the request does not prove it speaks for this "
    "browser's session (no id_token_hint, another session's, an expired one), a page asking "
    "the person to confirm",
    302: "Signed out: to the app's registered logout_redirect_uri, with its state",
    303: "Signed out (after a POST): to the app's registered logout_redirect_uri, with its "
    "state; or a logout request POSTed without our cookie: the same request as a GET",
    400: "An error page: an unknown client, a post_logout_redirect_uri the app did not "
    "register (or no client to check it against), an id_token_hint that is not ours, "
    "a repeated parameter",
}


@router.get(
    logouts.LOGOUT_PATH,
    summary="RP-Initiated Logout (end_session_endpoint): end this browser's sign-in session",
    description="Parameters: id_token_hint, client_id, post_logout_redirect_uri (only the "
    "client's logout_redirect_uri, exactly), state, ui_locales.",
    response_class=HTMLResponse,
    responses=page_responses(200, 302, 400, described=_PAGES),
)
async def logout(request: Request, server: AuthServerDep) -> Response:
    async with server.transaction(write=True) as session:
        response = await logouts.logout(server, session, request, request.query_params)
    server.logout_due.set()  # committed: the back-channel logouts it queued go now
    return response


@router.post(
    logouts.LOGOUT_PATH,
    summary="RP-Initiated Logout by POST (form-encoded, the same parameters as GET)",
    response_class=HTMLResponse,
    responses=page_responses(200, 303, 400, described=_PAGES),
    openapi_extra=form_body(
        id_token_hint="An id_token this server issued to the app (expired ones too)",
        client_id="The app asking",
        post_logout_redirect_uri="The app's registered logout_redirect_uri",
        state="Returned to the app with the redirect",
        ui_locales="Taken; the pages speak English",
    ),
)
async def logout_post(request: Request, server: AuthServerDep) -> Response:
    form = await browser_form(request)
    logouts.read_params(form)  # a malformed request is told so here, not after a redirect
    if not presented(request):
        # Posted from the app's site, the form comes without our SameSite=Lax cookie, which
        # a top-level GET carries: as that GET, it can end the browser's session.
        pairs = [(name, str(value)) for name, value in form.multi_items()]
        location = f"{server.issuer}{logouts.LOGOUT_PATH}?{urlencode(pairs)}"
        return RedirectResponse(location, status_code=303, headers=NO_STORE)
    async with server.transaction(write=True) as session:
        response = await logouts.logout(server, session, request, form)
    server.logout_due.set()
    return response


@router.post(
    logouts.CONFIRM_PATH,
    summary="The answer of the page that asks the person to confirm a sign-out",
    description="Must come from our page: its csrf_token, and no foreign Origin.",
    response_class=HTMLResponse,
    responses=page_responses(
        200,
        303,
        400,
        403,
        described={
            200: "Signed out (our page), or still signed in (the person chose to stay)",
            303: "Signed out: to the app's registered logout_redirect_uri, with its state",
        },
    ),
    openapi_extra=form_body(
        csrf_token="The token from the confirm page",
        decision="signout, or stay",
        client_id="The app asking, as the page carries it",
        post_logout_redirect_uri="As the page carries it",
        state="As the page carries it",
        ui_locales="As the page carries it",
    ),
)
async def logout_confirm(request: Request, server: AuthServerDep) -> Response:
    form = await browser_form(request)
    async with server.transaction(write=True) as session:
        response = await logouts.confirm(server, session, request, form)
    server.logout_due.set()
    return response
