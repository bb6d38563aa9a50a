"""The ceiling's rows: a bare Starlette endpoint (bench/ceiling.py) at every connection count,
which every other row's "vs ceiling" is measured against."""

from __future__ import annotations

from bench.load import Load, measure, row_from
from bench.options import CONNECTIONS, Options
from bench.processes import ceiling_server
from bench.report import Context, log


def run_ceiling(opts: Options, ctx: Context) -> None:
    log(f"ceiling: bare Starlette, uvicorn × {opts.workers} workers")
    server = ceiling_server(opts)
    try:
        for connections in CONNECTIONS:
            m = measure(opts, Load(f"{server.url}/ceiling", servers=[server]), connections)
            ctx.rows.append(row_from("ceiling: bare Starlette JSON", "ceiling", connections, m))
    finally:
        server.stop()
