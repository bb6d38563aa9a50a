"""Property tests for the keyset cursor: it parses and round-trips, and walking the pages
neither skips nor repeats a client, for random sets of creation times with many ties.

The walks run against the live server: the rows are written straight into its database with
chosen timestamps (the API would stamp them with the clock), then read back page by page over
HTTP, as x-signature callers of a tenant of the example's own.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from docspace_oauth.api.dependencies import CursorInstant
from docspace_oauth.clients.service import parse_client_id
from docspace_oauth.models import Client, Consent
from tests.conftest import signature
from tests.factory import BASES, LOGO

_instant = TypeAdapter(CursorInstant)
_any_datetime = TypeAdapter(datetime)
_tenants = itertools.count(7_200_000)

offsets = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


def _parse(text: str) -> tuple[datetime | None, set[str]]:
    """The parsed instant, or the error types."""
    try:
        return _instant.validate_python(text), set()
    except ValidationError as exc:
        return None, {e["type"] for e in exc.errors()}


@settings(max_examples=200, deadline=None)
@given(st.datetimes(timezones=offsets | st.just(UTC)))
def test_cursor_instants_round_trip_or_fail_cleanly(moment):
    """What the server writes as a cursor, it reads back as the same instant, in UTC; an
    instant past the calendar's ends in UTC is a 400-style error, never an overflow."""
    try:
        moment.astimezone(UTC)
        representable = True
    except OverflowError:
        representable = False
    for text in (moment.isoformat(), _any_datetime.dump_json(moment).decode().strip('"')):
        parsed, errors = _parse(text)
        if representable:
            assert parsed == moment
            assert parsed.tzinfo == UTC
        else:
            assert errors == {"ErrorPattern"}


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(
        st.floats(allow_nan=False).map(str),
        st.integers().map(str),
        st.dates().map(str),
        st.text(max_size=30),
        st.from_regex(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}.{0,20}", fullmatch=True),
    )
)
def test_cursor_instants_are_only_date_times(text):
    """Anything else is a validation error (a 400), never a guess and never a crash."""
    parsed, errors = _parse(text)
    if parsed is None:
        assert errors
    else:
        assert text[:4].isdigit()
        assert text[10] in "Tt"
        assert parsed.tzinfo == UTC


@settings(max_examples=200, deadline=None)
@given(st.uuids())
def test_client_ids_parse_to_their_canonical_form(client_id):
    canonical = str(client_id)
    for spelling in (canonical, canonical.upper(), client_id.hex, f"{{{canonical}}}"):
        assert parse_client_id(spelling) == canonical
    assert parse_client_id(canonical + "x") is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_client_id_parsing_is_total_and_idempotent(text):
    parsed = parse_client_id(text)
    if parsed is not None:
        assert parse_client_id(parsed) == parsed
        assert len(text) <= 64


# Few distinct instants, many clients: most of them share their creation time with others.
instants = st.lists(
    st.datetimes(
        min_value=datetime(2001, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)
    ),
    min_size=1,
    max_size=3,
    unique=True,
)


@st.composite
def populations(draw):
    times = draw(instants)
    owners = ["u1", "u2"]
    ids = draw(st.lists(st.uuids(version=4).map(str), max_size=24, unique=True))
    return [(i, draw(st.sampled_from(times)), draw(st.sampled_from(owners))) for i in ids]


def _unique(rows, tenant):
    """Client ids are a table-wide key: Hypothesis replays examples, so each tenant gets ids
    of its own (the drawn id, moved into the tenant's namespace)."""
    space = uuid.UUID(int=tenant)
    return [(str(uuid.uuid5(space, client_id)), on, owner) for client_id, on, owner in rows]


async def _insert(db, tenant, people, rows) -> None:
    async with db() as session:
        for client_id, created_on, owner in rows:
            session.add(
                Client(
                    client_id=client_id,
                    tenant_id=tenant,
                    name=f"Paged {client_id[:8]}",
                    description="",
                    # Required, as DocSpace requires them: rows as the API would store them.
                    logo=LOGO,
                    website_url="https://paged.example.com",
                    terms_url="https://paged.example.com/terms",
                    policy_url="https://paged.example.com/privacy",
                    logout_redirect_uri="https://paged.example.com/logout",
                    redirect_uris=["https://paged.example.com/cb"],
                    allowed_origins=["https://paged.example.com"],
                    scopes=["openid"],
                    grant_types=["authorization_code"],
                    allow_pkce=False,
                    is_public=False,
                    enabled=True,
                    secret_hash="0" * 64,
                    created_on=created_on,
                    created_by=people[owner],
                    modified_on=created_on,
                    modified_by=people[owner],
                )
            )
        await session.commit()


async def _walk(http, path, headers, limit, cursor_fields):
    """Follow the cursor to the end, sending back only `cursor_fields` of it."""
    seen, params = [], {"limit": limit}
    for _ in range(200):
        response = await http.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["limit"] == limit
        assert len(page["data"]) <= limit
        seen.append(page)
        if page["last_created_on"] is None:
            assert page["last_client_id"] is None
            return seen
        assert page["last_client_id"] == page["data"][-1]["client_id"]
        params = {"limit": limit, **{f: page[f] for f in cursor_fields}}
    raise AssertionError("the cursor never reached the end")


def _newest_first(rows):
    return [r[0] for r in sorted(rows, key=lambda r: (r[1], r[0]), reverse=True)]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rows=populations(), limit=st.integers(1, 8), base=st.sampled_from(BASES))
async def test_pages_neither_skip_nor_repeat(live_server, db, rows, limit, base):
    tenant = next(_tenants)
    rows = _unique(rows, tenant)
    people = {"u1": str(uuid.uuid4()), "u2": str(uuid.uuid4())}
    await _insert(db, tenant, people, rows)
    admin = {"x-signature": signature(str(uuid.uuid4()), tenant, is_admin=True)}
    u1 = {"x-signature": signature(people["u1"], tenant)}
    async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as http:
        everyone = _newest_first(rows)
        mine = _newest_first([r for r in rows if r[2] == "u1"])
        for path, headers, expected in (
            (base, admin, everyone),
            (f"{base}/info", admin, everyone),
            (base, u1, mine),
        ):
            for fields in (("last_created_on", "last_client_id"), ("last_client_id",)):
                pages = await _walk(http, path, headers, limit, fields)
                walked = [c["client_id"] for page in pages for c in page["data"]]
                assert walked == expected, (path, fields)

        # DocSpace's own cursor (the time alone) never repeats and keeps the order; what it
        # skips are exactly the ties of a page's last creation time.
        pages = await _walk(http, base, admin, limit, ("last_created_on",))
        walked = [c["client_id"] for page in pages for c in page["data"]]
        assert len(walked) == len(set(walked))
        assert walked == [c for c in everyone if c in set(walked)]
        ends = {page["last_created_on"] for page in pages if page["last_created_on"]}
        created = {c: on for c, on, _ in rows}
        for skipped in set(everyone) - set(walked):
            assert _any_datetime.validate_python(created[skipped]) in {
                _any_datetime.validate_python(e) for e in ends
            }


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rows=populations(), limit=st.integers(1, 6))
async def test_consent_pages_neither_skip_nor_repeat(live_server, db, rows, limit):
    tenant = next(_tenants)
    rows = _unique(rows, tenant)
    people = {"u1": str(uuid.uuid4()), "u2": str(uuid.uuid4())}
    await _insert(db, tenant, people, rows)
    portal_user = str(uuid.uuid4())
    async with db() as session:
        for client_id, when, _ in rows:  # modified_at ties as often as created_on does
            session.add(
                Consent(
                    client_id=client_id,
                    user_id=portal_user,
                    tenant_id=tenant,
                    scopes="openid",
                    revoked=False,
                    generation=0,
                    modified_at=when,
                )
            )
        await session.commit()
    # A plain portal user: DocSpace refuses guests the consent list (403).
    headers = {"x-signature": signature(portal_user, tenant)}
    async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as http:
        walked, params = [], {"limit": limit}
        for _ in range(100):
            page = (await http.get(f"{BASES[0]}/consents", params=params, headers=headers)).json()
            walked += [c["registered_client_id"] for c in page["data"]]
            if page["last_modified_on"] is None:
                break
            params = {
                "limit": limit,
                "last_modified_on": page["last_modified_on"],
                "last_client_id": page["last_client_id"],
            }
    assert walked == _newest_first(rows)


@pytest.mark.parametrize("path", [*BASES, f"{BASES[0]}/info", f"{BASES[1]}/consents"])
@pytest.mark.parametrize(
    "cursor",
    [
        "9999-12-31T23:59:59-23:59",  # past datetime.max once in UTC: was a 500
        "0001-01-01T00:00:00+23:59",  # before datetime.min once in UTC: was a 500
        "1.5",  # seconds since the epoch: was taken for 1970-01-01T00:00:01.5
        "2024-05-06",  # a date is not a date-time
    ],
)
def test_malformed_cursor_times_are_400(live_server, path, cursor):
    field = "last_modified_on" if path.endswith("/consents") else "last_created_on"
    with live_server.client(live_server.keys["admin"]) as http:
        response = http.get(path, params={field: cursor})
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == field
    assert response.json()["errors"][0]["code"] == "ErrorPattern"
