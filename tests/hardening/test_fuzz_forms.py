"""Hostile input to the HTML forms, sent as a browser sends them: the sign-in form, the
consent form, the device page's form (RFC 8628's user code), every form of the console, and
the links that carry query parameters (the sign-in, consent and device pages', the console's
search and paging).

Each example first GETs the page as a browser would (forms_kit.Browser: cookies kept, the
CSRF token and the other hidden fields read from the HTML), then sends the form from the
server's own origin with each field kept, replaced by hostile text, left out or sent twice,
perhaps a field more, a file that is no image, and a CSRF token that is the page's own,
another's, a stale session's, not ASCII, empty or missing. Asserted for every answer:

- never a 5xx;
- a status the route documents: for the sign-in and consent pages their entry in
  /openapi.json (and its content type), for the console `console.statuses.STATUSES` (the
  console is not in the document, by design);
- a bad CSRF token is refused (403, or a refusal that comes before the token is read: 400
  for an unreadable form or an unusable sign-in link, 413 for a body over the limit).

Before and after each form's run the form, sent exactly as the page holds it, succeeds (a
signed-in session, a code at the redirect URI, a saved app...), so a route that refused
everything fails the test too. Each run uses tenants of its own (conftest.FORMS_TENANT).

Bounded for CI: FORM_EXAMPLES examples per form (DOCSPACE_OAUTH_FUZZ_EXAMPLES raises it).
"""

from __future__ import annotations

import collections
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from docspace_oauth.console.endpoints import router as console_router
from docspace_oauth.console.statuses import STATUSES
from tests.conftest import LiveServer
from tests.hardening.conftest import FORMS_TENANT
from tests.hardening.forms_kit import (
    BAD_TOKENS,
    LOGO_SVG,
    NO_FILE,
    PASSWORD,
    SPECIAL,
    TOKENS,
    UNICODE_DIGITS,
    Browser,
    Fields,
    World,
    app_fields,
    authorize_path,
    authorize_query,
    hostile_path_id,
    mutate,
    mutate_logo,
    pending_consent,
    sign_in,
    with_token,
)
from tests.oauth2.conftest import REDIRECT, hidden_fields

FORM_EXAMPLES = int(os.environ.get("DOCSPACE_OAUTH_FUZZ_EXAMPLES", "15"))
# A bad token may meet a refusal that comes first: an unreadable form (400), a sign-in
# link that leads nowhere we send people (400), a body over the limit (413).
REFUSED = frozenset({400, 403, 413})


@dataclass
class Opened:
    """A form as the browser holds it: where it goes, what it carries, what success is."""

    browser: Browser
    method: str
    action: str
    hidden: Fields
    typed: Fields
    succeeded: Callable[[httpx.Response], bool]
    files: dict[str, Any] | None = None
    stale: str = ""
    path_id: str | None = None  # the app id in the action's path, which a fuzzer may vary

    @property
    def token(self) -> str | None:
        return dict(self.hidden).get("csrf_token")

    def close(self, w: World) -> None:
        """A browser of this form's own (a fresh sign-in, a new session) is done with."""
        if self.browser is not w.console:
            self.browser.close()


@dataclass(frozen=True)
class Form:
    route: tuple[str, str]  # (method, documented path)
    open: Callable[[World], Opened]


def _redirect(path: str) -> Callable[[httpx.Response], bool]:
    def ok(response: httpx.Response) -> bool:
        where = response.headers.get("location", "")
        return response.status_code == 303 and path in where

    return ok


def _shown(text: str) -> Callable[[httpx.Response], bool]:
    return lambda response: response.status_code == 200 and text in response.text


# The sign-in and consent pages.


def _sign_in_console(w: World) -> Opened:
    browser = Browser(w.live.url)
    hidden = browser.page("/oauth2/login", [("next", "/console")])
    typed = [("email", w.email), ("password", PASSWORD), ("tenant", str(FORMS_TENANT))]
    other = Browser(w.live.url)  # another browser's token: the wrong double-submit pair
    stale = dict(other.page("/oauth2/login", [("next", "/console")]))
    other.close()
    return Opened(
        browser, "POST", "/oauth2/login", hidden, typed, _redirect("/console"),
        stale=stale["csrf_token"],
    )  # fmt: skip


def _sign_in_app(w: World) -> Opened:
    browser = Browser(w.live.url)
    hidden = browser.page("/oauth2/login", [("next", authorize_path(w.app_id))])
    return Opened(
        browser, "POST", "/oauth2/login", hidden, [("email", w.email), ("password", PASSWORD)],
        _redirect("/oauth2/authorize?"), stale=w.stale_console_token,
    )  # fmt: skip


def _code_at_redirect(response: httpx.Response) -> bool:
    where = response.headers.get("location", "")
    return response.status_code == 302 and where.startswith(REDIRECT) and "code=" in where


def _consent(w: World) -> Opened:
    hidden = w.console.page(pending_consent(w.console, w.app_id))
    return Opened(
        w.console, "POST", "/oauth2/authorize", hidden, [("decision", "allow")],
        _code_at_redirect, stale=w.stale_consent_token,
    )  # fmt: skip


def _consent_page(w: World) -> Opened:
    query = httpx.URL(pending_consent(w.console, w.app_id)).params
    typed = list(query.multi_items())
    return Opened(w.console, "GET", "/oauth2/consent", [], typed, _shown('name="decision"'))


def _authorize(w: World) -> Opened:
    """The link an app sends the signed-in person to: on to the consent page."""
    typed = authorize_query(w.app_id)
    return Opened(w.console, "GET", "/oauth2/authorize", [], typed, _redirect_302("/consent?"))


def _redirect_302(path: str) -> Callable[[httpx.Response], bool]:
    return lambda r: r.status_code == 302 and path in r.headers.get("location", "")


def _sign_in_page(w: World) -> Opened:
    """Asked for by someone already signed in: straight on to where it leads."""
    typed = [("next", "/console/clients"), ("switch", "1")]
    return Opened(w.console, "GET", "/oauth2/login", [], typed, _redirect("/console/clients"))


def _device_page(w: World) -> Opened:
    """The link a device shows (verification_uri_complete): the code filled in."""
    typed = [("user_code", w.device_code())]
    return Opened(w.console, "GET", "/oauth2/device", [], typed, _shown('name="user_code"'))


def _device(w: World) -> Opened:
    code = w.device_code()
    hidden = w.console.page("/oauth2/device")
    return Opened(
        w.console, "POST", "/oauth2/device", hidden, [("user_code", code), ("decision", "allow")],
        _shown('id="device-done"'), stale=w.stale_consent_token,
    )  # fmt: skip


# The console's forms.


def _console(w: World, page: str, action: str, typed: Fields, ok: Any, **kw: Any) -> Opened:
    hidden = w.console.page(page)
    return Opened(w.console, "POST", action, hidden, typed, ok, stale=w.stale_console_token, **kw)


def _create(w: World) -> Opened:
    files = {"logo": ("logo.svg", LOGO_SVG, "image/svg+xml")}
    fields = app_fields(f"Form app {uuid.uuid4().hex[:6]}")
    page, action = "/console/clients/new", "/console/clients/new"
    return _console(w, page, action, fields, _shown('id="client-secret"'), files=files)


def _app_form(action: str, typed: Callable[[], Fields], ok: str, **kw: Any) -> Callable:
    """A form of one app: its page is `/console/clients/{id}/{action}` (or the app's own
    page for enable), it posts to `.../{action}`, and success is `ok` in the answer."""

    def open_(w: World) -> Opened:
        client_id = w.new_app() if action == "delete" else w.app(action)
        base = f"/console/clients/{client_id}"
        page = base if action == "enable" else f"{base}/{action}"
        check = _shown(ok) if ok.startswith("id=") else _redirect(ok.format(client_id))
        return _console(w, page, f"{base}/{action}", typed(), check, path_id=client_id, **kw)

    return open_


def _revoke(w: World) -> Opened:
    path = f"/console/authorized/{w.app_id}/revoke"
    return _console(w, path, path, [], _redirect("done=revoked"), path_id=w.app_id)


def _sign_out(w: World) -> Opened:
    browser = sign_in(w.live.url, w.email, FORMS_TENANT)
    hidden = browser.page("/console/clients")
    return Opened(
        browser, "POST", "/console/sign-out", hidden, [], _redirect("signed_out=1"),
        stale=w.stale_console_token,
    )  # fmt: skip


def _logout_confirm(w: World) -> Opened:
    """The page an app's logout link without an id_token_hint shows: sign out?"""
    browser = sign_in(w.live.url, w.email, FORMS_TENANT)
    hidden = browser.page("/oauth2/logout", [("client_id", w.app_id), ("state", "s")])
    return Opened(
        browser, "POST", "/oauth2/logout/confirm", hidden, [("decision", "signout")],
        _shown("You have signed out"), stale=w.stale_consent_token,
    )  # fmt: skip


def _logout_link(w: World) -> Opened:
    """An app's logout link without an id_token_hint, for someone signed in: sign out?"""
    typed = [("client_id", w.app_id), ("state", "s"), ("ui_locales", "en")]
    return Opened(w.console, "GET", "/oauth2/logout", [], typed, _shown("Sign out?"))


def _logout_post(w: World) -> Opened:
    typed = [("client_id", w.app_id), ("state", "s")]
    return Opened(w.console, "POST", "/oauth2/logout", [], typed, _shown("Sign out?"))


def _search(w: World) -> Opened:
    typed = [("q", "Fuzz"), ("last_created_on", "2999-01-01T00:00:00+00:00")]
    typed.append(("last_client_id", str(uuid.uuid4())))
    return Opened(w.console, "GET", "/console/clients", [], typed, _shown('id="q"'))


def _authorized(w: World) -> Opened:
    typed = [("last_modified_on", "2999-01-01T00:00:00Z"), ("last_client_id", w.app_id)]
    return Opened(w.console, "GET", "/console/authorized", [], typed, _shown("<h1"))


_EDIT_LOGO = {"logo": NO_FILE}
FORMS = {
    "sign-in (console)": Form(("POST", "/oauth2/login"), _sign_in_console),
    "sign-in (app)": Form(("POST", "/oauth2/login"), _sign_in_app),
    "sign-in page": Form(("GET", "/oauth2/login"), _sign_in_page),
    "authorize link": Form(("GET", "/oauth2/authorize"), _authorize),
    "consent": Form(("POST", "/oauth2/authorize"), _consent),
    "consent page": Form(("GET", "/oauth2/consent"), _consent_page),
    "logout link": Form(("GET", "/oauth2/logout"), _logout_link),
    "logout by POST": Form(("POST", "/oauth2/logout"), _logout_post),
    "logout confirm": Form(("POST", "/oauth2/logout/confirm"), _logout_confirm),
    "device page": Form(("GET", "/oauth2/device"), _device_page),
    "device": Form(("POST", "/oauth2/device"), _device),
    "console: create": Form(("POST", "/console/clients/new"), _create),
    "console: edit": Form(
        ("POST", "/console/clients/{client_id}/edit"),
        _app_form("edit", lambda: app_fields("Edited app"), "{}?done=saved", files=_EDIT_LOGO),
    ),
    "console: disable": Form(
        ("POST", "/console/clients/{client_id}/disable"),
        _app_form("disable", list, "done=disabled"),
    ),
    "console: enable": Form(
        ("POST", "/console/clients/{client_id}/enable"),
        _app_form("enable", list, "done=enabled"),
    ),
    "console: regenerate": Form(
        ("POST", "/console/clients/{client_id}/regenerate"),
        _app_form("regenerate", lambda: [("grace_period", "3600")], 'id="client-secret"'),
    ),
    "console: delete": Form(
        ("POST", "/console/clients/{client_id}/delete"),
        _app_form("delete", list, "/console/clients?done=deleted"),
    ),
    "console: revoke": Form(("POST", "/console/authorized/{client_id}/revoke"), _revoke),
    "console: sign out": Form(("POST", "/console/sign-out"), _sign_out),
    "console: search": Form(("GET", "/console/clients"), _search),
    "console: authorised apps": Form(("GET", "/console/authorized"), _authorized),
}


def _documented(spec: dict[str, Any], route: tuple[str, str]) -> dict[int, set[str]]:
    """Each status the route may answer, with its documented media types (none: any)."""
    method, path = route
    if path.startswith("/console"):
        return {status: set() for status in STATUSES[route]}
    responses = spec["paths"][path][method.lower()]["responses"]
    return {int(s): set(r.get("content", {})) for s, r in responses.items()}


def _send(opened: Opened, fields: Fields, files: Any, path_id: str | None = None) -> Any:
    action = opened.action
    if path_id is not None and opened.path_id is not None:
        action = action.replace(opened.path_id, path_id)
    if opened.method == "GET":
        return opened.browser.get(action, fields)
    return opened.browser.post(action, fields, files)


def _valid(w: World, form: Form) -> None:
    """The form as the page holds it, with what a person types: it works."""
    opened = form.open(w)
    response = _send(opened, [*opened.hidden, *opened.typed], opened.files)
    opened.close(w)
    assert opened.succeeded(response), (response.status_code, response.text[:2000])


def _check(response: httpx.Response, documented: dict[int, set[str]], where: str) -> None:
    status = response.status_code
    assert status < 500, (where, status, response.text[:2000])
    assert status in documented, (where, status, sorted(documented), response.text[:2000])
    media = response.headers.get("content-type", "").split(";")[0]
    if documented[status] and response.content:
        assert media in documented[status], (where, status, media)


@pytest.mark.parametrize("name", list(FORMS))
def test_hostile_forms(live_server: LiveServer, world: World, name: str) -> None:
    form = FORMS[name]
    spec = httpx.get(f"{live_server.url}/openapi.json").json()
    documented = _documented(spec, form.route)
    statuses: collections.Counter[int] = collections.Counter()
    _valid(world, form)

    @settings(
        max_examples=FORM_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        opened = form.open(world)
        token = opened.token
        others = [pair for pair in opened.hidden if pair[0] != "csrf_token"]
        fields = mutate(data, [*others, *opened.typed], in_url=opened.method == "GET")
        kind = "valid"
        if token is not None:
            kind = data.draw(TOKENS, label="csrf token")
            fields = with_token(data, kind, fields, token, opened.stale)
        files = mutate_logo(data, opened.files["logo"]) if opened.files else None
        path_id = None
        if opened.path_id and data.draw(st.integers(0, 7), label="path id") == 0:
            path_id = hostile_path_id(data)
        response = _send(opened, fields, files, path_id)
        opened.close(world)
        statuses[response.status_code] += 1
        _check(response, documented, f"{name} with token {kind}")
        if kind in BAD_TOKENS:
            assert response.status_code in REFUSED, (kind, response.status_code)

    fuzz()
    _valid(world, form)
    print(f"\n{name}: {sum(statuses.values())} examples, statuses {sorted(statuses.items())}")


def _sweep(opened: Opened, value: str) -> list[tuple[str, Any, bool]]:
    """(what, answer, must it be refused) for one value: as the CSRF token; as the app id
    in the path; in every field at once."""
    others = [pair for pair in opened.hidden if pair[0] != "csrf_token"]
    token = [("csrf_token", opened.token)] if opened.token is not None else []
    every = [(name, value) for name, _ in [*others, *opened.typed]]
    sent: list[tuple[str, Any, bool]] = []
    # The refusals first: a valid "every field" post may sign out or delete.
    if token:
        forged = [*others, *opened.typed, ("csrf_token", value)]
        sent.append(("token", _send(opened, forged, opened.files), True))
    valid = [*opened.hidden, *opened.typed]
    if opened.path_id and value not in {"", ".", ".."} and "/" not in value:
        answer = _send(opened, valid, opened.files, quote(value, safe=""))
        sent.append(("path id", answer, False))
    sent.append(("every field", _send(opened, [*every, *token], opened.files), False))
    return sent


@pytest.mark.parametrize("name", list(FORMS))
def test_every_special_value_in_every_field(
    live_server: LiveServer, world: World, name: str
) -> None:
    """The values that broke something once, or would be likeliest to (forms_kit.SPECIAL,
    UNICODE_DIGITS), each tried everywhere: random draws meet them too rarely to rely on."""
    form = FORMS[name]
    documented = _documented(httpx.get(f"{live_server.url}/openapi.json").json(), form.route)
    for value in (*SPECIAL, *UNICODE_DIGITS):
        opened = form.open(world)
        answers = _sweep(opened, value)
        opened.close(world)
        for what, response, refused in answers:
            _check(response, documented, f"{name}: {value!r} as {what}")
            if refused:
                assert response.status_code in REFUSED, (value, response.status_code)
    _valid(world, form)


def test_the_console_status_table_names_every_route() -> None:
    """What the fuzzer holds the console to covers all of it, and nothing that is not."""
    routes = {
        (method, route.path)
        for route in console_router.routes
        for method in getattr(route, "methods", ())
        if method != "HEAD"
    }
    assert routes == set(STATUSES)
    posts = {path for method, path in routes if method == "POST"}
    fuzzed = {form.route[1] for form in FORMS.values() if form.route[0] == "POST"}
    assert posts <= fuzzed, posts - fuzzed


def test_hidden_fields_are_what_the_pages_carry(world: World) -> None:
    """The fuzzer's reading of a page is the page's: the console's token is in every form."""
    page = world.console.get("/console/clients/new")
    fields = dict(hidden_fields(page.text))
    assert set(fields) == {"csrf_token"}
    assert page.text.count(fields["csrf_token"]) >= 2  # the app form and the sign-out form
