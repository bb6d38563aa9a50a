"""RP-Initiated Logout 1.0 at /oauth2/logout (the discovery's end_session_endpoint).

A request (GET, or POST form-encoded) names the app (`client_id`, or the audience of an
`id_token_hint`) and where to go afterwards (`post_logout_redirect_uri`, with `state`). The
only place it may send the browser is the app's registered `logout_redirect_uri` (the DocSpace
contract's field), matched exactly; without one the browser gets our signed-out page.

The session ends at once when the request proves it speaks for it: an unexpired id_token of
ours whose `sid` is this browser's session. Otherwise (no hint, another session's, an
expired one) the person confirms on a page whose form carries a CSRF token (an HMAC of the
session cookie, as the consent form's), so that another site cannot sign anyone out with a
bare link. Ending it is sessions.repository.end: the session row and its cookie key, in the
database, so every instance refuses the cookie before it answers again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from docspace_oauth.audit.actions import Action
from docspace_oauth.audit.service import record
from docspace_oauth.models import Client, EndReason
from docspace_oauth.oauth2 import browser, repository
from docspace_oauth.oauth2.authorize import Params, one
from docspace_oauth.oauth2.browser import BrowserCaller
from docspace_oauth.oauth2.errors import (
    NO_STORE,
    CrossOriginRefused,
    ErrorPage,
    InvalidRequest,
    with_query,
)
from docspace_oauth.oauth2.state import AuthServer
from docspace_oauth.oauth2.tokens import UnknownKey, UnverifiableToken, verify_id_token
from docspace_oauth.registration import documents
from docspace_oauth.security.hashing import keyed_hash, same_secret
from docspace_oauth.sessions import repository as sessions
from docspace_oauth.web import render_page

LOGOUT_PATH = "/oauth2/logout"
# The confirm page posts here: every form at this path is an answer, and needs its token.
CONFIRM_PATH = "/oauth2/logout/confirm"
# ui_locales is taken and has nothing to choose from (the pages speak English); logout_hint
# is taken and ignored: the session to end is the browser's own.
PARAMS = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state", "ui_locales")
_IGNORED = ("logout_hint",)
_HEADING = "This sign-out link doesn't work"


@dataclass(frozen=True, slots=True)
class Hint:
    """What a verified id_token_hint says."""

    subject: str
    session_id: str | None
    expired: bool


@dataclass(frozen=True, slots=True)
class LogoutRequest:
    params: dict[str, str]  # the request's own parameters, to carry through the confirm form
    client: Client | None
    redirect_to: str | None  # the registered post_logout_redirect_uri, or None
    state: str | None
    hint: Hint | None

    def proves(self, who: BrowserCaller) -> bool:
        """Whether the request speaks for this browser's session: an unexpired id_token of
        this user issued through it."""
        current = who.caller.session
        hint = self.hint
        return (
            current is not None
            and hint is not None
            and not hint.expired
            and hint.session_id == current.id
            and hint.subject == who.caller.user_id
        )


def _page_error(message: str) -> ErrorPage:
    return ErrorPage(message, heading=_HEADING)


async def _hint(server: AuthServer, token: str) -> tuple[Hint, list[str]] | None:
    """The hint and its audience; None when its key is gone from this server (it is then
    no proof of anything, and the person is asked)."""
    try:
        try:
            claims = verify_id_token(server.keys, token, issuer=server.issuer)
        except UnknownKey:
            await server.reload_keys()
            claims = verify_id_token(server.keys, token, issuer=server.issuer)
    except UnknownKey:
        return None
    except UnverifiableToken as exc:
        raise _page_error("The id_token_hint is not an id_token this server issued.") from exc
    aud = claims.get("aud")
    audience = [aud] if isinstance(aud, str) else [a for a in aud or [] if isinstance(a, str)]
    exp, sid = claims.get("exp"), claims.get("sid")
    expired = not isinstance(exp, int) or exp <= int(time.time())
    session_id = sid if isinstance(sid, str) else None
    return Hint(str(claims["sub"]), session_id, expired), audience


def read_params(params: Params) -> dict[str, str]:
    """The logout parameters given, each at most once; an error page otherwise."""
    try:
        found = {name: one(params, name) for name in PARAMS}
        for name in _IGNORED:
            one(params, name)
    except InvalidRequest as exc:
        raise _page_error(exc.description) from exc
    # OIDC Core 3.1.2.1 (and so RP-Initiated Logout): an empty parameter is an omitted one.
    return {name: value for name, value in found.items() if value}


async def parse(server: AuthServer, session: AsyncSession, params: Params) -> LogoutRequest:
    values = read_params(params)
    hint: Hint | None = None
    audience: list[str] = []
    if values.get("id_token_hint"):
        verified = await _hint(server, values["id_token_hint"])
        if verified is not None:
            hint, audience = verified
    client_id = values.get("client_id")
    if client_id is not None and audience and client_id not in audience:
        raise _page_error("The id_token_hint was issued to another app than client_id names.")
    client_id = client_id or (audience[0] if len(audience) == 1 else None)
    client = None
    if client_id is not None:
        # A metadata document's client is named by its URL (the id_token's aud), or by its
        # row's id in our own confirmation form.
        lookup = documents.lookup_id(client_id)
        if lookup is not None:
            client = await repository.full_client(session, lookup)
        if client is None:
            raise _page_error("The app that sent you here is not registered (or no longer is).")
    uri = values.get("post_logout_redirect_uri")
    if uri is not None:
        if client is None:
            raise _page_error("post_logout_redirect_uri needs the app's client_id.")
        if not client.logout_redirect_uri or uri != client.logout_redirect_uri:
            raise _page_error("The app did not register this address to return to.")
    return LogoutRequest(values, client, uri, values.get("state"), hint)


def _csrf_token(server: AuthServer, credential: str) -> str:
    return keyed_hash(server.hash_key, "logout-form\x00" + credential)


def _done(server: AuthServer, request: Request, req: LogoutRequest, *, status: int) -> Response:
    """Signed out: back to the app's registered address (with its state), or our page."""
    if req.redirect_to is not None:
        location = with_query(req.redirect_to, {"state": req.state})
        response: Response = RedirectResponse(location, status_code=status, headers=NO_STORE)
    else:
        response = render_page(request, "logout.html", {"client": req.client, "done": True})
    browser.clear_session_cookie(response, server, request)
    return response


def _confirm_page(
    server: AuthServer, request: Request, req: LogoutRequest, who: BrowserCaller
) -> Response:
    caller = who.caller
    # The hint has done its part (it named the app); the form carries the rest.
    carried = {k: v for k, v in req.params.items() if k != "id_token_hint"}
    if req.client is not None:
        carried["client_id"] = req.client.client_id
    return render_page(
        request,
        "logout.html",
        {
            "client": req.client,
            "done": False,
            "action": f"{server.issuer}{CONFIRM_PATH}",
            "csrf_token": _csrf_token(server, who.credential),
            "carried": sorted(carried.items()),
            "user_label": caller.name or caller.email or caller.user_id,
        },
        form_action_origins=browser.form_origins(server.issuer, req.redirect_to),
    )


async def _end(session: AsyncSession, who: BrowserCaller, client: Client | None) -> None:
    current = who.caller.session
    assert current is not None
    if await sessions.end(session, current.id, EndReason.SIGNED_OUT):
        await record(
            session,
            who.caller,
            Action.SESSION_END,
            client_id=client.client_id if client else None,
            details={
                "session_id": current.id,
                "user_id": who.caller.user_id,
                "reason": EndReason.SIGNED_OUT.value,
            },
        )


async def _session_caller(request: Request, server: AuthServer) -> BrowserCaller | None:
    """The browser's sign-in session, if the request carries one in its cookie; a caller
    known by a header has no session here to end."""
    who = await browser.signed_in(request, server)
    if who is None or not who.from_cookie or who.caller.session is None:
        return None
    return who


async def logout(
    server: AuthServer, session: AsyncSession, request: Request, params: Params
) -> Response:
    """A logout request, by GET or POST."""
    req = await parse(server, session, params)
    status = 303 if request.method == "POST" else 302
    who = await _session_caller(request, server)
    if who is None:
        return _done(server, request, req, status=status)  # nothing to end here
    if req.proves(who):
        await _end(session, who, req.client)
        return _done(server, request, req, status=status)
    return _confirm_page(server, request, req, who)


async def confirm(
    server: AuthServer, session: AsyncSession, request: Request, form: Params
) -> Response:
    """The confirm page's answer: `decision` signout (or stay), with its csrf_token."""
    browser.refuse_cross_origin(request, server.issuer)
    req = await parse(server, session, form)
    who = await _session_caller(request, server)
    if who is None:
        return _done(server, request, req, status=303)  # signed out meanwhile
    submitted = form.get("csrf_token")
    if not isinstance(submitted, str) or not same_secret(
        _csrf_token(server, who.credential), submitted
    ):
        raise CrossOriginRefused("This form has expired or was not sent from our page.")
    if form.get("decision") != "signout":
        return render_page(request, "logout.html", {"client": req.client, "stayed": True})
    await _end(session, who, req.client)
    return _done(server, request, req, status=303)
