"""The sign-in page: a password sign-in that starts (or renews) a server-side session.

It serves the authorization endpoint (next=/oauth2/authorize?...) and the console. For an
authorization request it is shown even to a signed-in user when the request asks for a new
sign-in (prompt=login, a max_age the session's auth_time does not meet) or for a choice of
account (prompt=select_account: the current account is offered to go on with). Once signed
in, the browser returns to the request without what the sign-in answered
(authorize.answered_by_sign_in), so it does not ask again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from docspace_oauth import parsing
from docspace_oauth.callers.credentials import AUTH_COOKIE
from docspace_oauth.callers.principal import Caller
from docspace_oauth.models import Client, User
from docspace_oauth.oauth2 import browser, redirects, repository
from docspace_oauth.oauth2.authorize import (
    AUTHORIZE_PATH,
    LOGIN_PATH,
    answered_by_sign_in,
    needs_sign_in,
    parse_max_age,
    parse_prompt,
)
from docspace_oauth.oauth2.errors import ErrorPage, InvalidRequest
from docspace_oauth.oauth2.state import AuthServer, client_ip, password_throttle_key
from docspace_oauth.parsing import ascii_int
from docspace_oauth.registration import documents
from docspace_oauth.sessions import repository as sessions
from docspace_oauth.users import service as users
from docspace_oauth.web import render_page

PASSWORD_AMR = "pwd"  # RFC 8176


@dataclass(frozen=True, slots=True)
class SignInTarget:
    next: str
    client: Client | None  # None: the developer console, in any tenant
    redirect_uri: str | None
    # The authorization request's prompt and max_age (none for the console).
    prompt: frozenset[str] = frozenset()
    max_age: int | None = None

    def asks_of(self, caller: Caller) -> bool:
        """Whether the request wants more of this signed-in caller than it has: a new sign-in,
        or a choice of account."""
        return "select_account" in self.prompt or needs_sign_in(self.prompt, self.max_age, caller)

    def after_sign_in(self) -> str:
        return answered_by_sign_in(self.next) if self.client is not None else self.next


async def sign_in_target(session: AsyncSession, next_url: str | None) -> SignInTarget:
    """Where to go after signing in: only ever back to our own /oauth2/authorize, or to a
    page of the console (a relative /console path, never another site)."""
    if next_url is not None and browser.is_return_path(next_url):
        return SignInTarget(next_url, None, None)
    if not next_url or not next_url.startswith(AUTHORIZE_PATH + "?") or "\\" in next_url:
        raise ErrorPage("This sign-in link is incomplete. Go back to the app and start again.")
    query = parse_qs(next_url.split("?", 1)[1])
    client_id = (query.get("client_id") or [""])[0]
    lookup = documents.lookup_id(client_id)
    client = await repository.full_client(session, lookup) if lookup else None
    if client is None or not documents.addressed_by(client_id, client):
        raise ErrorPage("The app that sent you here is not registered (or no longer is).")
    redirect_uri = (query.get("redirect_uri") or [""])[0]
    registered = redirects.registered(redirect_uri, client.redirect_uris, client.application_type)
    trusted = redirect_uri if registered else None
    prompt = parse_prompt((query.get("prompt") or [""])[0]) or frozenset()
    try:
        max_age = parse_max_age(next(iter(query.get("max_age") or []), None))
    except InvalidRequest:
        max_age = None  # /authorize answers that one; here it asks for nothing
    return SignInTarget(next_url, client, trusted, prompt, max_age)


def _sign_in_response(
    server: AuthServer,
    request: Request,
    target: SignInTarget,
    *,
    error: str | None = None,
    email: str = "",
    status_code: int = 200,
    current: Caller | None = None,
) -> Response:
    token = browser.login_csrf_token(request)
    origins = browser.form_origins(server.issuer, target.redirect_uri)
    context: dict[str, Any] = {
        "client": target.client,
        "next": target.next,
        "csrf_token": token,
        "action": f"{server.issuer}{LOGIN_PATH}",
        "error": error,
        "email": email,
        "other_tenant": request.query_params.get("switch") == "1",
        # prompt=select_account: the account signed in now, offered to go on with.
        "current_label": _label(current) if current else "",
        "continue_url": f"{server.issuer}{target.after_sign_in()}" if current else "",
    }
    response = render_page(
        request, "sign_in.html", context, status_code=status_code, form_action_origins=origins
    )
    browser.set_login_csrf_cookie(response, server, token, request)
    return response


async def sign_in_page(server: AuthServer, session: AsyncSession, request: Request) -> Response:
    target = await sign_in_target(session, request.query_params.get("next"))
    who = await browser.signed_in(request, server)
    here = who is not None and (
        target.client is None or who.caller.tenant_id == target.client.tenant_id
    )
    if who is None or not here:
        return _sign_in_response(server, request, target)
    caller = who.caller
    if not target.asks_of(caller):
        return RedirectResponse(f"{server.issuer}{target.next}", status_code=303)
    if needs_sign_in(target.prompt, target.max_age, caller):
        # A new sign-in: the same person, most likely.
        return _sign_in_response(server, request, target, email=caller.email)
    return _sign_in_response(server, request, target, current=caller)


def _label(caller: Caller) -> str:
    return caller.name or caller.email or caller.user_id


async def sign_in(
    server: AuthServer, session: AsyncSession, request: Request, form: Mapping[str, Any]
) -> Response:
    browser.refuse_cross_origin(request, server.issuer)
    target = await sign_in_target(session, _str(form, "next"))
    email = _str(form, "email")[:320]
    password = _str(form, "password")[:1024]
    if not browser.login_csrf_ok(request, _str(form, "csrf_token")):
        return _sign_in_response(
            server,
            request,
            target,
            email=email,
            status_code=403,
            error="This sign-in form expired. Please sign in again.",
        )
    # The console signs in to any tenant: the one typed in, else see users.authenticate.
    tenant_id = target.client.tenant_id if target.client else _tenant_field(form)
    throttle_key = password_throttle_key(email, client_ip(request))
    wait = server.sign_in_failures.blocked_for(throttle_key)
    if wait is not None:
        return _sign_in_response(
            server,
            request,
            target,
            email=email,
            status_code=429,
            error=f"Too many failed attempts. Try again in {wait} seconds.",
        )
    user = None
    if email and password:
        user = await users.authenticate(
            session, tenant_id=tenant_id, email=email, password=password
        )
    if user is None:
        wait = await server.sign_in_failures.failed(throttle_key)
        message = "Wrong email or password."
        if wait is not None:
            message += f" Too many failed attempts: try again in {wait} seconds."
        return _sign_in_response(
            server,
            request,
            target,
            email=email,
            status_code=429 if wait else 400,
            error=message,
        )
    cookie = await _start_session(server, session, request, user)
    response = RedirectResponse(f"{server.issuer}{target.after_sign_in()}", status_code=303)
    browser.set_session_cookie(response, server, cookie, request)
    return response


async def _start_session(
    server: AuthServer, session: AsyncSession, request: Request, user: User
) -> str:
    """The password was right: a session (or this browser's, renewed), and its cookie."""
    cookie, _ = await sessions.sign_in(
        session,
        server.hash_key,
        sessions.NewSignIn(
            user_id=user.id,
            tenant_id=user.tenant_id,
            amr=PASSWORD_AMR,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent", ""),
            lifetime=timedelta(seconds=server.settings.session_ttl_seconds),
        ),
        request.cookies.get(AUTH_COOKIE, ""),
    )
    return cookie


def _str(form: Mapping[str, Any], name: str) -> str:
    # Unstorable text (a NUL) reads as absent: it can match no account, token or path.
    return parsing.text(form.get(name)) or ""


def _tenant_field(form: Mapping[str, Any]) -> int | None:
    return ascii_int(_str(form, "tenant").strip(), minimum=1)
