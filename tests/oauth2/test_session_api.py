"""/api/2.0/sessions: a user lists and ends their own sign-in sessions, an admin their
tenant's; an ended session is refused at once by every instance."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import LiveServer, ServerProcess
from tests.factory import client_body
from tests.oauth2.conftest import App, Kit, hidden_fields, portal_user

PASSWORD = "correct horse battery staple"
PROBLEM = "application/problem+json"


@dataclass
class Person:
    email: str
    api_key: str


@pytest.fixture(scope="module")
def person(live_server: LiveServer) -> Person:
    email = f"sessions-api-{secrets.token_hex(4)}@example.com"
    return Person(email, live_server.create_user(email, "user", 1, password=PASSWORD))


@pytest.fixture(scope="module")
def app(live_server: LiveServer) -> App:
    with live_server.client(live_server.keys["owner"]) as owner:
        response = owner.post("/api/2.0/clients", json=client_body(scopes=["files:read", "openid"]))
    assert response.status_code == 201, response.text
    body = response.json()
    return App(body["client_id"], body["client_secret"], portal_user(1), body)


def signed_in(kit: Kit, email: str, user_agent: str) -> httpx.Client:
    browser = kit.browser()
    browser.headers["User-Agent"] = user_agent
    page = browser.get("/oauth2/login?next=/console")
    fields = dict(hidden_fields(page.text))
    answer = browser.post(
        "/oauth2/login",
        data={**fields, "email": email, "password": PASSWORD},
        headers={"Origin": kit.base},
    )
    assert answer.status_code == 303, answer.text
    return browser


@pytest.fixture
def two_browsers(kit: Kit, person: Person) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    laptop = signed_in(kit, person.email, "Laptop/1.0")
    phone = signed_in(kit, person.email, "Phone/2.0")
    try:
        yield laptop, phone
    finally:
        laptop.close()
        phone.close()


def sessions_of(http: httpx.Client, path: str = "/api/2.0/sessions") -> list[dict[str, object]]:
    response = http.get(path)
    assert response.status_code == 200, response.text
    data: list[dict[str, object]] = response.json()["data"]
    return data


def test_a_user_sees_where_they_are_signed_in(
    kit: Kit, app: App, person: Person, two_browsers: tuple[httpx.Client, httpx.Client]
) -> None:
    laptop, phone = two_browsers
    with kit.oauth(app) as oauth:
        url, _, _ = kit.start(oauth)
        kit.through_browser(laptop, url)
    mine = sessions_of(laptop)
    by_agent = {s["user_agent"]: s for s in mine}
    assert {"Laptop/1.0", "Phone/2.0"} <= set(by_agent)
    here = by_agent["Laptop/1.0"]
    assert here["current"] is True and by_agent["Phone/2.0"]["current"] is False
    assert here["user_email"] == person.email
    assert here["amr"] == ["pwd"]
    assert [c["client_id"] for c in here["clients"]] == [app.client_id]  # type: ignore[union-attr]
    assert here["clients"][0]["name"] == app.info["name"]  # type: ignore[index]
    assert by_agent["Phone/2.0"]["clients"] == []
    # With an API key the same list; none of them is "current".
    with kit.live.client(person.api_key) as api:
        listed = sessions_of(api)
    assert {s["session_id"] for s in listed} == {s["session_id"] for s in mine}
    assert not any(s["current"] for s in listed)


def test_ending_a_session_is_honoured_by_another_instance(
    kit: Kit,
    app: App,
    two_browsers: tuple[httpx.Client, httpx.Client],
    sibling: ServerProcess,
) -> None:
    laptop, phone = two_browsers
    phone_session = next(s for s in sessions_of(phone) if s["current"])
    phone_cookie = phone.cookies["asc_auth_key"]
    with httpx.Client(base_url=sibling.url, cookies={"asc_auth_key": phone_cookie}) as there:
        assert there.get("/api/2.0/sessions").status_code == 200
        ended = laptop.delete(f"/api/2.0/sessions/{phone_session['session_id']}")
        assert ended.status_code == 200, ended.text
        assert ended.json() == {"session_id": phone_session["session_id"]}
        # The other instance refuses the phone's cookie on its very next request...
        refused = there.get("/api/2.0/sessions")
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith(PROBLEM)
        with kit.oauth(app) as oauth:
            url, _, _ = kit.start(oauth)
        answer = there.get(url.replace(kit.base, sibling.url))
        # ...and sends the phone to the sign-in page.
        assert answer.status_code == 302
        assert "/oauth2/login?" in answer.headers["location"]
    assert phone_session["session_id"] not in {s["session_id"] for s in sessions_of(laptop)}
    # Ending it twice: it is gone.
    again = laptop.delete(f"/api/2.0/sessions/{phone_session['session_id']}")
    assert again.status_code == 404
    assert again.headers["content-type"].startswith(PROBLEM)


def test_who_may_end_whose_session(
    kit: Kit, live_server: LiveServer, two_browsers: tuple[httpx.Client, httpx.Client]
) -> None:
    laptop, phone = two_browsers
    target = next(s for s in sessions_of(phone) if s["current"])
    path = f"/api/2.0/sessions/{target['session_id']}"
    keys = live_server.keys
    # Another user of the tenant, and another tenant's admin: as if it did not exist.
    for key in (keys["user"], keys["other_admin"]):
        with live_server.client(key) as other:
            answer = other.delete(path)
            assert answer.status_code == 404, answer.text
            assert answer.headers["content-type"].startswith(PROBLEM)
            assert target["session_id"] not in str(other.get("/api/2.0/sessions").json())
    # Only admins list the tenant's sessions; the tenant's admin sees and ends this one.
    with live_server.client(keys["user"]) as user:
        listing = user.get("/api/2.0/sessions/tenant")
        assert listing.status_code == 403
        assert listing.headers["content-type"].startswith(PROBLEM)
    with live_server.client(keys["other_admin"]) as stranger:
        foreign = sessions_of(stranger, "/api/2.0/sessions/tenant")
        assert target["session_id"] not in {s["session_id"] for s in foreign}
    with live_server.client(keys["admin"]) as admin:
        tenant = sessions_of(admin, "/api/2.0/sessions/tenant")
        assert target["session_id"] in {s["session_id"] for s in tenant}
        assert admin.delete(path).status_code == 200
        audit = admin.get("/api/2.0/audit", params={"action": "session.end"}).json()["data"]
    assert audit[0]["details"]["session_id"] == target["session_id"]
    assert audit[0]["details"]["reason"] == "ended-by-admin"
    assert phone.get("/api/2.0/sessions").status_code == 403


@pytest.mark.parametrize(
    "session_id", ["x" * 65, "nope", "a%00b"], ids=["too-long", "unknown", "nul"]
)
def test_a_bad_session_id_is_a_problem(live_server: LiveServer, session_id: str) -> None:
    with live_server.client(live_server.keys["admin"]) as admin:
        answer = admin.delete(f"/api/2.0/sessions/{session_id}")
    assert 400 <= answer.status_code < 500
    assert answer.headers["content-type"].startswith(PROBLEM)
