"""What the schemathesis suites (test_fuzz_api.py, test_fuzz_oauth.py) share: the areas of
the OpenAPI document each fuzzes, what is deliberately not fuzzed, and the checks."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# What is fuzzed, by area.
AREAS = {
    "management": re.compile(r"^/api/2\.0/(oauth2/)?(clients|scopes)(/|$)"),
    "audit": re.compile(r"^/api/2\.0/audit$"),
    "sessions": re.compile(r"^/api/2\.0/sessions(/|$)"),
    "oauth2": re.compile(
        r"^/oauth2/(token|introspect|revoke|userinfo|jwks)$"
        r"|^(/oauth2)?/\.well-known/(openid-configuration|oauth-authorization-server)$"
    ),
}
# The pages for people: fuzzed through their forms, as a browser sends them, by
# test_fuzz_forms.py (which needs the page's CSRF token and hidden fields first).
PAGES = re.compile(r"^/oauth2/(authorize|login|consent|logout|logout/confirm)$")
# What the document lists and is deliberately not fuzzed, and why.
_OPS = "operations endpoint: no parameters, body or credentials to vary (tests/ops covers it)"
_NOT_YET = (
    "not fuzzed yet: the device grant's form body is not described in the document and its "
    "page is not among test_fuzz_forms.py's FORMS (tests/device covers their answers)"
)
# Not fuzzed yet: their protocol errors (RFC 7591's invalid_client_metadata, RFC 6750's 401)
# are not described in the document. Covered by hand in tests/registration and
# tests/oauth2/test_resources.py.
_REGISTRATION = "dynamic registration (RFC 7591/7592): tests/registration covers it"
_RESOURCES = "resource indicators (RFC 8707/9728): tests/oauth2/test_resources.py covers it"
EXCLUDED = {
    "/oauth2/register": _REGISTRATION,
    "/oauth2/tenants/{tenant_id}/register": _REGISTRATION,
    "/oauth2/register/{client_id}": _REGISTRATION,
    "/api/2.0/registration/policy": _REGISTRATION,
    "/api/2.0/registration/tokens": _REGISTRATION,
    "/api/2.0/registration/tokens/{token_id}": _REGISTRATION,
    "/oauth2/resources/{resource_id}/metadata": _RESOURCES,
    "/api/2.0/resources": _RESOURCES,
    "/api/2.0/resources/{resource_id}": _RESOURCES,
    "/oauth2/device_authorization": _NOT_YET,
    "/oauth2/device": _NOT_YET,
    "/health": _OPS,
    "/ready": _OPS,
    "/metrics": _OPS,
}
FUZZ_EXAMPLES = int(os.environ.get("DOCSPACE_OAUTH_FUZZ_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]
# Deliberately not checked: positive_data_acceptance. The document states which fields are
# URLs, origins and data URIs but not their grammar (no JSON Schema pattern says "an http(s)
# URL without credentials"), so a schema-valid string is often not a valid URL, and the 400
# that follows is right. The validators' own property tests cover that ground.


def area_operations(schema: Any, area: re.Pattern[str]) -> Iterator[Any]:
    for result in schema.get_all_operations():
        operation = result.ok()  # a malformed operation fails the test here
        if area.match(operation.path):
            yield operation
