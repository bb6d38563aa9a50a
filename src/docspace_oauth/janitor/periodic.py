"""`serve`'s own janitor: every DOCSPACE_OAUTH_PRUNE_INTERVAL_SECONDS, on whichever instance
holds the lease, a prune that works a quarter of the time so requests keep their latency."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from docspace_oauth.janitor import lease, service
from docspace_oauth.ops.background import running
from docspace_oauth.runtime import Runtime

logger = logging.getLogger("docspace_oauth.janitor")

# The share of the time the periodic prune works (janitor.service.prune): it runs inside a
# server process, beside that process's requests, and nobody waits for it to finish.
DUTY = 0.25


async def _loop(runtime: Runtime, interval: float) -> None:
    holder = lease.new_holder()
    while True:
        await asyncio.sleep(interval)
        try:
            outcome = await service.prune(
                runtime.sessions, runtime.settings, holder=holder, duty=DUTY
            )
        except service.LeaseHeld as held:
            logger.debug("prune skipped: %s", held)
            continue
        except Exception:
            # The next interval tries again; a failed run has committed what it deleted.
            logger.exception("periodic prune failed")
            continue
        if deleted := sum(outcome.deleted.values()):
            logger.info("pruned %d rows", deleted, extra={"pruned": outcome.deleted})


def periodic_prune(runtime: Runtime) -> contextlib.AbstractAsyncContextManager[None]:
    """Run the janitor for as long as the server runs (unless the interval is 0)."""
    interval = runtime.settings.prune_interval_seconds
    return running(_loop(runtime, interval) if interval else None)
