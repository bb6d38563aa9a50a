"""HTTP for the authorization server: thin; the rules live in the service modules.

These routes are outside the management API's per-caller rate limits. The token,
introspection and revocation endpoints count failed client authentications instead
(per client_id and IP), and the sign-in form counts failed sign-ins (per email and IP).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from docspace_oauth.callers.credentials import presented
from docspace_oauth.clients.schemas import GrantType
from docspace_oauth.oauth2 import authorize as authorization
from docspace_oauth.oauth2 import client_auth, consent, device, grants, introspection, keys
from docspace_oauth.oauth2 import sign_in as sign_in_pages
from docspace_oauth.oauth2.answer_docs import BEARER_CHALLENGE, CLIENT_ERRORS, error, ok
from docspace_oauth.oauth2.discovery import metadata
from docspace_oauth.oauth2.errors import (
    NO_STORE,
    InvalidRequest,
    MissingToken,
    OAuth2Error,
    UnsupportedGrantType,
)
from docspace_oauth.oauth2.page_docs import form_body, page_responses
from docspace_oauth.oauth2.schemas import (
    BEARER_TOKEN,
    CLIENT_SECURITY,
    FORM,
    INTROSPECTION_REQUEST,
    REVOCATION_REQUEST,
    TOKEN_REQUEST,
    USERINFO_REQUEST,
    IntrospectionResponse,
    JWKSet,
    ServerMetadata,
    TokenResponse,
    UserInfoResponse,
)
from docspace_oauth.oauth2.state import AuthServer, AuthServerDep, auth_server, client_ip
from docspace_oauth.ops.metrics import record_grant
from docspace_oauth.registration import documents

router = APIRouter(tags=["oauth2"])

_GRANTS = {
    GrantType.AUTHORIZATION_CODE.value: grants.authorization_code,
    GrantType.REFRESH_TOKEN.value: grants.refresh_token,
    GrantType.CLIENT_CREDENTIALS.value: grants.client_credentials,
    GrantType.DEVICE_CODE.value: device.device_code,
}

_BEARER_ERRORS: dict[int | str, dict[str, Any]] = {
    401: error(
        "invalid_request without a token; invalid_token for a token that is malformed, "
        "forged, expired or revoked",
        **{"WWW-Authenticate": BEARER_CHALLENGE},
    ),
    403: error(
        "insufficient_scope: not a user's token, or without the openid scope",
        **{"WWW-Authenticate": BEARER_CHALLENGE},
    ),
}
_BEARER_SECURITY: list[dict[str, list[str]]] = [{BEARER_TOKEN: []}]
_PUBLIC = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}


_METADATA: dict[int | str, dict[str, Any]] = {200: ok("The metadata", "^public")}


_MAX_FIELDS = 64


async def _oauth_form(request: Request) -> dict[str, str]:
    """An RFC 6749 request body: form-encoded UTF-8, every parameter at most once."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != FORM:
        raise InvalidRequest(f"Send the parameters as {FORM}.")
    body = await request.body()
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            errors="strict",
            max_num_fields=_MAX_FIELDS,
        )
    except UnicodeDecodeError as exc:
        raise InvalidRequest("The form is not valid UTF-8.") from exc
    except ValueError as exc:  # more than _MAX_FIELDS
        raise InvalidRequest(f"Send at most {_MAX_FIELDS} parameters.") from exc
    result: dict[str, str] = {}
    for name, value in pairs:
        if name in result:
            raise InvalidRequest(f"{name} is given more than once.")
        result[name] = value
    return result


async def browser_form(request: Request) -> FormData:
    return await request.form(max_files=0, max_fields=64)


def _cors(request: Request, allowed_origins: tuple[str, ...] | list[str]) -> dict[str, str]:
    """A browser app (a PKCE client) may read the answer if its origin is registered."""
    origin = request.headers.get("origin")
    if origin and origin.rstrip("/") in allowed_origins:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {}


# The authorization endpoint, sign-in and consent: pages for people.


def _go(decision: authorization.Decision) -> Response:
    return RedirectResponse(decision.location, status_code=302, headers=NO_STORE)


@router.get(
    "/oauth2/authorize",
    summary="Start an authorization (302 to sign-in, consent, or back with a code)",
    response_class=HTMLResponse,
    responses=page_responses(302, 400),
)
async def authorize(request: Request, server: AuthServerDep) -> Response:
    client_id = request.query_params.get("client_id")
    await documents.ensure_for_page(server, client_id, ip=client_ip(request))
    async with server.transaction(write=True) as session:
        return _go(await authorization.authorize(server, session, request, request.query_params))


@router.post(
    "/oauth2/authorize",
    summary="An authorization request by POST (with response_type), or the consent decision "
    "(without it); 302",
    description="With `response_type`, the form is an authorization request with the same "
    "parameters as GET (OIDC Core 3.1.2.1), and gets the same answer. Without it, the form "
    "is the consent page's decision (client_id, state, scope), which must come from our page "
    "(its csrf_token, and no foreign Origin).",
    response_class=HTMLResponse,
    responses=page_responses(302, 303, 400, 401, 403),
    openapi_extra=form_body(
        response_type="code: this form is an authorization request (then, as for GET: "
        "client_id, redirect_uri, scope, state, nonce, code_challenge, "
        "code_challenge_method, prompt, max_age, response_mode)",
        csrf_token="The token from the consent page",
        client_id="The app asking",
        state="The request's state, as the consent page carries it",
        scope="A scope allowed (repeated)",
        decision="allow or deny",
    ),
)
async def authorize_post(request: Request, server: AuthServerDep) -> Response:
    form = await browser_form(request)
    is_request = "response_type" in form
    if is_request and not presented(request):
        # Sent from the app's site, the form comes without our SameSite=Lax cookie, which
        # the browser does send on a top-level GET: as that GET, the request is answered as
        # a GET is, a signed-in browser included.
        location = f"{server.issuer}{authorization.request_path(form)}"
        return RedirectResponse(location, status_code=303, headers=NO_STORE)
    if is_request:
        client_id = form.get("client_id")
        await documents.ensure_for_page(
            server, client_id if isinstance(client_id, str) else None, ip=client_ip(request)
        )
    async with server.transaction(write=True) as session:
        if is_request:
            # An authorization request asks for nothing on the user's behalf by itself (its
            # answers are the GET's pages and redirects), so it takes no CSRF token.
            return _go(await authorization.authorize(server, session, request, form))
        return _go(await consent.submit_consent(server, session, request, form))


@router.get(
    "/oauth2/consent",
    summary="The consent page",
    response_class=HTMLResponse,
    responses=page_responses(302, 400, 401),
)
async def consent_page(request: Request, server: AuthServerDep) -> Response:
    async with server.transaction(write=False) as session:
        return await consent.consent_page(server, session, request)


@router.get(
    "/oauth2/login",
    summary="The sign-in page",
    response_class=HTMLResponse,
    # 303: already signed in (to the tenant the link is for), so straight on to `next`.
    responses=page_responses(303, 400),
)
async def sign_in_page(request: Request, server: AuthServerDep) -> Response:
    async with server.transaction(write=False) as session:
        return await sign_in_pages.sign_in_page(server, session, request)


@router.post(
    "/oauth2/login",
    summary="Sign in (form: email, password); sets the asc_auth_key session cookie",
    response_class=HTMLResponse,
    responses=page_responses(303, 400, 403, 429),
    openapi_extra=form_body(
        csrf_token="The token from the sign-in page",
        email="The user's email",
        password="The user's password",
        tenant="The tenant to sign in to (the console only)",
        next="Where to go once signed in (from the sign-in page's link)",
    ),
)
async def sign_in(request: Request, server: AuthServerDep) -> Response:
    form = await browser_form(request)
    async with server.transaction(write=True) as session:
        return await sign_in_pages.sign_in(server, session, request, form)


# The token endpoint and its companions: JSON for clients.


@router.post(
    "/oauth2/token",
    summary="Exchange a grant for tokens",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    responses={200: ok("The tokens"), **CLIENT_ERRORS},
    openapi_extra={"requestBody": TOKEN_REQUEST, "security": CLIENT_SECURITY},
)
async def token(request: Request) -> Response:
    server = auth_server(request)
    form = await _oauth_form(request)
    grant_type = form.get("grant_type")
    if not grant_type:
        raise InvalidRequest("grant_type is required.")
    grant = _GRANTS.get(grant_type)
    if grant is None:
        raise UnsupportedGrantType(f"Unsupported grant_type {grant_type[:64]!r}.")
    uses_client_only = grant_type == GrantType.CLIENT_CREDENTIALS.value
    credentials = client_auth.credentials(request.headers.get("authorization"), form)
    async with server.audited():
        client = await client_auth.authenticate(
            server, credentials, ip=client_ip(request), allow_none=not uses_client_only
        )
        await server.sync_keys(client.record.key_version)
        try:
            result = await grant(server, client, form)
        except OAuth2Error as exc:
            record_grant(grant_type, exc.error)
            raise
    record_grant(grant_type, "issued")
    return JSONResponse(
        result.as_dict(), headers={**NO_STORE, **_cors(request, client.record.allowed_origins)}
    )


async def _token_and_client(
    request: Request, server: AuthServer, *, allow_none: bool
) -> tuple[str, client_auth.AuthenticatedClient, dict[str, str]]:
    """The `token` parameter and the authenticated caller, as introspection and revocation
    both take them."""
    form = await _oauth_form(request)
    value = form.get("token")
    if value is None:
        raise InvalidRequest("token is required.")
    credentials = client_auth.credentials(request.headers.get("authorization"), form)
    client = await client_auth.authenticate(
        server, credentials, ip=client_ip(request), allow_none=allow_none
    )
    return value, client, form


@router.post(
    "/oauth2/introspect",
    summary="Token introspection (RFC 7662); the calling client authenticates",
    description="Any token of the calling client's tenant; every other token, and anything "
    'that is not a live token, is `{"active": false}`.',
    response_model=IntrospectionResponse,
    response_model_exclude_none=True,
    responses={200: ok("The token's state"), **CLIENT_ERRORS},
    openapi_extra={"requestBody": INTROSPECTION_REQUEST, "security": CLIENT_SECURITY},
)
async def introspect(request: Request) -> Response:
    server = auth_server(request)
    async with server.audited():
        value, client, form = await _token_and_client(request, server, allow_none=False)
        body = await introspection.introspect(server, client, value, form.get("resource"))
    return JSONResponse(body, headers=NO_STORE)


@router.post(
    "/oauth2/revoke",
    summary="Token revocation (RFC 7009)",
    response_class=Response,
    responses={200: ok("Revoked, or nothing to revoke (an empty body)"), **CLIENT_ERRORS},
    openapi_extra={"requestBody": REVOCATION_REQUEST, "security": CLIENT_SECURITY},
)
async def revoke(request: Request) -> Response:
    server = auth_server(request)
    async with server.audited():
        value, client, _ = await _token_and_client(request, server, allow_none=True)
        async with server.transaction(write=True) as session:
            await introspection.revoke(server, session, client, value)
    return Response(
        status_code=200, headers={**NO_STORE, **_cors(request, client.record.allowed_origins)}
    )


def _bearer(request: Request, form: dict[str, str] | None) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if form and form.get("access_token"):
        return form["access_token"]
    raise MissingToken("Send the access token as Authorization: Bearer.")


@router.get(
    "/oauth2/userinfo",
    summary="OpenID Connect userinfo for the bearer access token",
    response_model=UserInfoResponse,
    response_model_exclude_none=True,
    responses={200: ok("The user the token speaks for"), **_BEARER_ERRORS},
    openapi_extra={"security": _BEARER_SECURITY},
)
async def userinfo(request: Request, server: AuthServerDep) -> Response:
    value = _bearer(request, None)
    body = await introspection.userinfo(server, value)
    return JSONResponse(body, headers=NO_STORE)


@router.post(
    "/oauth2/userinfo",
    summary="OpenID Connect userinfo; the token in the header or the form",
    response_model=UserInfoResponse,
    response_model_exclude_none=True,
    responses={
        200: ok("The user the token speaks for"),
        400: error("invalid_request: a body that is not form-encoded, or a repeated parameter"),
        **_BEARER_ERRORS,
    },
    # The token may come in the form instead (RFC 6750 section 2.2): hence the empty option.
    openapi_extra={"requestBody": USERINFO_REQUEST, "security": [*_BEARER_SECURITY, {}]},
)
async def userinfo_post(request: Request, server: AuthServerDep) -> Response:
    form = await _oauth_form(request) if request.headers.get("content-type") else None
    value = _bearer(request, form)
    body = await introspection.userinfo(server, value)
    return JSONResponse(body, headers=NO_STORE)


@router.get(
    "/oauth2/jwks",
    summary="The token-signing keys (JWK set)",
    response_model=JWKSet,
    responses={200: ok("The current key and, for a token lifetime, retired ones", "^public")},
)
async def jwks(server: AuthServerDep) -> Response:
    async with server.transaction(write=False) as session:
        rows = await keys.published(
            session, access_token_ttl=server.settings.access_token_ttl_seconds
        )
    return JSONResponse(
        {"keys": [row.public_jwk for row in rows]},
        headers={"Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*"},
    )


@router.get(
    "/.well-known/openid-configuration",
    summary="OpenID Provider metadata",
    response_model=ServerMetadata,
    responses=_METADATA,
)
@router.get(
    "/.well-known/oauth-authorization-server",
    summary="Authorization server metadata (RFC 8414)",
    response_model=ServerMetadata,
    responses=_METADATA,
)
@router.get(
    "/oauth2/.well-known/openid-configuration",
    summary="OpenID Provider metadata (DocSpace's path)",
    response_model=ServerMetadata,
    responses=_METADATA,
)
async def discovery(server: AuthServerDep) -> Response:
    return JSONResponse(
        metadata(server.issuer, server.settings.client_metadata_documents), headers=_PUBLIC
    )
