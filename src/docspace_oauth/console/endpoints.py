"""The console's routes: thin. Forms become the API's request models (forms.py), the rules
are the services' (clients.service, consents.service), and the transaction is SessionDep's.

POST endpoints declare `posted: PostedForm` before `session: SessionDep`, so the body is
read (and other sites' posts refused) before the transaction begins.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from docspace_oauth import parsing
from docspace_oauth.callers.credentials import AUTH_COOKIE, SIGNATURE
from docspace_oauth.callers.service import revoke_session_key
from docspace_oauth.clients import service as clients
from docspace_oauth.clients.schemas import GrantType, authentication_methods
from docspace_oauth.consents import service as consents
from docspace_oauth.console import forms
from docspace_oauth.console.pages import (
    CONSOLE,
    LOGIN_PATH,
    ConsoleError,
    ConsoleRoute,
    CurrentVisitor,
    PostedForm,
    Visitor,
    iso,
    page,
    parse_instant,
    see_other,
)
from docspace_oauth.errors import ValidationFailed
from docspace_oauth.models import Client, EndReason
from docspace_oauth.oauth2 import browser
from docspace_oauth.oauth2.errors import NO_STORE
from docspace_oauth.oauth2.state import AuthServerDep
from docspace_oauth.parsing import ascii_int
from docspace_oauth.registration import repository as registration_repository
from docspace_oauth.runtime import SessionDep
from docspace_oauth.sessions import repository as sessions

router = APIRouter(prefix=CONSOLE, include_in_schema=False, route_class=ConsoleRoute)

PAGE_SIZE = 20
MAX_QUERY = 256
GRACE_PERIODS = (
    (0, "None: the old secret stops working at once"),
    (3600, "1 hour"),
    (86400, "1 day"),
    (7 * 86400, "7 days"),
)
NOTICES = {
    "saved": "Your changes were saved.",
    "enabled": "The app is enabled: it can get new tokens again.",
    "disabled": "The app is disabled: it gets no new tokens until you enable it again.",
    "deleted": "The app was deleted. Every token it held stopped working.",
    "revoked": "Access was revoked. The app's tokens for your account stopped working.",
}


def _notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("done", ""))


def _client_path(client_id: str, action: str = "") -> str:
    return f"{CONSOLE}/clients/{client_id}" + (f"/{action}" if action else "")


# The list of apps.


@router.get("")
async def home(server: AuthServerDep, visitor: CurrentVisitor) -> Response:
    return see_other(server, f"{CONSOLE}/clients")


@router.get("/clients")
async def list_clients(
    request: Request, server: AuthServerDep, visitor: CurrentVisitor
) -> Response:
    params = request.query_params
    query = (params.get("q") or "").strip()[:MAX_QUERY]
    if parsing.text(query) is None:
        # PostgreSQL refuses a NUL in the LIKE pattern (a 500 once); no name holds one.
        raise ConsoleError(400, "The search text contains a character no app name can hold.")
    result = await clients.list_page(
        server.runtime.direct,
        visitor.caller,
        limit=PAGE_SIZE,
        last_client_id=params.get("last_client_id"),
        last_created_on=parse_instant(params.get("last_created_on")),
        name_contains=query or None,
    )
    next_page: dict[str, str] | None = None
    if result.last_client_id is not None:
        next_page = {
            "last_created_on": iso(result.last_created_on),
            "last_client_id": result.last_client_id,
        }
        if query:
            next_page["q"] = query
    return page(
        request,
        "console/clients.html",
        visitor,
        {
            "clients": result.items,
            "query": query,
            "next_page": next_page,
            "paged": "last_client_id" in params or "last_created_on" in params,
            "notice": _notice(request),
        },
    )


# Creating an app.


def _offered_grants(visitor: Visitor, client: Client | None) -> tuple[str, ...]:
    """client_credentials is the admins' (clients.may_hold_machine_grant): not offered to
    others, unless the app has it already, so that the form shows what is stored."""
    machine = GrantType.CLIENT_CREDENTIALS.value
    if clients.may_hold_machine_grant(visitor.caller) or (
        client is not None and machine in client.grant_types
    ):
        return forms.GRANT_TYPES
    return tuple(g for g in forms.GRANT_TYPES if g != machine)


def _form_page(
    request: Request,
    visitor: Visitor,
    parsed: forms.ParsedForm | None,
    *,
    client: Client | None,
    status_code: int = 200,
) -> Response:
    if parsed is None:
        values = forms.values_of(client) if client else forms.blank_values()
        errors: dict[str, list[str]] = {}
    else:
        values, errors = parsed.values, parsed.errors
    return page(
        request,
        "console/client_form.html",
        visitor,
        {
            "client": client,
            "values": values,
            "errors": errors,
            "grant_types": _offered_grants(visitor, client),
            "logo_types": ",".join(forms.LOGO_TYPES),
        },
        status_code=status_code,
    )


@router.get("/clients/new")
async def new_client(request: Request, visitor: CurrentVisitor) -> Response:
    return _form_page(request, visitor, None, client=None)


def _secret_page(
    request: Request, visitor: Visitor, client: Client, secret: str, **context: Any
) -> Response:
    """The secret, in the answer to the POST itself: never in a URL, never cached."""
    return page(
        request,
        "console/secret.html",
        visitor,
        {"client": client, "secret": secret, **context},
    )


@router.post("/clients/new")
async def create_client(
    request: Request, posted: PostedForm, session: SessionDep, server: AuthServerDep
) -> Response:
    visitor = posted.visitor
    parsed = await forms.parse_create(posted.form)
    if parsed.request is not None:
        try:
            created = await clients.create(session, server.hash_key, visitor.caller, parsed.request)
        except ValidationFailed as exc:
            await session.rollback()
            forms.record_problems(parsed, exc.errors)
        else:
            return _secret_page(request, visitor, created.client, created.secret, created=True)
    return _form_page(request, visitor, parsed, client=None, status_code=400)


# One app.


@router.get("/clients/{client_id}")
async def show_client(
    request: Request, client_id: str, session: SessionDep, visitor: CurrentVisitor
) -> Response:
    client = await clients.get_managed(session, visitor.caller, client_id)
    document = await registration_repository.document(session, client.client_id)
    return page(
        request,
        "console/client.html",
        visitor,
        {
            "client": client,
            "document_url": document.url if document else None,
            "notice": _notice(request),
            "auth_methods": authentication_methods(client.allow_pkce),
        },
    )


@router.get("/clients/{client_id}/edit")
async def edit_client(
    request: Request, client_id: str, session: SessionDep, visitor: CurrentVisitor
) -> Response:
    client = await clients.get_managed(session, visitor.caller, client_id)
    return _form_page(request, visitor, None, client=client)


@router.post("/clients/{client_id}/edit")
async def update_client(
    request: Request,
    client_id: str,
    posted: PostedForm,
    session: SessionDep,
    server: AuthServerDep,
) -> Response:
    visitor = posted.visitor
    client = await clients.get_managed(session, visitor.caller, client_id)
    parsed = await forms.parse_update(posted.form)
    if parsed.request is not None:
        try:
            await clients.update(session, visitor.caller, client.client_id, parsed.request)
        except ValidationFailed as exc:
            await session.rollback()
            forms.record_problems(parsed, exc.errors)
        else:
            return see_other(server, _client_path(client.client_id), done="saved")
    return _form_page(request, visitor, parsed, client=client, status_code=400)


def _confirm_page(
    request: Request, visitor: Visitor, client: Client, action: str, **context: Any
) -> Response:
    return page(
        request,
        f"console/confirm_{action}.html",
        visitor,
        {"client": client, "action": _client_path(client.client_id, action), **context},
    )


@router.get("/clients/{client_id}/disable")
async def confirm_disable(
    request: Request, client_id: str, session: SessionDep, visitor: CurrentVisitor
) -> Response:
    client = await clients.get_managed(session, visitor.caller, client_id)
    return _confirm_page(request, visitor, client, "disable")


@router.post("/clients/{client_id}/disable")
async def disable_client(
    client_id: str, posted: PostedForm, session: SessionDep, server: AuthServerDep
) -> Response:
    client = await clients.change_activation(session, posted.visitor.caller, client_id, False)
    return see_other(server, _client_path(client.client_id), done="disabled")


@router.post("/clients/{client_id}/enable")
async def enable_client(
    client_id: str, posted: PostedForm, session: SessionDep, server: AuthServerDep
) -> Response:
    client = await clients.change_activation(session, posted.visitor.caller, client_id, True)
    return see_other(server, _client_path(client.client_id), done="enabled")


@router.get("/clients/{client_id}/regenerate")
async def confirm_regenerate(
    request: Request, client_id: str, session: SessionDep, visitor: CurrentVisitor
) -> Response:
    client = await clients.get_managed(session, visitor.caller, client_id)
    return _confirm_page(request, visitor, client, "regenerate", grace_periods=GRACE_PERIODS)


def _grace_period(raw: object) -> timedelta | None:
    seconds = ascii_int(raw, maximum=int(clients.MAX_GRACE_PERIOD.total_seconds()))
    if seconds is None:
        raise ConsoleError(400, "The grace period must be between none and 7 days.")
    return timedelta(seconds=seconds) if seconds else None


@router.post("/clients/{client_id}/regenerate")
async def regenerate_secret(
    request: Request,
    client_id: str,
    posted: PostedForm,
    session: SessionDep,
    server: AuthServerDep,
) -> Response:
    visitor = posted.visitor
    grace = _grace_period(posted.form.get("grace_period", "0"))
    rotated = await clients.regenerate_secret(
        session, server.hash_key, visitor.caller, client_id, grace
    )
    client = await clients.get_managed(session, visitor.caller, client_id)
    return _secret_page(
        request,
        visitor,
        client,
        rotated.secret,
        created=False,
        previous_valid_until=rotated.previous_valid_until,
    )


@router.get("/clients/{client_id}/delete")
async def confirm_delete(
    request: Request, client_id: str, session: SessionDep, visitor: CurrentVisitor
) -> Response:
    client = await clients.get_managed(session, visitor.caller, client_id)
    return _confirm_page(request, visitor, client, "delete")


@router.post("/clients/{client_id}/delete")
async def delete_client(
    client_id: str, posted: PostedForm, session: SessionDep, server: AuthServerDep
) -> Response:
    await clients.delete(session, posted.visitor.caller, client_id)
    return see_other(server, f"{CONSOLE}/clients", done="deleted")


# The apps the signed-in person has authorised.


@router.get("/authorized")
async def authorized_apps(
    request: Request, session: SessionDep, visitor: CurrentVisitor
) -> Response:
    params = request.query_params
    result = await consents.list_page(
        session,
        visitor.caller,
        limit=PAGE_SIZE,
        last_modified_on=parse_instant(params.get("last_modified_on")),
        last_client_id=params.get("last_client_id"),
    )
    next_page = None
    if result.last_modified_on is not None:
        next_page = {
            "last_modified_on": iso(result.last_modified_on),
            "last_client_id": result.last_client_id or "",
        }
    return page(
        request,
        "console/authorized.html",
        visitor,
        {
            "consents": result.items,
            "next_page": next_page,
            "paged": "last_modified_on" in params,
            "notice": _notice(request),
        },
    )


@router.get("/authorized/{client_id}/revoke")
async def confirm_revoke(
    request: Request, client_id: str, session: SessionDep, visitor: CurrentVisitor
) -> Response:
    client = await clients.get_in_tenant(session, visitor.caller, client_id)
    return page(
        request,
        "console/confirm_revoke.html",
        visitor,
        {"client": client, "action": f"{CONSOLE}/authorized/{client.client_id}/revoke"},
    )


@router.post("/authorized/{client_id}/revoke")
async def revoke_consent(
    client_id: str, posted: PostedForm, session: SessionDep, server: AuthServerDep
) -> Response:
    await consents.revoke_own(session, posted.visitor.caller, client_id)
    return see_other(server, f"{CONSOLE}/authorized", done="revoked")


# Signing out.


@router.post("/sign-out")
async def sign_out(posted: PostedForm, session: SessionDep, server: AuthServerDep) -> Response:
    """The session key is revoked in the database (every instance agrees at once), and the
    cookies are cleared. A credential sent in a header is the caller's to forget."""
    visitor = posted.visitor
    current = visitor.caller.session
    if visitor.from_cookie and current is not None:
        # As any end of a session: the apps that took part are told by back-channel.
        await sessions.end(session, current.id, EndReason.SIGNED_OUT)
    elif visitor.from_cookie:  # a session key from before sessions were recorded
        await revoke_session_key(session, server.hash_key, visitor.credential)
    response = RedirectResponse(
        f"{server.issuer}{LOGIN_PATH}?next={CONSOLE}&signed_out=1",
        status_code=303,
        headers=NO_STORE,
    )
    secure = browser.secure_cookies(server)
    response.delete_cookie(AUTH_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
    response.delete_cookie(SIGNATURE, path="/", secure=secure)
    return response


@router.get("/{rest:path}")
async def not_found(rest: str, server: AuthServerDep) -> Response:
    if rest == "":
        return see_other(server, f"{CONSOLE}/clients")
    raise ConsoleError(404, "There is no such page in the console.")
