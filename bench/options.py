"""The bench's command line, and the sizes of a full and a quick run."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

DESCRIPTION = "docspace-oauth's load bench: one command, one table."
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Sizes:
    duration: int  # seconds per measured wrk run
    warmup: int  # seconds of warm-up before each (0: none)
    list_small: int
    list_large: int
    tokens_small: int
    tokens_large: int
    reps_small: int  # timed deletions / revocations per size
    reps_large: int
    single_use_rate: int  # codes / refresh tokens seeded per second of a run
    prune_rows: int  # expired rows the janitor deletes while the server is under load


FULL = Sizes(10, 2, 1_000, 1_000_000, 100, 100_000, 7, 5, 6_000, 1_000_000)
QUICK = Sizes(1, 0, 100, 2_000, 10, 1_000, 2, 2, 6_000, 8_000)
CONNECTIONS = (16, 64)
# The parts of a run, in order; --only picks some (the rest of the table stays empty).
PHASES = ("ceiling", "scenarios", "lists", "deletion", "prune", "instances", "peer")


@dataclass(frozen=True)
class Options:
    quick: bool
    workers: int
    wrk_threads: int
    database: str  # "postgresql" or "sqlite"
    postgres_url: str
    redis_url: str
    log_level: str
    peer: bool
    json_path: Path | None
    sizes: Sizes
    profile_dir: Path | None = None  # --profile: py-spy each measured run into here
    phases: frozenset[str] = frozenset(PHASES)  # --only: the parts of the run to do

    def runs(self, phase: str) -> bool:
        return phase in self.phases


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes and 1 s per scenario, to check the bench works",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="uvicorn / gunicorn workers (default 2: one per core)",
    )
    parser.add_argument(
        "--wrk-threads", type=int, default=1, help="wrk threads (default 1: wrk needs CPU too)"
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "DOCSPACE_OAUTH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
        help="admin URL; the bench creates and drops its own databases beside it",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--log-level",
        default="warning",
        help="the server's log level (info logs a JSON line per request)",
    )
    parser.add_argument("--no-peer", action="store_true", help="skip the Authlib peer")
    parser.add_argument(
        "--only",
        type=lambda text: frozenset(text.split(",")),
        default=frozenset(PHASES),
        help=f"comma-separated parts of the run to do, of: {','.join(PHASES)}",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="py-spy one worker during each measured run (pip install py-spy); raw stacks and "
        "a summary by layer go to bench/results/profile-<time>/",
    )
    return parser


def parse(argv: Sequence[str] | None = None) -> Options:
    args = _parser().parse_args(argv)
    return Options(
        quick=args.quick,
        workers=args.workers,
        wrk_threads=args.wrk_threads,
        database=args.database,
        postgres_url=args.postgres_url,
        redis_url=args.redis_url,
        log_level=args.log_level,
        peer=not args.no_peer and "peer" in args.only,
        json_path=args.json,
        sizes=QUICK if args.quick else FULL,
        profile_dir=(
            RESULTS / f"profile-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
            if args.profile
            else None
        ),
        phases=_phases(args.only),
    )


def _phases(only: frozenset[str]) -> frozenset[str]:
    unknown = only - set(PHASES)
    if unknown:
        raise SystemExit(f"--only: unknown part(s) {', '.join(sorted(unknown))}")
    return only
