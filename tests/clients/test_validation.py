"""Bad input gets a clear 4xx problem with the contract's codes, and nothing is written."""

from __future__ import annotations

import base64

import pytest

from tests.factory import client_body, create_client, field_codes


def _names(http):
    return {c["name"] for c in http.get("/api/2.0/clients", params={"limit": 50}).json()["data"]}


NAME_LENGTH = "client name length is expected to be between 3 and 256 characters"
NAME_EMPTY = "client name must not be empty"
URL_COLLECTION = "url collection has invalid entries"
REDIRECT_COUNT = "redirect uris must contain at least 1 and at most 12 addresses"
ORIGIN_COUNT = "allowed origins must contain at least 1 and at most 12 addresses"
LOGO_BASE64 = "client logo is expected to be passed as base64"


# DocSpace's exact (field, code, message) triples; None where DocSpace has no words of its own
# (our extensions and type errors), and then only the code is compared.
@pytest.mark.parametrize(
    ("overrides", "field", "code", "message"),
    [
        ({"name": "ab"}, "name", "ErrorName", NAME_LENGTH),
        ({"name": "x" * 257}, "name", "ErrorName", NAME_LENGTH),
        ({"name": ""}, "name", "EmptyFieldError", NAME_EMPTY),
        ({"name": "   "}, "name", "EmptyFieldError", NAME_EMPTY),
        ({"name": None}, "name", "EmptyFieldError", NAME_EMPTY),
        (
            {"description": "d" * 256},
            "description",
            "ErrorName",
            "client description length is expected to be less than 256 characters",
        ),
        ({"scopes": []}, "scopes", "EmptyFieldError", "scopes field can not be empty"),
        (
            {"scopes": ["files:read", "files:delete", "a"]},
            "scopes",
            "ErrorInvalidScope",
            "Invalid scopes: files:delete, a",
        ),
        ({"redirect_uris": []}, "redirect_uris", "ErrorName", REDIRECT_COUNT),
        ({"redirect_uris": ["not a url"]}, "redirect_uris", "ErrorWrongURL", URL_COLLECTION),
        (
            {"redirect_uris": ["ftp://app.example.com/cb"]},
            "redirect_uris",
            "ErrorWrongURL",
            URL_COLLECTION,
        ),
        (
            {"redirect_uris": ["https://app.example.com/cb#frag"]},
            "redirect_uris",
            "ErrorWrongURL",
            URL_COLLECTION,
        ),
        (
            {"redirect_uris": [f"https://a.example.com/{i}" for i in range(13)]},
            "redirect_uris",
            "ErrorName",
            REDIRECT_COUNT,
        ),
        (
            {"allowed_origins": ["https://app.example.com/path"]},
            "allowed_origins",
            "ErrorWrongURL",
            URL_COLLECTION,
        ),
        ({"allowed_origins": []}, "allowed_origins", "ErrorName", ORIGIN_COUNT),
        (
            {"website_url": "javascript:alert(1)"},
            "website_url",
            "ErrorWrongURL",
            "website url is expected to be passed as url",
        ),
        (
            {"terms_url": "https://user:pw@app.example.com/"},
            "terms_url",
            "ErrorWrongURL",
            "terms url is expected to be passed as url",
        ),
        (
            {"policy_url": "https://"},
            "policy_url",
            "ErrorWrongURL",
            "policy url is expected to be passed as url",
        ),
        (
            {"logout_redirect_uri": "https://[::1"},
            "logout_redirect_uri",
            "ErrorWrongURL",
            "logout redirect uri is expected to be passed as url",
        ),
        ({"logo": "data:image/gif;base64,R0lGOD"}, "logo", "ErrorPattern", LOGO_BASE64),
        ({"logo": "data:image/png;base64,@@@"}, "logo", "ErrorPattern", LOGO_BASE64),
        ({"logo": "https://app.example.com/logo.png"}, "logo", "ErrorPattern", LOGO_BASE64),
        ({"allow_pkce": "maybe"}, "allow_pkce", "ErrorPattern", None),
        ({"grant_types": ["password"]}, "grant_types", "ErrorPattern", None),
    ],
)
def test_invalid_fields_are_named_with_contract_codes(live_server, overrides, field, code, message):
    with live_server.client(live_server.keys["admin"]) as http:
        body = client_body(**overrides)
        response = http.post("/api/2.0/clients", json=body)
        assert response.status_code == 400, response.text
        problem = response.json()
        assert problem["status"] == 400
        assert problem["instance"] == "/api/2.0/clients"
        assert field_codes(response).get(field) == code, problem
        assert all(e["message"] for e in problem["errors"])
        if message is not None:
            assert {"field": field, "code": code, "message": message} in problem["errors"], problem


REQUIRED = {
    "name": NAME_EMPTY,
    "scopes": "scopes field can not be empty",
    "redirect_uris": "redirect uris must not be null",
    "allowed_origins": "allowed origins must not be null",
    "logo": "client logo must not be empty",
    "website_url": "website url must not be empty",
    "terms_url": "terms url must not be empty",
    "policy_url": "policy url must not be empty",
    "logout_redirect_uri": "logout redirect uri must not be empty",
}


def test_missing_required_fields_are_empty_field_errors(live_server):
    with live_server.client(live_server.keys["admin"]) as http:
        response = http.post("/api/2.0/clients", json={})
        assert response.status_code == 400
        codes = field_codes(response)
        for field, message in REQUIRED.items():
            assert codes[field] == "EmptyFieldError"
            assert {"field": field, "code": "EmptyFieldError", "message": message} in (
                response.json()["errors"]
            )


@pytest.mark.parametrize("field", [f for f in REQUIRED if f != "name"])
def test_each_required_field_is_required(live_server, field):
    # DocSpace requires the logo and the four links as well; a blank one is a missing one.
    with live_server.client(live_server.keys["admin"]) as http:
        body = client_body()
        del body[field]
        response = http.post("/api/2.0/clients", json=body)
        assert response.status_code == 400, response.text
        assert response.json()["errors"] == [
            {"field": field, "code": "EmptyFieldError", "message": REQUIRED[field]}
        ]
        if field in {"logo", "website_url", "terms_url", "policy_url", "logout_redirect_uri"}:
            blank = http.post("/api/2.0/clients", json=client_body(**{field: " "}))
            assert blank.status_code == 400, blank.text
            assert blank.json()["errors"] == [
                {"field": field, "code": "EmptyFieldError", "message": REQUIRED[field]}
            ]
        assert body["name"] not in _names(http)


def test_oversized_logo_is_refused_and_nothing_written(live_server):
    big = "data:image/png;base64," + base64.b64encode(b"\x89PNG" + b"\0" * 256_001).decode()
    with live_server.client(live_server.keys["admin"]) as http:
        body = client_body(logo=big)
        response = http.post("/api/2.0/clients", json=body)
        assert response.status_code == 400
        assert field_codes(response)["logo"] == "ErrorPattern"
        assert "256000" in response.json()["detail"]
        assert body["name"] not in _names(http)


def test_logo_at_the_limit_is_accepted(live_server):
    exact = "data:image/jpeg;base64," + base64.b64encode(b"\xff" * 256_000).decode()
    with live_server.client(live_server.keys["admin"]) as http:
        created = create_client(http, logo=exact)
        assert http.get(f"/api/2.0/clients/{created['client_id']}").json()["logo"] == exact


def test_body_over_a_mebibyte_is_413(live_server):
    with live_server.client(live_server.keys["admin"]) as http:
        body = client_body(description="x" * (1024 * 1024))
        response = http.post("/api/2.0/clients", json=body)
        assert response.status_code == 413
        assert response.json()["status"] == 413
        assert body["name"] not in _names(http)


def test_chunked_body_over_the_limit_is_413(live_server):
    def chunks():
        yield b'{"name": "chunked", "description": "'
        for _ in range(1100):
            yield b"x" * 1024
        yield b'"}'

    with live_server.client(live_server.keys["admin"]) as http:
        response = http.post(
            "/api/2.0/clients", content=chunks(), headers={"content-type": "application/json"}
        )
        assert response.status_code == 413


@pytest.mark.parametrize("payload", ["{not json", "", "[1, 2", '"just a string"', "null"])
def test_body_that_is_not_a_json_object_is_400(live_server, payload):
    with live_server.client(live_server.keys["admin"]) as http:
        response = http.post(
            "/api/2.0/clients", content=payload, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_wrong_content_type_is_415(live_server, content_type):
    import json

    headers = {"content-type": content_type} if content_type else {}
    with live_server.client(live_server.keys["admin"]) as http:
        body = client_body()
        response = http.post("/api/2.0/clients", content=json.dumps(body), headers=headers)
        assert response.status_code == 415, response.text
        assert response.json()["status"] == 415
        assert body["name"] not in _names(http)


def test_duplicates_in_lists_are_stored_once(live_server):
    with live_server.client(live_server.keys["admin"]) as http:
        created = create_client(
            http,
            scopes=["files:read", "files:read", "openid"],
            redirect_uris=["https://app.example.com/cb", "https://app.example.com/cb"],
            allowed_origins=["https://app.example.com/", "https://app.example.com"],
        )
        assert created["scopes"] == ["files:read", "openid"]
        assert created["redirect_uris"] == ["https://app.example.com/cb"]
        assert created["allowed_origins"] == ["https://app.example.com"]


@pytest.mark.parametrize("bad", ["limit=0", "limit=51", "limit=abc", "last_created_on=yesterday"])
def test_bad_paging_parameters_are_400(live_server, bad):
    with live_server.client(live_server.keys["admin"]) as http:
        response = http.get(f"/api/2.0/clients?{bad}")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] in {"limit", "last_created_on"}


def test_unknown_route_and_method_are_problems(live_server):
    with live_server.client(live_server.keys["admin"]) as http:
        missing = http.get("/api/2.0/nothing-here")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
        wrong = http.post("/api/2.0/scopes", json={})
        assert wrong.status_code == 405
        assert wrong.headers["content-type"].startswith("application/problem+json")
