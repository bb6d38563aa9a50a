"""What the OpenAPI document says of the pages for people (/oauth2/authorize, /login,
/consent): every status each can answer, and the forms they take.

Their errors are HTML pages for the person at the browser, or redirects back to the app;
documenting each one is what lets the fuzz tests in tests/hardening hold these routes to the
document as they hold the API's (tests/api/test_page_statuses.py drives each status).
"""

from __future__ import annotations

from typing import Any

_HTML = {"text/html": {"schema": {"type": "string"}}}
_DESCRIPTIONS = {
    302: "To the sign-in page, the consent page, or back to the app's redirect_uri (with a "
    "code, or an error such as login_required or access_denied)",
    303: "Signed in: back to the page that asked (the authorization request or the console); "
    "or an authorization request POSTed without credentials: the same request as a GET",
    400: "An error page: an unknown client, a redirect_uri it did not register, an "
    "incomplete or expired sign-in link, a form that is not one of ours, or (sign-in) a "
    "wrong email or password",
    401: "An error page: the person is no longer signed in",
    403: "Refused: a form posted from another site, or one whose CSRF token expired",
    413: "The form is larger than the server reads",
    429: "Too many failed sign-ins for this email from this address: wait and try again",
}


def page_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {"description": _DESCRIPTIONS[status]}
        if status not in (302, 303):
            entry["content"] = _HTML
        responses[status] = entry
    return responses


def form_body(**fields: str) -> dict[str, Any]:
    """`openapi_extra` for a page that reads its form itself (no FastAPI body parameter)."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            name: {"type": "string", "description": text}
                            for name, text in fields.items()
                        },
                    }
                }
            },
        }
    }
