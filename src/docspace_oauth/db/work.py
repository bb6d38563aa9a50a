"""The unit of work: one per request (or per command), the one owner of its transaction.

A `Work` starts with nothing open. Reads go to `work.read` (committed state). The first call
to `await work.write()` begins the work's one write transaction, so a request that only
reads never takes a write lock, and one that writes decides where its transaction begins.
When the work ends (`finish`, called by `api.routing.AppRoute` for every request, or on
leaving `async with Work(...)`):

- it ended normally: the transaction commits, before the response is sent, so a 2xx means
  the change is durable;
- it raised: the transaction rolls back, unless the error says it must persist
  (`DocSpaceOAuthError.persist`: it follows a deliberate write, such as spending a replayed
  code or revoking a token family on refresh-token reuse, which the refusal is about);
- then what was deferred (`defer`: records of refusals, which must survive the rollback
  they come with) is written in a transaction of its own. A failure to write it is logged,
  never allowed to hide the error being answered.
"""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Any

from docspace_oauth.db.database import Database, Reader, Writer
from docspace_oauth.db.statements import Command

logger = logging.getLogger("docspace_oauth.db")


def _persists(error: BaseException | None) -> bool:
    return error is not None and bool(getattr(error, "persist", False))


class Work:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.read: Reader = database.reader
        self._stack: AsyncExitStack | None = None
        self._writer: Writer | None = None
        self._deferred: list[tuple[Command, dict[str, Any]]] = []

    async def write(self) -> Writer:
        """The work's write transaction, begun on first use."""
        if self._writer is None:
            stack = AsyncExitStack()
            self._writer = await stack.enter_async_context(self.database.transaction())
            self._stack = stack
        return self._writer

    @property
    def writing(self) -> bool:
        return self._writer is not None

    def defer(self, command: Command, **params: Any) -> None:
        """Run `command` once the work has ended, whatever its outcome."""
        self._deferred.append((command, params))

    async def finish(self, error: BaseException | None = None) -> None:
        stack, self._stack, self._writer = self._stack, None, None
        try:
            if stack is not None:
                if error is None or _persists(error):
                    await stack.aclose()  # commits
                else:
                    await stack.__aexit__(type(error), error, error.__traceback__)
        finally:
            await self._flush_deferred()

    async def _flush_deferred(self) -> None:
        deferred, self._deferred = self._deferred, []
        if not deferred:
            return
        try:
            async with self.database.transaction() as tx:
                for command, params in deferred:
                    await tx.run(command, **params)
        except Exception:
            logger.exception("could not write %d deferred record(s)", len(deferred))

    async def __aenter__(self) -> Work:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.finish(error)
