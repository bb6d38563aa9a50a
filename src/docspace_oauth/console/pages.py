"""Who is at the console, the token its forms carry, and how its pages and errors render.

The person is found exactly as the authorization server finds them (`oauth2.browser`): the
`asc_auth_key` session cookie the sign-in page sets, an API key in the Authorization header,
or a portal's x-signature. A stale credential means "not signed in": the sign-in page is
shown, and it returns here.

Every mutating form is a POST that passes three checks before any service is called: the
Origin / Sec-Fetch-Site check (`browser.refuse_cross_origin`), a form token that is an HMAC
of the session credential under the server key (worthless without the cookie itself; a
credential sent in a header carries no ambient authority and needs none, as on the consent
form), and a signed-in caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from docspace_oauth.api.dependencies import CursorInstant
from docspace_oauth.callers.principal import Caller
from docspace_oauth.errors import Channel, DocSpaceOAuthError, client_text
from docspace_oauth.oauth2 import browser
from docspace_oauth.oauth2.errors import NO_STORE
from docspace_oauth.oauth2.state import AuthServer, AuthServerDep, client_ip
from docspace_oauth.runtime import SessionDep
from docspace_oauth.scopes.catalogue import BY_NAME, CATALOGUE
from docspace_oauth.security.hashing import keyed_hash, same_secret
from docspace_oauth.web import render_page

CONSOLE = browser.CONSOLE_PATH
LOGIN_PATH = "/oauth2/login"
_CSRF_PURPOSE = "console-form\x00"
MAX_FORM_FIELDS = 200


@dataclass(frozen=True, slots=True)
class Visitor:
    caller: Caller
    credential: str
    from_cookie: bool
    csrf_token: str

    @property
    def label(self) -> str:
        caller = self.caller
        return caller.name or caller.email or caller.user_id


def csrf_token(server: AuthServer, credential: str) -> str:
    return keyed_hash(server.hash_key, _CSRF_PURPOSE + credential)


def csrf_ok(server: AuthServer, visitor: Visitor, submitted: object) -> bool:
    if not visitor.from_cookie:
        return True
    if not isinstance(submitted, str) or not submitted:
        return False
    return same_secret(csrf_token(server, visitor.credential), submitted)


class SignInRequired(DocSpaceOAuthError):
    """Not signed in (or no longer): to the sign-in page, which comes back to `next`."""

    status = 303

    def __init__(self, issuer: str, next_path: str) -> None:
        super().__init__("Sign in to use the console.")
        if not browser.is_return_path(next_path):
            next_path = CONSOLE
        self.location = f"{issuer}{LOGIN_PATH}?{urlencode({'next': next_path})}"

    def render(self, request: Request) -> Response:
        return RedirectResponse(self.location, status_code=303, headers=NO_STORE)


class ConsoleError(DocSpaceOAuthError):
    """An error shown as a console page rather than as problem details."""

    def __init__(self, status: int, detail: str, *, heading: str | None = None) -> None:
        super().__init__(detail)
        self.page_status = status
        self.heading = heading or _HEADINGS.get(status, "Something went wrong")

    def render(self, request: Request) -> Response:
        return render_page(
            request,
            "console/error.html",
            {
                "heading": self.heading,
                "message": client_text(self.detail or "", Channel.TEXT),
                "visitor": None,
            },
            status_code=self.page_status,
            scripts=True,
        )


_HEADINGS = {
    400: "This request could not be used",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Too large",
}


class ConsoleRoute(APIRoute):
    """Errors of the services (404 for a client the caller may not see, 403 for a guest...)
    become console pages here, after the request's transaction has rolled back. Errors that
    already render as a page or a redirect pass through unchanged."""

    def get_route_handler(self) -> Any:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                response: Response = await handler(request)
            except DocSpaceOAuthError as exc:
                if type(exc).render is not DocSpaceOAuthError.render:
                    raise
                return ConsoleError(exc.status, exc.detail or exc.default_title()).render(request)
            return response

        return console_handler


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


async def find_visitor(
    request: Request, session: SessionDep, server: AuthServerDep
) -> Visitor | None:
    who = await browser.signed_in(request, server)
    if who is None:
        return None
    return Visitor(
        caller=replace(who.caller, ip=client_ip(request)),  # for the audit trail
        credential=who.credential,
        from_cookie=who.from_cookie,
        csrf_token=csrf_token(server, who.credential),
    )


async def require_visitor(
    request: Request,
    server: AuthServerDep,
    visitor: Annotated[Visitor | None, Depends(find_visitor)],
) -> Visitor:
    if visitor is None:
        raise SignInRequired(server.issuer, _here(request))
    return visitor


@dataclass(frozen=True, slots=True)
class Posted:
    visitor: Visitor
    form: FormData


async def read_form(request: Request, server: AuthServerDep) -> FormData:
    """Refuse other sites' posts before reading anything; read the body before the
    transaction begins (a slow upload must not hold SQLite's write lock)."""
    browser.refuse_cross_origin(request, server.issuer)
    return await request.form(max_files=1, max_fields=MAX_FORM_FIELDS)


async def require_post(
    request: Request,
    server: AuthServerDep,
    form: Annotated[FormData, Depends(read_form)],
    visitor: Annotated[Visitor | None, Depends(find_visitor)],
) -> Posted:
    """Declare it before SessionDep in an endpoint, so that the body is read first."""
    if visitor is None:
        raise SignInRequired(server.issuer, CONSOLE)
    if not csrf_ok(server, visitor, form.get("csrf_token")):
        raise ConsoleError(
            403,
            "This form has expired or was not sent from the console, so nothing was changed. "
            "Go back, reload the page and try again.",
            heading="Request refused",
        )
    return Posted(visitor, form)


CurrentVisitor = Annotated[Visitor, Depends(require_visitor)]
PostedForm = Annotated[Posted, Depends(require_post)]


def when(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


_CURSOR_INSTANT: TypeAdapter[datetime] = TypeAdapter(CursorInstant)


def parse_instant(raw: str | None) -> datetime | None:
    """A cursor's date-time from a console link, read as the API reads its cursors (an
    instant past the calendar's end in UTC, such as 9999-12-31T23:59:59-23:59, overflowed
    here once: a 500); anything else starts from the top."""
    if not raw or len(raw) > 64:
        return None
    try:
        return _CURSOR_INSTANT.validate_python(raw)
    except ValidationError:
        return None


def page(
    request: Request,
    template: str,
    visitor: Visitor | None,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
) -> Response:
    return render_page(
        request,
        template,
        {
            "visitor": visitor,
            "csrf_token": visitor.csrf_token if visitor else "",
            "console": CONSOLE,
            "when": when,
            "iso": iso,
            "scope_info": BY_NAME,
            "catalogue": CATALOGUE,
            **context,
        },
        status_code=status_code,
        scripts=True,
    )


def see_other(server: AuthServer, path: str, **query: str) -> Response:
    """After a successful POST: to a page (GET), never carrying a secret."""
    suffix = f"?{urlencode(query)}" if query else ""
    return RedirectResponse(f"{server.issuer}{path}{suffix}", status_code=303, headers=NO_STORE)
