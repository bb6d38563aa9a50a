"""janitor: leases, the audit trail's retention window, aggregated unknown-client failures

- `janitor_leases`: which instance may prune (one at a time, on either database).
- `audit_prune_window`: the append-only trigger now lets a DELETE through for an audit row
  older than a cutoff that a row of this table names. `docspace-oauth prune` writes that row
  in its own transaction and removes it before committing, so no other transaction ever sees
  it; a cutoff in the future is refused too. UPDATE stays refused, always.
- `auth_failure_windows`: failed authentications of client_ids that do not exist, one row
  per address and hour instead of one audit row per attempt.
- an index on refresh_tokens.family_id, for the janitor's "is anything left of this family".

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_PG_GUARD = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM audit_prune_window w
        WHERE w.cutoff > OLD.occurred_at AND w.cutoff <= (now() AT TIME ZONE 'UTC')
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql
"""
_PG_GUARD_BEFORE = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql
"""
# SQLite keeps UTC as 'YYYY-MM-DD HH:MM:SS.ffffff' text, which compares in time order.
_SQLITE_GUARD = """
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN NOT EXISTS (
    SELECT 1 FROM audit_prune_window w
    WHERE w.cutoff > OLD.occurred_at AND w.cutoff <= strftime('%Y-%m-%d %H:%M:%f', 'now')
)
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END
"""
_SQLITE_GUARD_BEFORE = (
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
)


def upgrade() -> None:
    op.create_table(
        "janitor_leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_janitor_leases")),
    )
    op.create_table(
        "audit_prune_window",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("cutoff", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_prune_window")),
    )
    op.create_table(
        "auth_failure_windows",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.Column("last_client_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_failure_windows")),
    )
    op.create_index(
        "uq_auth_failure_windows_ip_window",
        "auth_failure_windows",
        ["ip", "window_start"],
        unique=True,
    )
    op.create_index("ix_refresh_tokens_family", "refresh_tokens", ["family_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_GUARD)
    else:
        op.execute("DROP TRIGGER audit_events_no_delete")
        op.execute(_SQLITE_GUARD)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_GUARD_BEFORE)
    else:
        op.execute("DROP TRIGGER audit_events_no_delete")
        op.execute(_SQLITE_GUARD_BEFORE)
    op.drop_index("ix_refresh_tokens_family", table_name="refresh_tokens")
    op.drop_index("uq_auth_failure_windows_ip_window", table_name="auth_failure_windows")
    op.drop_table("auth_failure_windows")
    op.drop_table("audit_prune_window")
    op.drop_table("janitor_leases")
