"""Property tests for the field validators (validation.py) and the request models built on them.

Two kinds of property: what a valid value looks like is accepted unchanged (or normalised as
documented), and every validator is total: whatever it is given, it either accepts or fails
with one of the contract's codes, never with another exception (which would be a 500).
"""

from __future__ import annotations

import base64
import itertools
import string
import uuid
from typing import Any
from urllib.parse import urlsplit

import ada_url
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from docspace_oauth import validation
from docspace_oauth.clients.schemas import CreateClientRequest, UpdateClientRequest
from docspace_oauth.scopes.catalogue import CATALOGUE
from docspace_oauth.validation import (
    CONTRACT_CODES,
    EMPTY_FIELD,
    INVALID_SCOPE,
    MAX_LOGO_BYTES,
    MAX_URL_LENGTH,
    PATTERN,
    WRONG_URL,
    field_errors_from_pydantic,
)
from tests.conftest import signature

PROPERTIES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# URLs a browser reads exactly as written (the WHATWG URL Standard): a host label starts with
# a letter (a last label of digits is read as an IPv4 number), no path segment is a dot
# segment, and no character is one a browser percent-encodes or decodes ("%2e" is a dot).
label = st.builds(
    str.__add__,
    st.sampled_from(string.ascii_lowercase),
    st.text(string.ascii_lowercase + string.digits, max_size=11),
)
hostname = st.one_of(
    st.lists(label, min_size=1, max_size=4).map(".".join),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda ip: f"[{ip}]"),
    st.just("localhost"),
)
loopback = st.sampled_from(["127.0.0.1", "127.3.2.1", "[::1]", "localhost"])
scheme = st.sampled_from(["https", "HTTPS", "Https"])
port = st.one_of(st.just(""), st.integers(0, 65535).map(lambda p: f":{p}"))
safe = string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@"
path = st.lists(
    st.text(safe, max_size=10).filter(lambda seg: seg not in {".", ".."}), max_size=4
).map(lambda parts: "".join("/" + p for p in parts))
query = st.one_of(
    st.just(""), st.text(safe.replace("'", "") + "/?", min_size=1, max_size=20).map("?".__add__)
)
origin_url = st.one_of(
    st.builds(lambda s, h, p: f"{s}://{h}{p}", scheme, hostname, port),
    st.builds(lambda s, h, p: f"{s}://{h}{p}", st.sampled_from(["http", "HTTP"]), loopback, port),
)
http_url = st.builds(lambda o, p, q: o + p + q, origin_url, path, query)
bad_char = st.sampled_from([chr(c) for c in range(0x21)] + ["\x7f"])
anything = st.one_of(
    st.text(),
    st.text(max_size=40).map("http://".__add__),
    st.text(max_size=40).map("https://example.com".__add__),
    st.text(max_size=40).map("https://[".__add__),
    st.text(max_size=40).map("https://app.example.com/".__add__),
)


# The field each validator stands for, so that a failure is named as the API names it.
_FIELD_OF = {
    validation.http_url: "website_url",
    validation.redirect_uri: "redirect_uris",
    validation.origin: "allowed_origins",
    validation.logo: "logo",
}


def _code(validator, value: str) -> str | None:
    """None if accepted; the failure's contract code otherwise. Any other exception escapes."""
    try:
        validator(value)
    except PydanticCustomError as exc:
        return validation.contract_error(_FIELD_OF[validator], exc).code
    return None


def _blank_codes(value: str) -> set[str]:
    # The links and the logo are required, as DocSpace requires them: blank is a missing value.
    return {EMPTY_FIELD} if value.strip() == "" else set()


@PROPERTIES
@given(http_url)
def test_http_urls_are_accepted_unchanged(url):
    assert validation.http_url(url) == url
    assert validation.redirect_uri(url) == url


@PROPERTIES
@given(origin_url, st.booleans())
def test_origins_are_accepted_without_a_trailing_slash(origin, slash):
    normalised = validation.origin(origin + ("/" if slash else ""))
    assert normalised == origin
    assert validation.origin(normalised) == normalised  # idempotent


@PROPERTIES
@given(anything)
def test_accepted_urls_are_read_alike_by_browsers_and_python(value):
    """Whatever is accepted, a browser (WHATWG, ada) and urllib read the same scheme, host,
    port, path and query, and the browser's serialisation is the URL itself up to case and
    a default port: it would not rewrite a character of it."""
    try:
        validation.http_url(value)
    except PydanticCustomError:
        return
    browser = ada_url.parse_url(value)
    python = urlsplit(value)
    assert browser["hostname"].strip("[]") == python.hostname
    assert browser["pathname"] == (python.path or "/")
    assert browser["search"].removeprefix("?") == python.query
    assert browser["href"].lower().startswith(f"{python.scheme}://{python.hostname}".lower())


@PROPERTIES
@given(
    st.sampled_from(["http", "HTTP"]),
    st.lists(label, min_size=1, max_size=4).map(".".join).filter(lambda h: h != "localhost"),
    port,
    path,
)
def test_plain_http_redirect_uris_are_loopback_only(s, host, p, rest):
    """OAuth 2.1 / RFC 8252: a code may travel over plain http only to the user's own machine;
    a website link may still be http."""
    assert _code(validation.redirect_uri, f"{s}://{host}{p}{rest}") == WRONG_URL
    assert _code(validation.http_url, f"{s}://{host}{p}{rest}") is None


@PROPERTIES
@given(anything)
def test_url_validators_are_total(value):
    assert _code(validation.http_url, value) in {None, WRONG_URL, *_blank_codes(value)}
    for validator in (validation.redirect_uri, validation.origin):
        assert _code(validator, value) in {None, WRONG_URL}


@PROPERTIES
@given(http_url, st.data())
def test_spaces_and_control_characters_are_refused(url, data):
    at = data.draw(st.integers(0, len(url)))
    broken = url[:at] + data.draw(bad_char) + url[at:]
    for validator in (validation.http_url, validation.redirect_uri, validation.origin):
        assert _code(validator, broken) == WRONG_URL


@PROPERTIES
@given(
    st.sampled_from(["ftp", "javascript", "data", "file", "ws", "custom-app", ""]),
    hostname,
    path,
)
def test_other_schemes_are_refused(other, host, rest):
    assert _code(validation.http_url, f"{other}://{host}{rest}") == WRONG_URL
    assert _code(validation.redirect_uri, f"{other}://{host}{rest}") == WRONG_URL


@PROPERTIES
@given(scheme, st.text(safe.replace("@", ""), min_size=1, max_size=10), hostname, path)
def test_credentials_in_urls_are_refused(s, user, host, rest):
    assert _code(validation.http_url, f"{s}://{user}@{host}{rest}") == WRONG_URL


@PROPERTIES
@given(http_url, st.text(safe + "/?#", max_size=20))
def test_redirect_uris_never_carry_a_fragment(url, fragment):
    assert _code(validation.redirect_uri, f"{url}#{fragment}") == WRONG_URL


@PROPERTIES
@given(origin_url, path.filter(lambda p: p not in {"", "/"}), query)
def test_origins_have_no_path_or_query(origin, p, q):
    assert _code(validation.origin, origin + p + q) == WRONG_URL
    if q:
        assert _code(validation.origin, origin + q) == WRONG_URL


def test_url_length_limit():
    base = "https://example.com/"
    assert validation.http_url(base + "a" * (MAX_URL_LENGTH - len(base))) is not None
    assert _code(validation.http_url, base + "a" * (MAX_URL_LENGTH - len(base) + 1)) == WRONG_URL


mime = st.sampled_from(["png", "jpeg", "jpg", "svg+xml"])


@PROPERTIES
@given(mime, st.binary(min_size=1, max_size=2048))
def test_data_uri_logos_are_accepted_unchanged(kind, payload):
    logo = f"data:image/{kind};base64," + base64.b64encode(payload).decode()
    assert validation.logo(logo) == logo


@PROPERTIES
@given(
    st.sampled_from(["gif", "webp", "bmp", "PNG", "svg", "html"]).map("image/".__add__)
    | st.sampled_from(["text/html", "application/javascript", "image"]),
    st.binary(min_size=1, max_size=64),
)
def test_other_media_types_are_refused(kind, payload):
    assert _code(validation.logo, f"data:{kind};base64," + base64.b64encode(payload).decode()) == (
        PATTERN
    )


@PROPERTIES
@given(mime, st.text(max_size=64))
def test_logo_validator_is_total(kind, payload):
    assert _code(validation.logo, f"data:image/{kind};base64,{payload}") in {None, PATTERN}
    assert _code(validation.logo, payload) in {None, PATTERN, *_blank_codes(payload)}


@PROPERTIES
@given(
    mime,
    st.binary(min_size=1, max_size=64),
    st.text(string.punctuation.translate({ord(c): None for c in "+/="}) + " ", min_size=1),
)
def test_logos_that_are_not_base64_are_refused(kind, payload, junk):
    encoded = base64.b64encode(payload).decode()
    broken = encoded[: len(encoded) // 2] + junk + encoded[len(encoded) // 2 :]
    assert _code(validation.logo, f"data:image/{kind};base64,{broken}") == PATTERN


@pytest.mark.parametrize(
    ("size", "accepted"), [(MAX_LOGO_BYTES, True), (MAX_LOGO_BYTES + 1, False)]
)
def test_logo_size_limit(size, accepted):
    logo = "data:image/png;base64," + base64.b64encode(b"\x89" * size).decode()
    assert (_code(validation.logo, logo) is None) is accepted
    assert _code(validation.logo, "data:image/png;base64,") == PATTERN  # empty


SCOPE_NAMES = [s.name for s in CATALOGUE]
REQUIRED = {
    "name": "An app",
    "logo": "data:image/png;base64," + base64.b64encode(b"\x89PNG").decode(),
    "website_url": "https://app.example.com",
    "terms_url": "https://app.example.com/terms",
    "policy_url": "https://app.example.com/privacy",
    "logout_redirect_uri": "https://app.example.com/logout",
    "redirect_uris": ["https://app.example.com/cb"],
    "allowed_origins": ["https://app.example.com"],
}


def _codes(model, body: dict[str, Any]) -> dict[str, set[str]]:
    try:
        model.model_validate(body)
    except ValidationError as exc:
        codes: dict[str, set[str]] = {}
        for error in field_errors_from_pydantic(exc.errors()):
            codes.setdefault(error.field, set()).add(error.code)
        return codes
    return {}


@PROPERTIES
@given(st.lists(st.sampled_from(SCOPE_NAMES), min_size=1, max_size=30))
def test_catalogue_scopes_are_accepted_once_each_in_order(scopes):
    request = CreateClientRequest.model_validate({**REQUIRED, "scopes": scopes})
    assert request.scopes == list(dict.fromkeys(scopes))


@PROPERTIES
@given(
    st.lists(st.sampled_from(SCOPE_NAMES), max_size=5),
    st.text(max_size=20).filter(lambda s: s not in SCOPE_NAMES),
    st.data(),
)
def test_scopes_outside_the_catalogue_are_refused(scopes, stranger, data):
    at = data.draw(st.integers(0, len(scopes)))
    body = {**REQUIRED, "scopes": [*scopes[:at], stranger, *scopes[at:]]}
    assert _codes(CreateClientRequest, body) == {"scopes": {INVALID_SCOPE}}
    assert _codes(UpdateClientRequest, {"scopes": body["scopes"]}) == {"scopes": {INVALID_SCOPE}}


def test_no_scopes_is_an_empty_field():
    assert _codes(CreateClientRequest, {**REQUIRED, "scopes": []}) == {"scopes": {EMPTY_FIELD}}


FIELDS = sorted(CreateClientRequest.model_fields)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), json_value, max_size=14),
    st.sampled_from([CreateClientRequest, UpdateClientRequest]),
)
def test_request_models_fail_only_with_contract_codes(body, model):
    """Whatever JSON arrives, the answer is the model or field errors with contract codes,
    each naming a real field (or the body)."""
    for field_name, codes in _codes(model, body).items():
        assert codes <= CONTRACT_CODES, (field_name, codes)
        assert field_name in {*FIELDS, "body"}, field_name


@PROPERTIES
@given(st.lists(st.text(max_size=3), max_size=20))
def test_unique_keeps_first_occurrences_in_order(values):
    result = validation.unique(values)
    assert len(result) == len(set(result))
    assert set(result) == set(values)
    assert result == sorted(set(values), key=values.index)


# What the models accept, both databases store: the property above meets the database.
_stored_tenants = itertools.count(7_300_000)
stored_text = st.one_of(
    st.text(max_size=40),  # NUL and control characters among them
    st.text(st.characters(min_codepoint=0x80, exclude_categories=("Cs",)), max_size=40),
    st.sampled_from(["\x00", "a\x00bc", "²①٣", "\u202e\ufeff", "x" * 256, "x" * 257]),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(name=stored_text, description=stored_text, url_tail=st.text(max_size=20))
def test_what_the_models_accept_the_databases_store(live_server, name, description, url_tail):
    """Each example's body goes to the live server (SQLite, PostgreSQL): what the model
    accepts is created (201) and read back as the model had it; what it refuses is a 400
    with the same fields named. Never a 500 at the INSERT (PostgreSQL refuses NUL)."""
    body = {
        **REQUIRED,
        "scopes": ["openid"],
        "name": name,
        "description": description,
        "website_url": REQUIRED["website_url"] + "/" + url_tail,
    }
    expected = _codes(CreateClientRequest, body)
    tenant = next(_stored_tenants)
    headers = {"x-signature": signature(str(uuid.uuid4()), tenant, is_admin=True)}
    with httpx.Client(base_url=live_server.url, headers=headers, timeout=30) as http:
        created = http.post("/api/2.0/clients", json=body)
        if expected:
            assert created.status_code == 400, created.text
            assert {e["field"] for e in created.json()["errors"]} == set(expected)
            return
        assert created.status_code == 201, created.text
        model = CreateClientRequest.model_validate(body)
        stored = http.get(f"/api/2.0/clients/{created.json()['client_id']}").json()
    assert (stored["name"], stored["description"]) == (model.name, model.description or "")
    assert stored["website_url"] == model.website_url
