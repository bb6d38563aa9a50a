"""What the form fuzzer (test_fuzz_forms.py) found, one regression test each, on both
databases over real HTTP: each was a 500 before its fix."""

from __future__ import annotations

import uuid

import pytest

from tests.hardening.forms_kit import Browser, World, pending_consent

# Not ASCII: hmac.compare_digest raised TypeError on such a str (a 500 on all three forms).
NON_ASCII_TOKENS = ["é" * 64, "токен", "\u202e" + "0" * 63, "²"]
TOKEN_IDS = ["accented", "cyrillic", "bidi", "superscript"]


@pytest.mark.parametrize("token", NON_ASCII_TOKENS, ids=TOKEN_IDS)
def test_a_non_ascii_sign_in_token_is_refused(world: World, token: str) -> None:
    browser = Browser(world.live.url)
    hidden = dict(browser.page("/oauth2/login", [("next", "/console")]))
    answer = browser.post(
        "/oauth2/login",
        [("next", hidden["next"]), ("csrf_token", token), ("email", world.email)],
    )
    assert answer.status_code == 403, answer.text[:500]
    assert "This sign-in form expired" in answer.text
    assert not browser.http.cookies.get("asc_auth_key")


@pytest.mark.parametrize("token", NON_ASCII_TOKENS, ids=TOKEN_IDS)
def test_a_non_ascii_consent_token_is_refused(world: World, token: str) -> None:
    hidden = dict(world.console.page(pending_consent(world.console, world.app_id)))
    answer = world.console.post(
        "/oauth2/authorize",
        [
            ("csrf_token", token),
            ("client_id", hidden["client_id"]),
            ("state", hidden["state"]),
            ("scope", "openid"),
            ("decision", "allow"),
        ],
    )
    assert answer.status_code == 403, answer.text[:500]
    assert "location" not in answer.headers  # no code went to the app


@pytest.mark.parametrize("token", NON_ASCII_TOKENS, ids=TOKEN_IDS)
def test_a_non_ascii_console_token_is_refused(world: World, token: str) -> None:
    client_id = world.app("found: token")
    path = f"/console/clients/{client_id}/disable"
    world.console.page(path)
    answer = world.console.post(path, [("csrf_token", token)])
    assert answer.status_code == 403, answer.text[:500]
    assert "Request refused" in answer.text
    page = world.console.get(f"/console/clients/{client_id}")
    assert f"/console/clients/{client_id}/enable" not in page.text  # still enabled


@pytest.mark.parametrize("query", ["\x00", "app\x00", "%\x00_"], ids=["nul", "after", "wildcards"])
def test_a_nul_in_the_console_search_is_a_400_page(world: World, query: str) -> None:
    """PostgreSQL refused the NUL inside the LIKE pattern (a 500); no app name holds one."""
    answer = world.console.get("/console/clients", [("q", query)])
    assert answer.status_code == 400, answer.text[:500]
    assert "no app name can hold" in answer.text
    assert answer.headers["content-type"].startswith("text/html")
    found = world.console.get("/console/clients", [("q", "Fuzz")])
    assert found.status_code == 200


@pytest.mark.parametrize(
    ("path", "name"),
    [("/console/clients", "last_created_on"), ("/console/authorized", "last_modified_on")],
)
@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
def test_a_console_cursor_past_the_calendar_starts_from_the_top(
    world: World, path: str, name: str, moment: str
) -> None:
    """Converting it to UTC overflowed (a 500); the console now reads cursors as the API
    does (api.dependencies.CursorInstant), and a link it cannot use starts from the top."""
    client_id = world.app("found: cursor")
    answer = world.console.get(path, [(name, moment), ("last_client_id", str(uuid.uuid4()))])
    assert answer.status_code == 200, answer.text[:500]
    if path == "/console/clients":
        assert client_id in answer.text  # the first page, newest first: ours is on it
