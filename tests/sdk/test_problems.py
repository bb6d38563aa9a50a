"""Error responses become typed exceptions carrying RFC 9457 problem details,
whether the server sends problem+json or something else (as a real DocSpace,
or a proxy in front of it, may)."""

from __future__ import annotations

import httpx
import pytest

from docspace_oauth.sdk import (
    APIError,
    AuthenticationError,
    Client,
    ConflictError,
    DocSpaceOAuthError,
    FieldError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnexpectedResponseError,
    UnsupportedMediaTypeError,
    ValidationError,
)


def answer(response: httpx.Response) -> Client:
    return Client(
        "https://portal.example.com",
        api_key="k",
        transport=httpx.MockTransport(lambda request: response),
        max_retries=0,
    )


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, ValidationError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (405, APIError),
        (409, ConflictError),
        (415, UnsupportedMediaTypeError),
        (422, ValidationError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
    ],
)
def test_status_maps_to_error_type(status: int, error_type: type[APIError]) -> None:
    problem = {"type": "about:blank", "title": "Nope", "status": status, "detail": "why"}
    with answer(httpx.Response(status, json=problem)) as api, pytest.raises(error_type) as info:
        api.get_client("c1")
    assert type(info.value) is error_type
    assert isinstance(info.value, DocSpaceOAuthError)
    assert info.value.status == status
    assert info.value.problem.title == "Nope"
    assert info.value.problem.detail == "why"


def test_a_403_for_missing_credentials_is_an_authentication_error() -> None:
    # The DocSpace API answers missing or wrong credentials 403; the problem type says so.
    problem = {
        "type": "urn:docspace-oauth:problem:authentication-required",
        "title": "Authentication required",
        "status": 403,
        "detail": "Send an API key",
    }
    response = httpx.Response(
        403, json=problem, headers={"Content-Type": "application/problem+json"}
    )
    with answer(response) as api, pytest.raises(AuthenticationError) as info:
        api.get_client("c1")
    assert type(info.value) is AuthenticationError
    assert info.value.status == 403
    assert info.value.problem.title == "Authentication required"


def test_validation_problem_exposes_field_errors() -> None:
    body = {
        "type": "https://docspace-oauth/problems/validation",
        "title": "Validation failed",
        "status": 400,
        "detail": "2 fields are invalid",
        "instance": "/api/2.0/clients",
        "errors": [
            {"field": "name", "code": "ErrorName", "message": "too short"},
            {"field": "redirect_uris", "code": "ErrorWrongURL", "message": "not a URL"},
        ],
    }
    response = httpx.Response(400, json=body, headers={"Content-Type": "application/problem+json"})
    with answer(response) as api, pytest.raises(ValidationError) as info:
        api.get_scopes()
    error = info.value
    assert error.errors == [
        FieldError("name", "ErrorName", "too short"),
        FieldError("redirect_uris", "ErrorWrongURL", "not a URL"),
    ]
    assert error.problem.instance == "/api/2.0/clients"
    assert error.problem.type.endswith("/validation")
    assert "name: too short (ErrorName)" in str(error)


def test_html_error_page_is_tolerated() -> None:
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    response = httpx.Response(502, text=page, headers={"Content-Type": "text/html"})
    with answer(response) as api, pytest.raises(ServerError) as info:
        api.get_scopes()
    problem = info.value.problem
    assert problem.status == 502
    assert problem.title == "Bad Gateway"
    assert problem.detail is not None
    assert "502 Bad Gateway" in problem.detail
    assert problem.instance == "/api/2.0/scopes"
    assert problem.errors == []


def test_docspace_style_error_json_is_tolerated() -> None:
    body = {"error": {"message": "Access denied"}, "status": 1, "statusCode": 403}
    with (
        answer(httpx.Response(403, json=body)) as api,
        pytest.raises(PermissionDeniedError) as info,
    ):
        api.get_scopes()
    assert info.value.problem.title == "Forbidden"
    assert info.value.problem.detail == "Access denied"


def test_empty_error_body_is_tolerated() -> None:
    with answer(httpx.Response(401)) as api, pytest.raises(AuthenticationError) as info:
        api.get_scopes()
    assert info.value.problem.title == "Unauthorized"
    assert info.value.problem.detail is None


def test_success_that_is_not_json_raises_unexpected_response() -> None:
    response = httpx.Response(200, text="<html>login</html>", headers={"Content-Type": "text/html"})
    with answer(response) as api, pytest.raises(UnexpectedResponseError):
        api.get_client("c1")


def test_success_with_the_wrong_shape_raises_unexpected_response() -> None:
    response = httpx.Response(200, json={"unrelated": True})
    with answer(response) as api, pytest.raises(UnexpectedResponseError):
        api.get_client("c1")
