"""What the schemathesis suites (test_fuzz_api.py, test_fuzz_oauth.py,
test_fuzz_registration.py) share: the areas of the OpenAPI document each fuzzes, what is
deliberately not fuzzed, the checks, and the loop that runs a fuzzer over an area's
operations and tallies what they answered."""

from __future__ import annotations

import collections
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationMode
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
    # Dynamic registration (RFC 7591/7592) and its admins' side (policy, initial tokens).
    "registration": re.compile(
        r"^/oauth2/(tenants/\{tenant_id\}/)?register(/|$)|^/api/2\.0/registration/"
    ),
    # Protected resources (RFC 8707/9728): the admins' registry and the public metadata.
    "resources": re.compile(r"^/api/2\.0/resources(/|$)|^/oauth2/resources/"),
    "device": re.compile(r"^/oauth2/device_authorization$"),
}
# The pages for people: fuzzed through their forms, as a browser sends them, by
# test_fuzz_forms.py (which needs the page's CSRF token and hidden fields first).
PAGES = re.compile(r"^/oauth2/(authorize|login|consent|logout|logout/confirm|device)$")
# What the document lists and is deliberately not fuzzed, and why.
_OPS = "operations endpoint: no parameters, body or credentials to vary (tests/ops covers it)"
EXCLUDED = {
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


def negatable(operation: Any) -> bool:
    """Whether schema-violating data exists for it: a body, or constrained query parameters.
    A bare string path parameter (the client id) has no value that breaks its schema."""
    return bool(operation.body) or any(True for _ in operation.query)


def fuzz_settings(max_examples: int = FUZZ_EXAMPLES) -> Any:
    """Each operation's hypothesis run: generated afresh every time, shrunk on failure."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )


def checked_operations(schema: Any, name: str) -> list[Any]:
    """The area's operations, which must be every one the document lists under it."""
    area = AREAS[name]
    operations = list(area_operations(schema, area))
    documented = {
        (method.upper(), path)
        for path, item in schema.raw_schema["paths"].items()
        for method in item
        if area.match(path)
    }
    assert {(op.method.upper(), op.path) for op in operations} == documented
    return operations


Fuzzer = Callable[[Any, GenerationMode], Callable[[], None]]


@dataclass
class Tally:
    """What the fuzzed operations answered, and which runs failed a check."""

    statuses: collections.Counter[tuple[str, int]] = field(default_factory=collections.Counter)
    examples: collections.Counter[str] = field(default_factory=collections.Counter)
    failures: dict[str, str] = field(default_factory=dict)

    def count(self, operation: Any, mode: GenerationMode, status: int) -> None:
        self.examples[mode.value] += 1
        self.statuses[(operation.label, status)] += 1

    def run(self, operations: list[Any], fuzzer: Fuzzer, negatable: Callable[[Any], bool]) -> None:
        """Each operation fuzzed with valid data, and with invalid data where it exists."""
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                if mode.is_negative and not negatable(operation):
                    continue
                try:
                    fuzzer(operation, mode)()
                except (Exception, BaseExceptionGroup) as exc:
                    self.failures[f"{operation.label} ({mode.value})"] = str(exc)[:3000]

    def reached(self, low: int = 200, high: int = 299) -> set[str]:
        return {label for (label, status) in self.statuses if low <= status <= high}

    def report(self, what: str, extra: str = "", *, detail: bool = False) -> None:
        """Print the figures (docs/security.md quotes them); no 5xx, no failed check."""
        by_status = collections.Counter(status for _, status in self.statuses.elements())
        lines = [
            f"\nfuzzed {what}: {sum(self.examples.values())} requests "
            f"({dict(self.examples)}), statuses {sorted(by_status.items())}{extra}"
        ]
        if detail:
            lines += [f"  {label} {s}: {n}" for (label, s), n in sorted(self.statuses.items())]
        print("\n".join(lines))
        server_errors = {key: n for key, n in self.statuses.items() if key[1] >= 500}
        assert not server_errors, server_errors
        assert not self.failures, "\n\n".join(f"{k}:\n{v}" for k, v in self.failures.items())
