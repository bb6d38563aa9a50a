from __future__ import annotations

from fastapi import Request

from docspace_oauth.api.response_headers import owe
from docspace_oauth.callers.dependencies import OptionalCaller
from docspace_oauth.errors import RateLimited
from docspace_oauth.ops.middleware import client_ip
from docspace_oauth.runtime import Runtime, runtime_of


def _limit_for(method: str, runtime: Runtime) -> int:
    settings = runtime.settings
    if method in {"GET", "HEAD"}:
        return settings.rate_limit_get
    if method == "POST":
        return settings.rate_limit_post
    return settings.rate_limit_put


async def enforce_rate_limit(request: Request, caller: OptionalCaller) -> None:
    """DocSpace's limits: per caller and per method, per window (a minute by default)."""
    runtime = runtime_of(request)
    if not runtime.settings.rate_limit_enabled:
        return
    method = request.method
    who = caller.rate_limit_key if caller else f"ip:{client_ip(request)}"
    decision = await runtime.limiter.hit(
        f"{who}:{method}", _limit_for(method, runtime), runtime.settings.rate_limit_window_seconds
    )
    headers = {
        "X-Ratelimit-Limit": str(decision.limit),
        "X-Ratelimit-Remaining": str(decision.remaining),
        "X-Ratelimit-Reset": str(decision.reset_after),
    }
    # Owed to whatever answers this request, a success or a problem alike.
    owe(request, headers)
    if not decision.allowed:
        raise RateLimited(
            f"At most {decision.limit} {method} requests a minute; retry in "
            f"{decision.reset_after} s.",
            headers={"Retry-After": str(decision.reset_after)},
        )
