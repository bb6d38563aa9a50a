"""`docspace-oauth prune`: the janitor, run by hand or from a scheduler.

It deletes what can no longer matter (janitor.rules says what, and why), in transactions of
a few thousand rows, so it is safe while servers run on the same database. `serve` runs the
same thing periodically (DOCSPACE_OAUTH_PRUNE_INTERVAL_SECONDS); the lease makes one
pruner at a time, whoever starts it.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from docspace_oauth.cli.database import run_local
from docspace_oauth.cli.options import current
from docspace_oauth.cli.output import ExitCode, column, emit_list, fail, note, stderr
from docspace_oauth.janitor import lease, service
from docspace_oauth.runtime import Runtime

COLUMNS = (column("Table", "table"), column("Rows", "rows"))


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr(),
        disable=current().quiet,
    )


async def _run(runtime: Runtime, batch_size: int | None, duty: float) -> dict[str, int]:
    sessions, settings = runtime.sessions, runtime.settings
    totals = await service.count(sessions, settings)
    with _progress() as bar:
        tasks = {name: bar.add_task(name, total=total) for name, total in totals.items()}

        def advance(name: str, rows: int) -> None:
            bar.advance(tasks[name], rows)

        outcome = await service.prune(
            sessions,
            settings,
            holder=lease.new_holder(),
            batch_size=batch_size,
            duty=duty,
            progress=advance,
        )
    note(f"Pruned {sum(outcome.deleted.values())} rows in {outcome.batches} transactions.")
    return outcome.deleted


def prune(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would go; delete nothing.")
    ] = False,
    batch_size: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=20_000,
            help="Rows per transaction [default: DOCSPACE_OAUTH_PRUNE_BATCH_SIZE]",
        ),
    ] = None,
    duty: Annotated[
        float,
        typer.Option(
            "--duty-cycle",
            min=0.05,
            max=1.0,
            help="Share of the time spent deleting; the rest is left to the servers "
            "(1: flat out, for a quiet hour).",
        ),
    ] = 0.33,
) -> None:
    """Delete expired codes, tokens, sessions, retired keys and old audit events."""

    async def work(runtime: Runtime) -> dict[str, int]:
        if dry_run:
            return await service.count(runtime.sessions, runtime.settings)
        try:
            return await _run(runtime, batch_size, duty)
        except service.LeaseHeld as error:
            fail(str(error), ExitCode.CONFLICT)

    counts = run_local(work)
    rows: list[dict[str, Any]] = [{"table": name, "rows": n} for name, n in counts.items()]
    if dry_run:
        note(f"Would prune {sum(counts.values())} rows (dry run: nothing was deleted).")
    emit_list(rows, COLUMNS, empty="Nothing to prune.", id_key="table")
