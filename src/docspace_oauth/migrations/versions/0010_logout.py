"""logout: clients' back-channel logout registration, and the deliveries owed

Self-contained: the new client columns default to "no back-channel logout".

Revision ID: 0010
Revises: 0009
Create Date: 2027-01-27 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "clients",
        sa.Column(
            "backchannel_logout_uri", sa.String(length=2048), nullable=False, server_default=""
        ),
    )
    op.add_column(
        "clients",
        sa.Column(
            "backchannel_logout_session_required",
            sa.Boolean(),
            nullable=False,
            server_default=sa.false(),
        ),
    )
    op.create_table(
        "backchannel_logouts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("uri", sa.String(length=2048), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.String(length=256), nullable=False),
        sa.Column("given_up_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backchannel_logouts")),
    )
    op.create_index("ix_backchannel_logouts_due", "backchannel_logouts", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_backchannel_logouts_due", table_name="backchannel_logouts")
    op.drop_table("backchannel_logouts")
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("backchannel_logout_session_required")
        batch.drop_column("backchannel_logout_uri")
