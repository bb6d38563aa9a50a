"""device grant and refresh reuse grace

- `device_authorizations`: RFC 8628 device requests, both codes as keyed hashes.
- `refresh_tokens.successor_sealed` and `reuse_count`: what a rotation answered (sealed) and
  how many retries within the grace window it has answered since; NULL and 0 when the grace
  is off.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_authorizations",
        sa.Column("device_code_hash", sa.String(length=64), nullable=False),
        sa.Column("user_code_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("scopes", sa.String(length=2048), nullable=False),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("last_polled_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=True),
        sa.Column("user_name", sa.String(length=256), nullable=False),
        sa.Column("user_email", sa.String(length=320), nullable=False),
        sa.Column("audience", sa.String(length=2048), nullable=True),
        sa.Column("family_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("device_code_hash", name=op.f("pk_device_authorizations")),
        sa.UniqueConstraint("user_code_hash", name=op.f("uq_device_authorizations_user_code_hash")),
    )
    op.add_column("refresh_tokens", sa.Column("successor_sealed", sa.Text(), nullable=True))
    op.add_column(
        "refresh_tokens",
        sa.Column("reuse_count", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.drop_column("reuse_count")
        batch.drop_column("successor_sealed")
    op.drop_table("device_authorizations")
