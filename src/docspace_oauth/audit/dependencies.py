"""Recording refused management operations, which roll back and so cannot record themselves."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import Depends, Request

from docspace_oauth.audit.actions import Action, Outcome
from docspace_oauth.audit.service import defer, flush_deferred
from docspace_oauth.callers.dependencies import OptionalCaller
from docspace_oauth.errors import DocSpaceOAuthError
from docspace_oauth.runtime import RuntimeDep

_NOT_WORTH_RECORDING = {401, 413, 415, 429}


def audit_refusals(action: Action) -> Any:
    async def dependency(
        request: Request, runtime: RuntimeDep, caller: OptionalCaller
    ) -> AsyncIterator[None]:
        try:
            yield
        except DocSpaceOAuthError as exc:
            if caller is not None and exc.status not in _NOT_WORTH_RECORDING:
                raw_id = request.path_params.get("client_id")
                defer(
                    action,
                    Outcome.DENIED if exc.status in {403, 404} else Outcome.FAILURE,
                    tenant_id=caller.tenant_id,
                    user_id=caller.user_id,
                    ip=caller.ip,
                    client_id=str(raw_id)[:64] if raw_id else None,
                    details={"status": exc.status},
                )
                # The session dependency has already rolled back by now.
                await flush_deferred(runtime.sessions)
            raise

    hook: Callable[..., AsyncIterator[None]] = dependency
    return Depends(hook)
