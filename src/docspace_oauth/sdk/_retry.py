"""When and how long to wait before retrying a throttled or unavailable call."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime

import httpx

__all__ = ["RetryPolicy", "retry_after_seconds"]

# X-Ratelimit-Reset is either seconds to wait or a Unix time; no wait is a
# billion seconds long, so anything larger is a timestamp.
_EPOCH_THRESHOLD = 1_000_000_000


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, capped, that honours ``Retry-After``.

    Only 429 and 503 are retried by default: both mean the server did not act
    on the request, so even a POST is safe to send again. A server asking to
    wait longer than ``max_delay`` is not retried at all, because sleeping less
    than it asked would only earn another refusal; the caller gets the error
    (with ``retry_after`` on a :class:`RateLimitError`) and can decide.
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 30.0
    # Fraction of each computed backoff removed at random, so that clients
    # throttled together do not all come back in the same instant.
    jitter: float = 0.25
    statuses: frozenset[int] = frozenset({429, 503})
    # Injectable so that tests can pin the jitter; returns a float in [0, 1).
    rng: Callable[[], float] = field(default=random.random, repr=False, compare=False)
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if self.initial_delay < 0 or self.max_delay < 0:
            raise ValueError("delays must be >= 0")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be between 0 and 1")

    def delay_before_retry(self, response: httpx.Response, retries_done: int) -> float | None:
        """Seconds to sleep before retrying, or None if the response is final."""
        if retries_done >= self.max_retries or response.status_code not in self.statuses:
            return None
        asked = retry_after_seconds(response, self.clock)
        if asked is not None:
            return asked if asked <= self.max_delay else None
        backoff = min(self.max_delay, self.initial_delay * 2.0**retries_done)
        return backoff * (1 - self.jitter * self.rng())


def retry_after_seconds(
    response: httpx.Response, clock: Callable[[], float] = time.time
) -> float | None:
    """The wait the server asked for, from ``Retry-After`` or ``X-Ratelimit-Reset``."""
    retry_after = response.headers.get("Retry-After")
    if retry_after is not None:
        return _parse_retry_after(retry_after, clock)
    reset = response.headers.get("X-Ratelimit-Reset")
    if reset is not None:
        seconds = _parse_number(reset)
        if seconds is not None and seconds >= _EPOCH_THRESHOLD:
            seconds = max(0.0, seconds - clock())
        return seconds
    return None


def _parse_retry_after(value: str, clock: Callable[[], float]) -> float | None:
    seconds = _parse_number(value)
    if seconds is not None:
        return seconds
    # RFC 9110 also allows an HTTP-date.
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        # "-0000" dates come back naive; HTTP dates are always GMT.
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - clock())


def _parse_number(value: str) -> float | None:
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if seconds != seconds or seconds < 0 or seconds == float("inf"):
        return None
    return seconds
