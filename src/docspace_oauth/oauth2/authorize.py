"""The authorization endpoint (RFC 6749 4.1, OIDC Core 3.1.2), sign-in and consent.

GET /oauth2/authorize validates the request in two stages. First what makes a redirect safe
(a known client and a redirect_uri registered for it, exactly): if that fails the person
gets an error page and nobody gets redirected. Then everything else, whose failures go back
to the client as `error=...`. A signed-in user whose stored consent covers the scopes gets a
code at once; otherwise the request waits in `authorization_requests` (so any instance can
finish it) and the browser goes to the consent page, whose form posts to POST
/oauth2/authorize with client_id, state and scope.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, QueryParams
from starlette.responses import RedirectResponse, Response

from docspace_oauth import parsing
from docspace_oauth.audit.actions import Action
from docspace_oauth.audit.service import record as audit_record
from docspace_oauth.callers.principal import Caller, Scheme
from docspace_oauth.callers.service import issue_api_key
from docspace_oauth.clients.schemas import GrantType
from docspace_oauth.clients.service import parse_client_id
from docspace_oauth.consents import repository as consents
from docspace_oauth.models import AuthorizationCode, Client, utcnow
from docspace_oauth.models.tenant import default_tenant_url
from docspace_oauth.oauth2 import browser, pkce, redirects, repository, resources
from docspace_oauth.oauth2.errors import (
    NO_STORE,
    AccessDenied,
    AuthorizeRedirect,
    ConsentRequired,
    CrossOriginRefused,
    ErrorPage,
    InvalidRequest,
    InvalidScope,
    LoginRequired,
    OAuth2Error,
    UnauthorizedClient,
    UnsupportedResponseType,
    with_query,
)
from docspace_oauth.oauth2.state import AuthServer, client_ip, password_throttle_key
from docspace_oauth.oauth2.tokens import opaque_token
from docspace_oauth.parsing import ascii_int
from docspace_oauth.scopes.catalogue import BY_NAME, CATALOGUE
from docspace_oauth.security.hashing import keyed_hash
from docspace_oauth.users import service as users
from docspace_oauth.web import render_page

AUTHORIZE_PATH = "/oauth2/authorize"
LOGIN_PATH = "/oauth2/login"
CONSENT_PATH = "/oauth2/consent"

_SINGLE_VALUED = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "response_mode",
    "resource",  # RFC 8707: one resource per grant (oauth2.resources)
)
_PROMPTS = frozenset({"none", "login", "consent", "select_account"})
_CATALOGUE_ORDER = {scope.name: index for index, scope in enumerate(CATALOGUE)}


@dataclass(frozen=True, slots=True)
class AuthorizeRequest:
    client: Client
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    nonce: str | None
    code_challenge: str | None
    prompt: frozenset[str]
    resource: str | None = None


def _one(params: QueryParams | FormData, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise InvalidRequest(f"{name} is given more than once.")
    value = values[0] if values else None
    if value is None:
        return None
    if parsing.text(value) is None:
        # Stored with the pending request (state, nonce, ...): a NUL would fail the INSERT.
        raise InvalidRequest(f"{name} contains a NUL character or is not text.")
    return str(value)


def ordered(scopes: Sequence[str]) -> list[str]:
    return sorted(dict.fromkeys(scopes), key=lambda s: _CATALOGUE_ORDER.get(s, len(CATALOGUE)))


async def trusted_client(session: AsyncSession, params: QueryParams) -> tuple[Client, str]:
    """Stage one: the client and the redirect URI, or an error page."""
    try:
        client_id = _one(params, "client_id")
        redirect_uri = _one(params, "redirect_uri")
    except InvalidRequest as exc:
        raise ErrorPage(exc.description) from exc
    if not client_id or parse_client_id(client_id) != client_id:
        raise ErrorPage("The app that sent you here is not known (client_id is missing or wrong).")
    client = await repository.full_client(session, client_id)
    if client is None:
        raise ErrorPage("The app that sent you here is not registered (or no longer is).")
    if not redirect_uri:
        raise ErrorPage("The app did not say where to send you back (redirect_uri is missing).")
    if not redirects.registered(redirect_uri, client.redirect_uris, client.application_type):
        raise ErrorPage(
            "The app asked to send you back to an address it has not registered "
            "(redirect_uri does not match), so you were not sent there."
        )
    return client, redirect_uri


async def parse_request(
    server: AuthServer, session: AsyncSession, params: QueryParams
) -> AuthorizeRequest:
    client, redirect_uri = await trusted_client(session, params)
    state: str | None = None

    def back(error: OAuth2Error) -> AuthorizeRedirect:
        return AuthorizeRedirect(
            error, redirect_uri=redirect_uri, state=state, issuer=server.issuer
        )

    try:
        values = {name: _one(params, name) for name in _SINGLE_VALUED}
    except InvalidRequest as exc:
        raise back(exc) from exc
    state = values["state"] or None
    if state is not None and len(state) > 1024:
        state = None
        raise back(InvalidRequest("state is longer than 1024 characters."))
    response_type = values["response_type"]
    if not response_type:
        raise back(InvalidRequest("response_type is required."))
    if response_type != "code":
        raise back(UnsupportedResponseType("Only response_type=code is supported."))
    if values["response_mode"] not in (None, "query"):
        raise back(InvalidRequest("Only response_mode=query is supported."))
    if not client.enabled:
        raise back(UnauthorizedClient("This app is disabled."))
    if GrantType.AUTHORIZATION_CODE.value not in client.grant_types:
        raise back(UnauthorizedClient("This app may not use the authorization code grant."))

    raw_scope = values["scope"]
    requested = ordered(raw_scope.split()) if raw_scope and raw_scope.strip() else []
    if not requested:
        requested = ordered(client.scopes)  # the contract: no scope means the registered ones
    unknown = [s for s in requested if s not in client.scopes or s not in BY_NAME]
    if unknown:
        raise back(InvalidScope(f"Not registered for this app: {' '.join(unknown)}."))
    resource = values["resource"]
    if resource is not None:
        try:
            bound = await resources.registered(session, client.tenant_id, resource)
            resources.check_scopes(bound, tuple(requested))
        except OAuth2Error as exc:
            raise back(exc) from exc

    challenge, method = values["code_challenge"], values["code_challenge_method"]
    if method is not None and method != pkce.S256:
        raise back(InvalidRequest("Only code_challenge_method=S256 is supported."))
    if challenge is not None:
        if method is None:
            raise back(InvalidRequest("code_challenge_method=S256 is required (plain is not)."))
        if not pkce.valid_challenge(challenge):
            raise back(InvalidRequest("code_challenge must be 43-128 URL-safe characters."))
    elif method is not None:
        raise back(InvalidRequest("code_challenge_method without code_challenge."))
    if client.allow_pkce and challenge is None:
        raise back(InvalidRequest("This app must use PKCE (code_challenge with S256)."))

    nonce = values["nonce"]
    if nonce is not None and len(nonce) > 512:
        raise back(InvalidRequest("nonce is longer than 512 characters."))
    prompt = frozenset((values["prompt"] or "").split())
    if not prompt <= _PROMPTS or ("none" in prompt and len(prompt) > 1):
        raise back(InvalidRequest("prompt must be none, or any of login, consent."))
    return AuthorizeRequest(
        client=client,
        redirect_uri=redirect_uri,
        scopes=tuple(requested),
        state=state,
        nonce=nonce or None,
        code_challenge=challenge,
        prompt=prompt,
        resource=resource,
    )


def pending_id(server: AuthServer, user_id: str, client_id: str, state: str) -> str:
    return keyed_hash(
        server.hash_key, f"authorization-request\x00{user_id}\x00{client_id}\x00{state}"
    )


async def audience_for(server: AuthServer, session: AsyncSession, caller: Caller) -> str:
    """The tenant's URL: its row here (set by `tenants set-url`), else the portal's own word
    for x-signature callers, else the tenant's default (distinct per tenant, see
    models.tenant). The token endpoint follows the same order."""
    url = await repository.tenant_url(session, caller.tenant_id)
    if url:
        return url
    if caller.scheme is Scheme.SIGNATURE and caller.tenant_url:
        return caller.tenant_url.rstrip("/")
    return default_tenant_url(server.issuer, caller.tenant_id)


@dataclass(frozen=True, slots=True)
class CodeRequest:
    client_id: str
    user_id: str
    tenant_id: int
    redirect_uri: str
    scopes: Sequence[str]
    nonce: str | None
    code_challenge: str | None
    generation: int
    user_name: str
    user_email: str
    audience: str


async def issue_code(server: AuthServer, session: AsyncSession, request: CodeRequest) -> str:
    code = opaque_token()
    now = utcnow()
    await repository.add_code(
        session,
        AuthorizationCode(
            code_hash=keyed_hash(server.hash_key, code),
            client_id=request.client_id,
            user_id=request.user_id,
            tenant_id=request.tenant_id,
            redirect_uri=request.redirect_uri,
            scopes=" ".join(request.scopes),
            nonce=request.nonce,
            code_challenge=request.code_challenge,
            generation=request.generation,
            user_name=request.user_name,
            user_email=request.user_email,
            audience=request.audience,
            created_at=now,
            expires_at=now + timedelta(seconds=server.settings.authorization_code_ttl_seconds),
        ),
    )
    return code


def _success(server: AuthServer, redirect_uri: str, code: str, state: str | None) -> Response:
    location = with_query(redirect_uri, {"code": code, "state": state, "iss": server.issuer})
    return RedirectResponse(location, status_code=302, headers=NO_STORE)


def _login_url(server: AuthServer, request: Request, *, other_tenant: bool) -> str:
    query = {"next": f"{AUTHORIZE_PATH}?{request.url.query}"}
    if other_tenant:
        query["switch"] = "1"
    return f"{server.issuer}{LOGIN_PATH}?{urlencode(query)}"


async def authorize(server: AuthServer, session: AsyncSession, request: Request) -> Response:
    req = await parse_request(server, session, request.query_params)
    client = req.client

    def back(error: OAuth2Error) -> AuthorizeRedirect:
        return AuthorizeRedirect(
            error, redirect_uri=req.redirect_uri, state=req.state, issuer=server.issuer
        )

    who = await browser.signed_in(request, server)
    if who is None or who.caller.tenant_id != client.tenant_id:
        if "none" in req.prompt:
            raise back(LoginRequired("The user is not signed in."))
        return RedirectResponse(
            _login_url(server, request, other_tenant=who is not None),
            status_code=302,
            headers=NO_STORE,
        )
    caller = who.caller
    # RFC 8707: a resource named binds the grant's audience to it.
    audience = req.resource or await audience_for(server, session, caller)
    consent = await consents.get(session, client.client_id, caller.user_id)
    covered = (
        consent is not None
        and not consent.revoked
        and set(req.scopes) <= set(consent.scopes.split())
    )
    if covered and "consent" not in req.prompt:
        assert consent is not None
        code = await issue_code(
            server,
            session,
            CodeRequest(
                client_id=client.client_id,
                user_id=caller.user_id,
                tenant_id=caller.tenant_id,
                redirect_uri=req.redirect_uri,
                scopes=req.scopes,
                nonce=req.nonce,
                code_challenge=req.code_challenge,
                generation=consent.generation,
                user_name=caller.name,
                user_email=caller.email,
                audience=audience,
            ),
        )
        return _success(server, req.redirect_uri, code, req.state)
    if "none" in req.prompt:
        raise back(ConsentRequired("The user has not consented to these scopes."))
    now = utcnow()
    state = req.state or ""
    await repository.put_pending(
        session,
        {
            "id": pending_id(server, caller.user_id, client.client_id, state),
            "client_id": client.client_id,
            "user_id": caller.user_id,
            "tenant_id": caller.tenant_id,
            "state": state,
            "redirect_uri": req.redirect_uri,
            "scopes": " ".join(req.scopes),
            "nonce": req.nonce,
            "code_challenge": req.code_challenge,
            "user_name": caller.name,
            "user_email": caller.email,
            "audience": audience,
            "created_at": now,
            "expires_at": now
            + timedelta(seconds=server.settings.authorization_request_ttl_seconds),
        },
    )
    query = urlencode({"client_id": client.client_id, "state": state})
    return RedirectResponse(
        f"{server.issuer}{CONSENT_PATH}?{query}", status_code=302, headers=NO_STORE
    )


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


async def submit_consent(
    server: AuthServer, session: AsyncSession, request: Request, form: FormData
) -> Response:
    """POST /oauth2/authorize: client_id, state, scope (repeated or space-separated).

    As in DocSpace (Spring Authorization Server), a submission without any scope is a denial;
    so is `decision=deny` from our own page. Only scopes that were requested can be granted.
    """
    browser.refuse_cross_origin(request, server.issuer)
    who = await browser.signed_in(request, server)
    if who is None:
        raise ErrorPage("You are not signed in any more.", status=401, heading="Signed out")
    if not browser.consent_csrf_ok(server, who, _first(form, "csrf_token")):
        raise CrossOriginRefused("This form has expired or was not sent from our page.")
    try:
        client_id = _one(form, "client_id") or ""
        state = _one(form, "state") or ""
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
    existing = await consents.get(session, record.client_id, caller.user_id)
    kept = existing.scopes.split() if existing is not None and not existing.revoked else []
    generation = await consents.grant(
        session,
        client_id=record.client_id,
        user_id=caller.user_id,
        tenant_id=caller.tenant_id,
        scopes=" ".join(ordered([*kept, *granted])),
        now=utcnow(),
    )
    await audit_record(
        session,
        caller,
        Action.CONSENT_GRANT,
        client_id=record.client_id,
        details={"scopes": ordered(granted)},
    )
    code = await issue_code(
        server,
        session,
        CodeRequest(
            client_id=record.client_id,
            user_id=caller.user_id,
            tenant_id=caller.tenant_id,
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
    return _success(server, pending.redirect_uri, code, state_out)


def _first(form: FormData | QueryParams, name: str) -> str | None:
    value = form.get(name)
    return None if value is None else str(value)


# The sign-in page.


@dataclass(frozen=True, slots=True)
class SignInTarget:
    next: str
    client: Client | None  # None: the developer console, in any tenant
    redirect_uri: str | None


async def sign_in_target(session: AsyncSession, next_url: str | None) -> SignInTarget:
    """Where to go after signing in: only ever back to our own /oauth2/authorize, or to a
    page of the console (a relative /console path, never another site)."""
    if next_url is not None and browser.is_console_path(next_url):
        return SignInTarget(next_url, None, None)
    if not next_url or not next_url.startswith(AUTHORIZE_PATH + "?") or "\\" in next_url:
        raise ErrorPage("This sign-in link is incomplete. Go back to the app and start again.")
    query = parse_qs(next_url.split("?", 1)[1])
    client_id = (query.get("client_id") or [""])[0]
    client = (
        await repository.full_client(session, client_id)
        if parse_client_id(client_id) == client_id
        else None
    )
    if client is None:
        raise ErrorPage("The app that sent you here is not registered (or no longer is).")
    redirect_uri = (query.get("redirect_uri") or [""])[0]
    registered = redirects.registered(redirect_uri, client.redirect_uris, client.application_type)
    trusted = redirect_uri if registered else None
    return SignInTarget(next_url, client, trusted)


def _sign_in_response(
    server: AuthServer,
    request: Request,
    target: SignInTarget,
    *,
    error: str | None = None,
    email: str = "",
    status_code: int = 200,
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
    }
    response = render_page(
        request, "sign_in.html", context, status_code=status_code, form_action_origins=origins
    )
    browser.set_login_csrf_cookie(response, server, token, request)
    return response


async def sign_in_page(server: AuthServer, session: AsyncSession, request: Request) -> Response:
    target = await sign_in_target(session, request.query_params.get("next"))
    who = await browser.signed_in(request, server)
    if who is not None and (
        target.client is None or who.caller.tenant_id == target.client.tenant_id
    ):
        return RedirectResponse(f"{server.issuer}{target.next}", status_code=303)
    return _sign_in_response(server, request, target)


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
    api_key = await issue_api_key(
        session,
        server.hash_key,
        user.id,
        kind="session",
        lifetime=timedelta(seconds=server.settings.session_ttl_seconds),
    )
    response = RedirectResponse(f"{server.issuer}{target.next}", status_code=303)
    browser.set_session_cookie(response, server, api_key, request)
    return response


def _str(form: Mapping[str, Any], name: str) -> str:
    # Unstorable text (a NUL) reads as absent: it can match no account, token or path.
    return parsing.text(form.get(name)) or ""


def _tenant_field(form: Mapping[str, Any]) -> int | None:
    return ascii_int(_str(form, "tenant").strip(), minimum=1)
