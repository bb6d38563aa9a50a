"""HTTP for the device grant (oauth2/device.py): the device authorization endpoint, and the
page where a signed-in person types the user code and answers.

The page follows the consent page's rules (oauth2/browser.py): the sign-in page's session
cookie, an Origin / Sec-Fetch-Site check on every POST, a form token bound to the session
credential. Signing in goes through the one sign-in page, which comes back here.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from docspace_oauth.callers.principal import Caller
from docspace_oauth.models import DeviceAuthorization
from docspace_oauth.oauth2 import browser, client_auth, device, repository
from docspace_oauth.oauth2.answer_docs import CLIENT_ERRORS, no_store_ok
from docspace_oauth.oauth2.api_tokens import api_audience
from docspace_oauth.oauth2.authorize import LOGIN_PATH, audience_for
from docspace_oauth.oauth2.consent import record_consent
from docspace_oauth.oauth2.endpoints import _oauth_form, browser_form
from docspace_oauth.oauth2.errors import NO_STORE, CrossOriginRefused, ErrorPage
from docspace_oauth.oauth2.page_docs import form_body, page_responses
from docspace_oauth.oauth2.schemas import (
    CLIENT_SECURITY,
    DEVICE_AUTHORIZATION_REQUEST,
    DeviceAuthorizationResponse,
)
from docspace_oauth.oauth2.state import AuthServer, AuthServerDep, client_ip
from docspace_oauth.scopes.catalogue import BY_NAME
from docspace_oauth.security.hashing import keyed_hash
from docspace_oauth.web import render_page

router = APIRouter(tags=["oauth2"])

DEVICE_AUTHORIZATION_PATH = "/oauth2/device_authorization"


@router.post(
    DEVICE_AUTHORIZATION_PATH,
    summary="Device authorization request (RFC 8628 3.1); the client authenticates as at "
    "the token endpoint, a public client by its client_id",
    response_model=DeviceAuthorizationResponse,
    responses={
        200: no_store_ok("A device code, and the user code the device shows"),
        **CLIENT_ERRORS,
    },
    openapi_extra={"requestBody": DEVICE_AUTHORIZATION_REQUEST, "security": CLIENT_SECURITY},
)
async def device_authorization(request: Request, server: AuthServerDep) -> Response:
    form = await _oauth_form(request)
    credentials = client_auth.credentials(request.headers.get("authorization"), form)
    async with server.audited():
        client = await client_auth.authenticate(
            server, credentials, ip=client_ip(request), allow_none=True
        )
    async with server.transaction(write=True) as session:
        body = await device.start(server, session, client, form)
    return JSONResponse(body, headers=NO_STORE)


def _page(
    server: AuthServer,
    request: Request,
    who: browser.BrowserCaller,
    *,
    user_code: str = "",
    error: str | None = None,
    status_code: int = 200,
    **context: object,
) -> Response:
    caller = who.caller
    return render_page(
        request,
        "device.html",
        {
            "action": f"{server.issuer}{browser.DEVICE_PATH}",
            "csrf_token": browser.consent_csrf_token(server, who.credential),
            "user_code": user_code,
            "error": error,
            "user_label": caller.name or caller.email or caller.user_id,
            **context,
        },
        status_code=status_code,
        form_action_origins=browser.form_origins(server.issuer),
        headers=NO_STORE,
    )


@router.get(
    browser.DEVICE_PATH,
    summary="The device page: type the code a device shows",
    response_class=HTMLResponse,
    responses=page_responses(303),
)
async def device_page(request: Request, server: AuthServerDep) -> Response:
    who = await browser.signed_in(request, server)
    typed = device.normalize_user_code(request.query_params.get("user_code", ""))
    if who is None:
        here = browser.DEVICE_PATH + (f"?user_code={device.shown(typed)}" if typed else "")
        return RedirectResponse(
            f"{server.issuer}{LOGIN_PATH}?{urlencode({'next': here})}", status_code=303
        )
    return _page(server, request, who, user_code=device.shown(typed) if typed else "")


def _throttle_keys(server: AuthServer, request: Request, who: browser.BrowserCaller) -> list[str]:
    # The session by a keyed hash of its credential: the limiter may be a shared Redis.
    session = keyed_hash(server.hash_key, "device-session\x00" + who.credential)[:32]
    return [f"device|session|{session}", f"device|ip|{client_ip(request)}"]


@router.post(
    browser.DEVICE_PATH,
    summary="Look up a user code, then allow or deny the device",
    response_class=HTMLResponse,
    responses=page_responses(400, 401, 403, 429),
    openapi_extra=form_body(
        csrf_token="The token from the device page",
        user_code="The code the device shows",
        decision="allow or deny (absent: show what the device asks for)",
    ),
)
async def device_answer(request: Request, server: AuthServerDep) -> Response:
    browser.refuse_cross_origin(request, server.issuer)
    form = await browser_form(request)
    who = await browser.signed_in(request, server)
    if who is None:
        raise ErrorPage("You are not signed in any more.", status=401, heading="Signed out")
    if not browser.consent_csrf_ok(server, who, str(form.get("csrf_token") or "")):
        raise CrossOriginRefused("This form has expired or was not sent from our page.")
    typed = str(form.get("user_code") or "")[:64]
    keys = _throttle_keys(server, request, who)
    waits = [w for w in map(server.device_code_failures.blocked_for, keys) if w]
    if waits:
        error = f"Too many wrong codes. Try again in {max(waits)} seconds."
        return _page(server, request, who, user_code=typed, error=error, status_code=429)
    async with server.transaction(write=True) as session:
        row = await device.pending_by_user_code(server, session, typed)
        if row is None:
            blocked = [w for w in [await server.device_code_failures.failed(k) for k in keys] if w]
            error = "That code is wrong or has expired. Check the code on your device."
            status = 429 if blocked else 400
            return _page(server, request, who, user_code=typed, error=error, status_code=status)
        client = await repository.full_client(session, row.client_id)
        if client is None or not client.enabled:
            raise ErrorPage("The app that asked is no longer registered or is disabled.")
        caller = replace(who.caller, ip=client_ip(request))
        if caller.tenant_id != row.tenant_id:
            raise ErrorPage(
                "This device belongs to another portal: sign out, then sign in with an "
                "account of that portal.",
                status=403,
                heading="Another portal",
            )
        decision = str(form.get("decision") or "")
        scopes = [BY_NAME[s] for s in row.scopes.split() if s in BY_NAME]
        if decision not in {"allow", "deny"}:
            code = device.shown(device.normalize_user_code(typed))
            for_api = row.audience == api_audience(server.issuer)
            return _page(
                server, request, who, user_code=code, client=client, scopes=scopes, for_api=for_api
            )
        if decision == "deny":
            await device.answer(session, row.device_code_hash, None)
            return _page(server, request, who, done="denied", client=client)
        await _approve(server, session, caller, client.client_id, row)
        return _page(server, request, who, done="allowed", client=client)


async def _approve(
    server: AuthServer,
    session: AsyncSession,
    caller: Caller,
    client_id: str,
    row: DeviceAuthorization,
) -> None:
    """Allow: the consent recorded (merged with what was allowed before) as the consent page
    records it, and the device's request answered with who allowed it."""
    generation = await record_consent(
        session, caller, client_id, row.scopes.split(), {"grant": device.DEVICE_GRANT}
    )
    approval = device.Approval(
        user_id=caller.user_id,
        generation=generation,
        user_name=caller.name,
        user_email=caller.email,
        # Asked for this server's API (api_tokens), else the tenant's URL as for any grant.
        audience=row.audience or await audience_for(server, session, caller),
    )
    await device.answer(session, row.device_code_hash, approval)
