"""The authorization endpoint (RFC 6749 4.1, OIDC Core 3.1.2): the request and its decision.

An authorization request arrives by GET (the query) or by POST (a form with response_type,
OIDC Core 3.1.2.1); both are parsed here from the same parameters and get the same answer.
It is validated in two stages. First what makes a redirect safe (a known client and a
redirect_uri registered for it, exactly): if that fails the person gets an error page and
nobody gets redirected. Then everything else, whose failures go back to the client as
`error=...` (with `iss`, RFC 9207).

The decision is where the browser goes next (`Decision`; the endpoint renders it): back to
the app with a code when a signed-in user's stored consent covers the scopes and the sign-in
is recent enough; to the sign-in page when there is no such user, or the request asks for a
new sign-in (prompt=login, a max_age the session's auth_time does not meet) or an account
choice (prompt=select_account); else to the consent page, the request waiting in
`authorization_requests` (so any instance can finish it). The consent and sign-in pages are
in oauth2.consent and oauth2.sign_in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, QueryParams

from docspace_oauth import parsing
from docspace_oauth.callers.principal import Caller, Scheme
from docspace_oauth.clients.schemas import GrantType
from docspace_oauth.consents import repository as consents
from docspace_oauth.models import AuthorizationCode, Client, utcnow
from docspace_oauth.models.tenant import default_tenant_url
from docspace_oauth.oauth2 import browser, pkce, redirects, repository, resources
from docspace_oauth.oauth2.errors import (
    AuthorizeRedirect,
    ConsentRequired,
    ErrorPage,
    InvalidRequest,
    InvalidScope,
    LoginRequired,
    OAuth2Error,
    UnauthorizedClient,
    UnsupportedResponseType,
    with_query,
)
from docspace_oauth.oauth2.state import AuthServer
from docspace_oauth.oauth2.tokens import opaque_token
from docspace_oauth.parsing import ascii_int
from docspace_oauth.registration import documents
from docspace_oauth.scopes.catalogue import BY_NAME, CATALOGUE
from docspace_oauth.security.hashing import keyed_hash
from docspace_oauth.sessions import repository as sessions

AUTHORIZE_PATH = "/oauth2/authorize"
LOGIN_PATH = "/oauth2/login"
CONSENT_PATH = "/oauth2/consent"

Params = QueryParams | FormData

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
    "max_age",
    "response_mode",
    "resource",  # RFC 8707: one resource per grant (oauth2.resources)
)
PROMPTS = ("none", "login", "consent", "select_account")
# What a sign-in answers: once the user has just signed in (or chosen the account), these no
# longer ask for anything, and are taken off the request it returns to.
REAUTH_PROMPTS = frozenset({"login", "select_account"})
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
    max_age: int | None
    resource: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """Where the browser goes next: the app (with a code), the sign-in or the consent page."""

    location: str


def one(params: Params, name: str) -> str | None:
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


def parse_prompt(value: str | None) -> frozenset[str] | None:
    """The prompt values, or None when they are not a valid combination (OIDC Core
    3.1.2.1: unknown values, or `none` with any other, are an error)."""
    prompt = frozenset((value or "").split())
    if not prompt <= frozenset(PROMPTS) or ("none" in prompt and len(prompt) > 1):
        return None
    return prompt


def parse_max_age(value: str | None) -> int | None:
    """max_age in seconds; raises InvalidRequest for anything but a non-negative integer."""
    if value is None or value == "":
        return None
    seconds = ascii_int(value.strip(), minimum=0)
    if seconds is None:
        raise InvalidRequest("max_age must be a non-negative integer (seconds).")
    return seconds


def needs_sign_in(prompt: frozenset[str], max_age: int | None, caller: Caller) -> bool:
    """A new sign-in is asked for: prompt=login, or a max_age the caller's sign-in is older
    than. A caller with no sign-in session (an API key or x-signature header) has no
    auth_time, so it can meet neither."""
    if "login" in prompt:
        return True
    if max_age is None:
        return False
    if caller.session is None:
        return True
    age = (utcnow() - caller.session.auth_time).total_seconds()
    return age > max_age


def answered_by_sign_in(next_url: str) -> str:
    """The authorization request a sign-in returns to, without what the sign-in has just
    answered: prompt=login and select_account, and max_age (auth_time is now)."""
    path, _, query = next_url.partition("?")
    pairs: list[tuple[str, str]] = []
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name == "max_age":
            continue
        if name == "prompt":
            value = " ".join(v for v in value.split() if v not in REAUTH_PROMPTS)
            if not value:
                continue
        pairs.append((name, value))
    return f"{path}?{urlencode(pairs)}"


async def trusted_client(session: AsyncSession, params: Params) -> tuple[Client, str]:
    """Stage one: the client and the redirect URI, or an error page."""
    try:
        client_id = one(params, "client_id")
        redirect_uri = one(params, "redirect_uri")
    except InvalidRequest as exc:
        raise ErrorPage(exc.description) from exc
    lookup = documents.lookup_id(client_id) if client_id else None
    if not client_id or lookup is None:
        raise ErrorPage("The app that sent you here is not known (client_id is missing or wrong).")
    client = await repository.full_client(session, lookup)
    if client is None or not documents.addressed_by(client_id, client):
        raise ErrorPage("The app that sent you here is not registered (or no longer is).")
    if not redirect_uri:
        raise ErrorPage("The app did not say where to send you back (redirect_uri is missing).")
    if not redirects.registered(redirect_uri, client.redirect_uris, client.application_type):
        raise ErrorPage(
            "The app asked to send you back to an address it has not registered "
            "(redirect_uri does not match), so you were not sent there."
        )
    return client, redirect_uri


def _requested_scopes(client: Client, raw_scope: str | None) -> list[str]:
    requested = ordered(raw_scope.split()) if raw_scope and raw_scope.strip() else []
    if not requested:
        requested = ordered(client.scopes)  # the contract: no scope means the registered ones
    unknown = [s for s in requested if s not in client.scopes or s not in BY_NAME]
    if unknown:
        raise InvalidScope(f"Not registered for this app: {' '.join(unknown)}.")
    return requested


def _challenge(client: Client, challenge: str | None, method: str | None) -> str | None:
    if method is not None and method != pkce.S256:
        raise InvalidRequest("Only code_challenge_method=S256 is supported.")
    if challenge is not None:
        if method is None:
            raise InvalidRequest("code_challenge_method=S256 is required (plain is not).")
        if not pkce.valid_challenge(challenge):
            raise InvalidRequest("code_challenge must be 43-128 URL-safe characters.")
    elif method is not None:
        raise InvalidRequest("code_challenge_method without code_challenge.")
    if client.allow_pkce and challenge is None:
        raise InvalidRequest("This app must use PKCE (code_challenge with S256).")
    return challenge


def _checked(client: Client, redirect_uri: str, values: dict[str, str | None]) -> AuthorizeRequest:
    """Stage two, once the state is known: raises the OAuth2Error to send back."""
    response_type = values["response_type"]
    if not response_type:
        raise InvalidRequest("response_type is required.")
    if response_type != "code":
        raise UnsupportedResponseType("Only response_type=code is supported.")
    if values["response_mode"] not in (None, "query"):
        raise InvalidRequest("Only response_mode=query is supported.")
    if not client.enabled:
        raise UnauthorizedClient("This app is disabled.")
    if GrantType.AUTHORIZATION_CODE.value not in client.grant_types:
        raise UnauthorizedClient("This app may not use the authorization code grant.")
    requested = _requested_scopes(client, values["scope"])
    challenge = _challenge(client, values["code_challenge"], values["code_challenge_method"])
    nonce = values["nonce"]
    if nonce is not None and len(nonce) > 512:
        raise InvalidRequest("nonce is longer than 512 characters.")
    prompt = parse_prompt(values["prompt"])
    if prompt is None:
        raise InvalidRequest("prompt must be none, or any of login, consent and select_account.")
    return AuthorizeRequest(
        client=client,
        redirect_uri=redirect_uri,
        scopes=tuple(requested),
        state=values["state"] or None,
        nonce=nonce or None,
        code_challenge=challenge,
        prompt=prompt,
        max_age=parse_max_age(values["max_age"]),
        resource=values["resource"],
    )


async def parse_request(
    server: AuthServer, session: AsyncSession, params: Params
) -> AuthorizeRequest:
    client, redirect_uri = await trusted_client(session, params)
    state: str | None = None

    def back(error: OAuth2Error) -> AuthorizeRedirect:
        return AuthorizeRedirect(
            error, redirect_uri=redirect_uri, state=state, issuer=server.issuer
        )

    try:
        values = {name: one(params, name) for name in _SINGLE_VALUED}
    except InvalidRequest as exc:
        raise back(exc) from exc
    state = values["state"] or None
    if state is not None and len(state) > 1024:
        state = None
        raise back(InvalidRequest("state is longer than 1024 characters."))
    try:
        checked = _checked(client, redirect_uri, values)
        if checked.resource is not None:
            bound = await resources.registered(session, client.tenant_id, checked.resource)
            resources.check_scopes(bound, checked.scopes)
    except OAuth2Error as exc:
        raise back(exc) from exc
    return checked


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
    caller: Caller  # the user, and the sign-in session the code is issued through
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
    signed_in = request.caller.session
    await repository.add_code(
        session,
        AuthorizationCode(
            code_hash=keyed_hash(server.hash_key, code),
            client_id=request.client_id,
            user_id=request.caller.user_id,
            tenant_id=request.caller.tenant_id,
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
            session_id=signed_in.id if signed_in else None,
            auth_time=signed_in.auth_time if signed_in else None,
            amr=" ".join(signed_in.amr) if signed_in else None,
        ),
    )
    if signed_in is not None:
        await sessions.served(session, signed_in.id, request.client_id)
    return code


def success_location(server: AuthServer, redirect_uri: str, code: str, state: str | None) -> str:
    # RFC 9207: the issuer rides along, so a client talking to several servers can tell.
    return with_query(redirect_uri, {"code": code, "state": state, "iss": server.issuer})


def request_path(params: Params) -> str:
    """The request as a GET URL (path and query): what the sign-in page returns to, whether
    the request came by GET or by POST."""
    pairs = [(name, str(value)) for name, value in params.multi_items()]
    return f"{AUTHORIZE_PATH}?{urlencode(pairs)}"


def _login_url(server: AuthServer, params: Params, *, other_tenant: bool) -> str:
    query = {"next": request_path(params)}
    if other_tenant:
        query["switch"] = "1"
    return f"{server.issuer}{LOGIN_PATH}?{urlencode(query)}"


async def authorize(
    server: AuthServer, session: AsyncSession, request: Request, params: Params
) -> Decision:
    req = await parse_request(server, session, params)
    client = req.client

    def back(error: OAuth2Error) -> AuthorizeRedirect:
        return AuthorizeRedirect(
            error, redirect_uri=req.redirect_uri, state=req.state, issuer=server.issuer
        )

    who = await browser.signed_in(request, server)
    here = who is not None and who.caller.tenant_id == client.tenant_id
    if who is None or not here or needs_sign_in(req.prompt, req.max_age, who.caller):
        if "none" in req.prompt:
            raise back(LoginRequired("The user must sign in."))
        return Decision(_login_url(server, params, other_tenant=who is not None and not here))
    if "select_account" in req.prompt:
        return Decision(_login_url(server, params, other_tenant=False))
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
                caller=caller,
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
        return Decision(success_location(server, req.redirect_uri, code, req.state))
    if "none" in req.prompt:
        raise back(ConsentRequired("The user has not consented to these scopes."))
    return Decision(await _await_consent(server, session, req, caller, audience))


async def _await_consent(
    server: AuthServer, session: AsyncSession, req: AuthorizeRequest, caller: Caller, audience: str
) -> str:
    now: datetime = utcnow()
    state = req.state or ""
    client_id = req.client.client_id
    await repository.put_pending(
        session,
        {
            "id": pending_id(server, caller.user_id, client_id, state),
            "client_id": client_id,
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
    query = urlencode({"client_id": client_id, "state": state})
    return f"{server.issuer}{CONSENT_PATH}?{query}"
