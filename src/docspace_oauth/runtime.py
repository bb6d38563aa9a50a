"""What a running server holds for its lifetime, and the request dependencies that reach it.

The session dependency is the one place that owns the transaction: it commits when the
endpoint returns and rolls back when it raises, before the response is sent, so a 2xx always
means the change is durable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from docspace_oauth.db.direct import DirectDB
from docspace_oauth.db.engine import begin
from docspace_oauth.ratelimit.limiter import RateLimiter
from docspace_oauth.security.server_keys import ServerKeys
from docspace_oauth.settings import Settings

_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(slots=True)
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    keys: ServerKeys
    limiter: RateLimiter
    direct: DirectDB


def runtime_of(request: Request) -> Runtime:
    """For the dependencies every management request resolves (caller, rate limit): taking
    the request, which FastAPI hands over for free, rather than RuntimeDep, which is one more
    node to solve (about 12 µs each in FastAPI 0.165)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_runtime(request: Request) -> Runtime:
    # async: FastAPI would run a plain function in a worker thread, on every request.
    return runtime_of(request)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    runtime: Runtime = request.app.state.runtime
    async with runtime.sessions() as session:
        await begin(session, write=request.method not in _READ_ONLY_METHODS)
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
