"""Fixed-window counters. A window is `window` seconds long and starts at a multiple of it,
so every worker and instance agrees on where windows begin without talking to each other."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

logger = logging.getLogger("docspace_oauth.ratelimit")


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_after: int  # seconds until the window ends


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window: int) -> Decision: ...

    async def close(self) -> None: ...


def _window(now: float, window: int) -> tuple[int, int]:
    start = int(now // window) * window
    return start, max(1, math.ceil(start + window - now))


class DisabledLimiter:
    async def hit(self, key: str, limit: int, window: int) -> Decision:
        return Decision(True, limit, limit, window)

    async def close(self) -> None:
        return None


class MemoryLimiter:
    """Counts within one process; each worker keeps its own counts."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[int, int]] = {}

    async def hit(self, key: str, limit: int, window: int) -> Decision:
        now = self._clock()
        start, reset_after = _window(now, window)
        current_start, count = self._counts.get(key, (start, 0))
        if current_start != start:
            count = 0
        count += 1
        self._counts[key] = (start, count)
        if len(self._counts) > 100_000:
            self._prune(start)
        return Decision(count <= limit, limit, max(0, limit - count), reset_after)

    def _prune(self, current_start: int) -> None:
        self._counts = {k: v for k, v in self._counts.items() if v[0] == current_start}

    async def close(self) -> None:
        return None


class RedisLimiter:
    """Counts shared by every worker and instance that uses the same Redis."""

    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url)
        self._clock = clock

    async def hit(self, key: str, limit: int, window: int) -> Decision:
        now = self._clock()
        start, reset_after = _window(now, window)
        redis_key = f"docspace-oauth:rl:{key}:{start}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(redis_key)
                pipe.expire(redis_key, window + 5)
                count, _ = await pipe.execute()
        except Exception:  # Redis down: limits are for fairness, not for keeping anyone out
            logger.warning("rate limiter: Redis unreachable, allowing the request", exc_info=True)
            return Decision(True, limit, limit, reset_after)
        return Decision(int(count) <= limit, limit, max(0, limit - int(count)), reset_after)

    async def close(self) -> None:
        await self._redis.aclose()


def build_limiter(enabled: bool, redis_url: str | None) -> RateLimiter:
    if not enabled:
        return DisabledLimiter()
    if redis_url:
        return RedisLimiter(redis_url)
    return MemoryLimiter()
