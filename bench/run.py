"""docspace-oauth's load bench: one command, one table.

    python bench/run.py            # full run (about 7 minutes on 2 cores)
    python bench/run.py --quick    # tiny sizes, 1 s per scenario (under a minute)
    python -m bench.run --quick    # the same, from the repository's root

It starts `docspace-oauth serve` as deployed (uvicorn workers, SQLite or PostgreSQL, Redis
configured, an explicit secret key; rate limits off so that the limits do not become the
measurement), loads it from a separate process over loopback with wrk (installed with
apt-get when missing), and measures in the same run:

- the ceiling: a bare Starlette endpoint returning small JSON (bench/ceiling.py), served by
  uvicorn with the same worker count;
- the peer: Authlib's Flask authorization server (bench/peer/app.py) in its own virtualenv
  (bench/.peer-venv, from PyPI), served by gunicorn with the same worker count, doing the
  same client_credentials and introspection work;
- the scenarios: client_credentials, introspection of a live JWT, authorization-code
  exchange, refresh, get client, list page, create client (each at 16 and 64 connections);
  list-page latency at 1k and 1M clients; delete-client and revoke-consent time with 100
  and 100,000 live tokens; two instances against one; RSS per worker.

Everything that is seeded goes straight into the database in bulk (bench/seed.py), hashed
with the server's own keyed hash under the server's own key, so it verifies as shipped.
Only 127.0.0.1 is ever targeted. See docs/performance.md for the results and what they mean,
and bench/__init__.py for where each part of the bench lives.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

if not __package__:
    # Run as a script, sys.path[0] is bench/ itself, where load.py, report.py, profile.py...
    # would shadow top-level modules of those names; the repository root replaces it, so
    # that `bench` is imported as the package it is.
    _BENCH = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
    sys.path.insert(0, str(_BENCH.parent))

from bench import profile
from bench.databases import fresh_database
from bench.load import PROFILES, ensure_wrk
from bench.options import parse
from bench.peer import PeerVenv, run_peer
from bench.report import Context, finish, order_rows, publish
from bench.scenarios.ceiling import run_ceiling
from bench.scenarios.instances import run_two_instances
from bench.scenarios.service import run_service


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse(argv)
    ensure_wrk()
    if opts.profile_dir:
        if not profile.available():
            sys.exit("--profile needs py-spy: pip install py-spy")
        opts.profile_dir.mkdir(parents=True)
    started = time.monotonic()
    load_before = os.getloadavg()
    ctx = Context()
    venv = PeerVenv(opts) if opts.peer else None

    if opts.runs("ceiling"):
        run_ceiling(opts, ctx)
    with fresh_database(opts, "dso_bench") as database_url:
        cast = run_service(opts, ctx, database_url)
        if opts.runs("instances"):
            run_two_instances(opts, ctx, cast)
    python = venv.python() if venv is not None else None
    if python is not None:
        run_peer(opts, ctx, python)

    finish(ctx)
    order_rows(ctx)
    elapsed = time.monotonic() - started
    publish(opts, ctx, elapsed, load_before, os.getloadavg(), PROFILES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
