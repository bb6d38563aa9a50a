"""The consent page and the consent decision (a POST to /oauth2/authorize without
response_type, as in the DocSpace contract).

The decision is the one form here that acts on the user's behalf, so it alone carries the
CSRF token (an HMAC of the session credential) and passes the origin check.
"""

from __future__ import annotations

from dataclasses import replace

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, QueryParams
from starlette.responses import Response

from docspace_oauth.audit.actions import Action
from docspace_oauth.audit.service import record as audit_record
from docspace_oauth.callers.principal import Caller
from docspace_oauth.consents import repository as consents
from docspace_oauth.models import AuthorizationRequest, utcnow
from docspace_oauth.oauth2 import browser, redirects, repository
from docspace_oauth.oauth2.authorize import (
    AUTHORIZE_PATH,
    CodeRequest,
    Decision,
    issue_code,
    one,
    ordered,
    pending_id,
    success_location,
)
from docspace_oauth.oauth2.errors import (
    AccessDenied,
    AuthorizeRedirect,
    CrossOriginRefused,
    ErrorPage,
    InvalidRequest,
    OAuth2Error,
    UnauthorizedClient,
)
from docspace_oauth.oauth2.repository import ClientRecord
from docspace_oauth.oauth2.state import AuthServer, client_ip
from docspace_oauth.scopes.catalogue import BY_NAME
from docspace_oauth.web import render_page

_EXPIRED = "This request has expired or was already answered. Go back to the app and start again."


async def consent_page(server: AuthServer, session: AsyncSession, request: Request) -> Response:
    who = await browser.signed_in(request, server)
    if who is None:
        raise ErrorPage("You are not signed in any more.", status=401, heading="Signed out")
    client_id = request.query_params.get("client_id", "")
    state = request.query_params.get("state", "")
    pending = await repository.get_pending(
        session, pending_id(server, who.caller.user_id, client_id, state)
    )
    if pending is None or pending.expires_at <= utcnow():
        raise ErrorPage(_EXPIRED, heading="Request expired")
    client = await repository.full_client(session, pending.client_id)
    if client is None:
        raise ErrorPage("The app that sent you here is no longer registered.")
    scopes = [BY_NAME[s] for s in pending.scopes.split() if s in BY_NAME]
    caller = who.caller
    return render_page(
        request,
        "consent.html",
        {
            "client": client,
            "scopes": scopes,
            "state": pending.state,
            "csrf_token": browser.consent_csrf_token(server, who.credential),
            "action": f"{server.issuer}{AUTHORIZE_PATH}",
            "user_label": caller.name or caller.email or caller.user_id,
            # The hosts a browser would go to, whatever a stored URL looks like to Python.
            "website_host": browser.host_of(client.website_url) if client.website_url else "",
            "redirect_host": browser.host_of(pending.redirect_uri) or pending.redirect_uri,
        },
        form_action_origins=browser.form_origins(server.issuer, pending.redirect_uri),
    )


def _form_scopes(form: FormData) -> list[str]:
    scopes: list[str] = []
    for value in form.getlist("scope"):
        scopes.extend(str(value).split())
    return scopes


async def _claimed(
    server: AuthServer, session: AsyncSession, request: Request, form: FormData
) -> tuple[Caller, AuthorizationRequest, ClientRecord]:
    """The signed-in caller, and the pending request its form answers (taken away: it is
    answered once) with its client; an error page for anything stale or foreign."""
    browser.refuse_cross_origin(request, server.issuer)
    who = await browser.signed_in(request, server)
    if who is None:
        raise ErrorPage("You are not signed in any more.", status=401, heading="Signed out")
    if not browser.consent_csrf_ok(server, who, _first(form, "csrf_token")):
        raise CrossOriginRefused("This form has expired or was not sent from our page.")
    try:
        client_id = one(form, "client_id") or ""
        state = one(form, "state") or ""
    except InvalidRequest as exc:
        raise ErrorPage(exc.description) from exc
    caller = replace(who.caller, ip=client_ip(request))  # for the audit trail
    pending = await repository.claim_pending(
        session, pending_id(server, caller.user_id, client_id, state)
    )
    if pending is None or pending.expires_at <= utcnow():
        raise ErrorPage(_EXPIRED, heading="Request expired")
    record = await repository.client_record(server.runtime.direct, pending.client_id)
    if record is None:
        raise ErrorPage("The app that sent you here is no longer registered.")
    if not redirects.registered(
        pending.redirect_uri, record.redirect_uris, record.application_type
    ):
        raise ErrorPage("The app no longer has the address it asked to send you back to.")
    return caller, pending, record


async def submit_consent(
    server: AuthServer, session: AsyncSession, request: Request, form: FormData
) -> Decision:
    """POST /oauth2/authorize: client_id, state, scope (repeated or space-separated).

    As in DocSpace (Spring Authorization Server), a submission without any scope is a denial;
    so is `decision=deny` from our own page. Only scopes that were requested can be granted.
    """
    caller, pending, record = await _claimed(server, session, request, form)
    state_out = pending.state or None

    def back(error: OAuth2Error) -> AuthorizeRedirect:
        # The pending request stays consumed: the answer was given.
        return AuthorizeRedirect(
            error,
            redirect_uri=pending.redirect_uri,
            state=state_out,
            issuer=server.issuer,
            persist=True,
        )

    if not record.enabled:
        raise back(UnauthorizedClient("This app is disabled."))
    given = set(_form_scopes(form))
    requested = pending.scopes.split()
    granted = [s for s in requested if s in given]
    if _first(form, "decision") == "deny" or not granted:
        raise back(AccessDenied("The user did not allow access."))
    generation = await record_consent(session, caller, record.client_id, granted)
    code = await issue_code(
        server,
        session,
        CodeRequest(
            client_id=record.client_id,
            caller=caller,
            redirect_uri=pending.redirect_uri,
            scopes=ordered(granted),
            nonce=pending.nonce,
            code_challenge=pending.code_challenge,
            generation=generation,
            user_name=pending.user_name,
            user_email=pending.user_email,
            audience=pending.audience,
        ),
    )
    return Decision(success_location(server, pending.redirect_uri, code, state_out))


async def record_consent(
    session: AsyncSession,
    caller: Caller,
    client_id: str,
    granted: list[str],
    how: dict[str, str] | None = None,
) -> int:
    """Store the consent, merged with what the user granted the client before, and audit it
    (with `how` it was given, if not by the consent page); the consent's generation, for the
    code or the device's answer."""
    existing = await consents.get(session, client_id, caller.user_id)
    kept = existing.scopes.split() if existing is not None and not existing.revoked else []
    generation = await consents.grant(
        session,
        client_id=client_id,
        user_id=caller.user_id,
        tenant_id=caller.tenant_id,
        scopes=" ".join(ordered([*kept, *granted])),
        now=utcnow(),
    )
    await audit_record(
        session,
        caller,
        Action.CONSENT_GRANT,
        client_id=client_id,
        details={"scopes": ordered(granted), **(how or {})},
    )
    return generation


def _first(form: FormData | QueryParams, name: str) -> str | None:
    value = form.get(name)
    return None if value is None else str(value)
