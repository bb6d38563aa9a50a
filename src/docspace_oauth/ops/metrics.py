"""Prometheus metrics. With several workers, `serve` points PROMETHEUS_MULTIPROC_DIR at a
fresh directory so that /metrics sums every worker, not just the one that answers."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "docspace_oauth_http_requests_total",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "docspace_oauth_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ["route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
TOKEN_GRANTS = Counter(
    "docspace_oauth_token_grants_total",
    "Token endpoint outcomes, by grant type and outcome (issued or the OAuth error code).",
    ["grant_type", "outcome"],
)


def record_grant(grant_type: str, outcome: str) -> None:
    TOKEN_GRANTS.labels(grant_type=grant_type or "none", outcome=outcome).inc()


def render() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
