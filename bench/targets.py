"""The targets (issue 5) and how each is checked against what was measured.

A target is bound to its row now and evaluated once the whole table exists (report.finish),
since most compare the row with another one.
"""

from __future__ import annotations

from collections.abc import Callable

from bench.report import Check, Context, Row

Evaluate = Callable[[Context, Row], tuple[bool | None, str]]  # (met?, measured value)


def bind(row: Row, check: Evaluate, label: str) -> None:
    row.checks.append(Check(label, lambda ctx: check(ctx, row)))


def add_targets(row: Row, key: str, connections: int) -> None:
    """The service's scenario rows: share of the ceiling, absolute rate, ratio to the peer,
    and p99 at 16 connections."""
    share = {"cc": 0.25, "introspect": 0.40, "get": 0.40, "list": 0.40}.get(key)
    if share is not None:

        def by_ratio(ctx: Context, r: Row, share: float = share) -> tuple[bool | None, str]:
            if r.rps is None or not ctx.ceiling(r.connections):
                return None, "no ceiling"
            ratio = r.rps / (ctx.ceiling(r.connections) or 1)
            return ratio >= share, f"{ratio:.0%}"

        bind(row, by_ratio, f"≥{share:.0%} of ceiling")
    if key == "code":

        def by_rate(ctx: Context, r: Row) -> tuple[bool | None, str]:
            return (None, "not run") if r.rps is None else (r.rps >= 2000, f"{r.rps:,.0f}/s")

        bind(row, by_rate, "≥2,000 req/s")
    if key in {"cc", "introspect"}:

        def by_peer(ctx: Context, r: Row) -> tuple[bool | None, str]:
            peer = ctx.find(f"peer:{key}", r.connections)
            if peer is None or not peer.rps or r.rps is None:
                return None, "no peer"
            return r.rps >= 5 * peer.rps, f"{r.rps / peer.rps:.1f}×"

        bind(row, by_peer, "≥5× peer")
    if connections == 16:

        def by_p99(ctx: Context, r: Row) -> tuple[bool | None, str]:
            if r.p99_ms is None:
                return None, "not run"
            return r.p99_ms < 10, f"p99 {r.p99_ms:.1f} ms"

        bind(row, by_p99, "p99<10 ms")


def p50_within(row: Row, small: Row, factor: float, label: str) -> None:
    """The row's median within `factor` of the smaller size's (list pages, delete, revoke)."""

    def check(ctx: Context, r: Row) -> tuple[bool | None, str]:
        if not (r.p50_ms and small.p50_ms):
            return None, "not run"
        return r.p50_ms <= factor * small.p50_ms, f"{r.p50_ms / small.p50_ms:.2f}×"

    bind(row, check, label)


def rss_below(row: Row, measured: list[float], limit_mb: float) -> None:
    def check(ctx: Context, r: Row) -> tuple[bool | None, str]:
        shown = ", ".join(f"{mb:.0f} MB" for mb in measured) or "none found"
        return bool(measured) and max(measured) < limit_mb, shown

    bind(row, check, f"<{limit_mb:.0f} MB")


def served_alike(row: Row, one: Row | None) -> None:
    """Two instances against one: met whenever both rows were measured. The state being the
    same on both instances is what the live-token check before the run establishes."""

    def check(ctx: Context, r: Row) -> tuple[bool | None, str]:
        if one is None or not one.rps or r.rps is None:
            return None, "no single-instance row"
        return True, f"{r.rps / one.rps:.2f}× one instance"

    bind(row, check, "same state, any instance")
