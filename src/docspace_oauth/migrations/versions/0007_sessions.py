"""sessions: server-side sign-in sessions, the clients each served, and auth_time/sid/amr
on codes and token families

Self-contained (tables and columns only, no data to move): sessions begin with the next
sign-in; cookies issued before keep working as sessionless keys until they expire.

Revision ID: 0007
Revises: 0006
Create Date: 2027-01-20 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_AUTHENTICATION_COLUMNS = ("authorization_codes", "token_families")


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("auth_time", sa.DateTime(), nullable=False),
        sa.Column("amr", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["key_hash"],
            ["api_keys.key_hash"],
            name=op.f("fk_sessions_key_hash_api_keys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_sessions_key_hash")),
    )
    op.create_index("ix_sessions_user", "sessions", ["user_id", "created_at"])
    op.create_index("ix_sessions_tenant", "sessions", ["tenant_id", "created_at"])
    op.create_table(
        "session_clients",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("first_at", sa.DateTime(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_session_clients_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "client_id", name=op.f("pk_session_clients")),
    )
    # Nullable: codes and families from before, and those of header-authenticated callers,
    # have no session. SQLite adds nullable columns without a rebuild.
    for table in _AUTHENTICATION_COLUMNS:
        op.add_column(table, sa.Column("session_id", sa.String(length=64), nullable=True))
        op.add_column(table, sa.Column("auth_time", sa.DateTime(), nullable=True))
        op.add_column(table, sa.Column("amr", sa.String(length=64), nullable=True))


def downgrade() -> None:
    for table in _AUTHENTICATION_COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("amr")
            batch.drop_column("auth_time")
            batch.drop_column("session_id")
    op.drop_table("session_clients")
    op.drop_index("ix_sessions_tenant", table_name="sessions")
    op.drop_index("ix_sessions_user", table_name="sessions")
    op.drop_table("sessions")
