"""Retry and backoff, driven through httpx.MockTransport with a fake sleeper."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from docspace_oauth.sdk import (
    AsyncClient,
    Client,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TransportError,
)
from tests.factory import LOGO

BASE = "https://portal.example.com"
SCOPES = [{"name": "files:read", "group": "files", "type": "read"}]


def scripted(
    *responses: httpx.Response,
) -> tuple[Callable[[httpx.Request], httpx.Response], list[httpx.Request]]:
    """A handler answering with ``responses`` in turn, recording each request."""
    queue = list(responses)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0)

    return handler, seen


def throttled(retry_after: str | None = None, status: int = 429) -> httpx.Response:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    return httpx.Response(
        status, headers=headers, json={"title": "Too Many Requests", "status": status}
    )


def make_client(
    handler: Callable[[httpx.Request], httpx.Response], sleeps: list[float], **kwargs: object
) -> Client:
    return Client(
        BASE, api_key="k", transport=httpx.MockTransport(handler), sleep=sleeps.append, **kwargs
    )  # type: ignore[arg-type]


def test_retry_after_seconds_is_slept_then_the_call_succeeds() -> None:
    handler, seen = scripted(throttled("3"), httpx.Response(200, json=SCOPES))
    sleeps: list[float] = []
    with make_client(handler, sleeps) as api:
        scopes = api.get_scopes()
    assert [s.name for s in scopes] == ["files:read"]
    assert sleeps == [3.0]
    assert len(seen) == 2


def test_retry_after_http_date_is_turned_into_seconds() -> None:
    now = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=7), usegmt=True)
    handler, _ = scripted(throttled(later), httpx.Response(200, json=SCOPES))
    sleeps: list[float] = []
    policy = RetryPolicy(clock=now.timestamp)
    with make_client(handler, sleeps, retry=policy) as api:
        api.get_scopes()
    assert sleeps == [pytest.approx(7.0)]


def test_503_without_retry_after_backs_off_exponentially_with_jitter() -> None:
    handler, seen = scripted(
        throttled(status=503), throttled(status=503), httpx.Response(200, json=SCOPES)
    )
    sleeps: list[float] = []
    # rng() == 1.0 removes the full jitter fraction, pinning the values.
    policy = RetryPolicy(initial_delay=1.0, jitter=0.5, rng=lambda: 1.0)
    with make_client(handler, sleeps, retry=policy) as api:
        api.get_scopes()
    assert sleeps == [0.5, 1.0]
    assert len(seen) == 3


def test_backoff_is_capped_by_max_delay() -> None:
    policy = RetryPolicy(max_retries=10, initial_delay=1.0, max_delay=4.0, jitter=0.0)
    response = throttled(status=503)
    response.request = httpx.Request("GET", BASE)
    delays = [policy.delay_before_retry(response, attempt) for attempt in range(6)]
    assert delays == [1.0, 2.0, 4.0, 4.0, 4.0, 4.0]


def test_jitter_only_shortens_the_backoff() -> None:
    policy = RetryPolicy(initial_delay=2.0, jitter=0.25)
    response = throttled(status=429)
    for _ in range(50):
        delay = policy.delay_before_retry(response, 0)
        assert delay is not None
        assert 1.5 <= delay <= 2.0


def test_gives_up_after_max_retries_and_raises_rate_limit_error() -> None:
    handler, seen = scripted(throttled("1"), throttled("1"), throttled("1"))
    sleeps: list[float] = []
    with make_client(handler, sleeps, max_retries=2) as api, pytest.raises(RateLimitError) as info:
        api.get_scopes()
    assert info.value.status == 429
    assert info.value.retry_after == 1.0
    assert sleeps == [1.0, 1.0]
    assert len(seen) == 3


def test_max_retries_zero_never_sleeps() -> None:
    handler, seen = scripted(throttled("1"))
    sleeps: list[float] = []
    with make_client(handler, sleeps, max_retries=0) as api, pytest.raises(RateLimitError):
        api.get_scopes()
    assert sleeps == []
    assert len(seen) == 1


def test_retry_after_longer_than_the_cap_is_not_slept() -> None:
    handler, seen = scripted(throttled("3600"))
    sleeps: list[float] = []
    api = make_client(handler, sleeps, retry=RetryPolicy(max_delay=60))
    with api, pytest.raises(RateLimitError) as info:
        api.get_scopes()
    assert sleeps == []
    assert info.value.retry_after == 3600.0
    assert len(seen) == 1


def test_other_5xx_is_not_retried() -> None:
    handler, seen = scripted(httpx.Response(500, text="boom"))
    sleeps: list[float] = []
    with make_client(handler, sleeps) as api, pytest.raises(ServerError):
        api.get_scopes()
    assert sleeps == []
    assert len(seen) == 1


def test_post_is_retried_with_the_same_body() -> None:
    created = {"client_id": "c1", "name": "App", "enabled": True, "client_secret": "s" * 40}
    handler, seen = scripted(throttled("0"), httpx.Response(201, json=created))
    sleeps: list[float] = []
    with make_client(handler, sleeps) as api:
        client = api.create_client(
            {
                "name": "App",
                "scopes": ["openid"],
                "redirect_uris": ["https://a.example/cb"],
                "allowed_origins": ["https://a.example"],
                "logo": LOGO,
                "website_url": "https://a.example",
                "terms_url": "https://a.example/terms",
                "policy_url": "https://a.example/privacy",
                "logout_redirect_uri": "https://a.example/logout",
            }
        )
    assert client.client_secret == "s" * 40
    assert seen[0].content == seen[1].content
    assert sleeps == [0.0]


def test_x_ratelimit_reset_is_used_when_retry_after_is_absent() -> None:
    response = httpx.Response(429, headers={"X-Ratelimit-Reset": "5"})
    policy = RetryPolicy()
    assert policy.delay_before_retry(response, 0) == 5.0


def test_network_failure_raises_transport_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with make_client(handler, []) as api, pytest.raises(TransportError):
        api.get_scopes()


async def test_async_client_retries_with_an_async_sleeper() -> None:
    handler, seen = scripted(throttled("2"), httpx.Response(200, json=SCOPES))
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async with AsyncClient(
        BASE, api_key="k", transport=httpx.MockTransport(handler), sleep=sleep
    ) as api:
        scopes = await api.get_scopes()
    assert [s.name for s in scopes] == ["files:read"]
    assert sleeps == [2.0]
    assert len(seen) == 2
