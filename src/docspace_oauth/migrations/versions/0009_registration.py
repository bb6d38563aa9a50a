"""registration: dynamic client registration (RFC 7591/7592)

- `clients.registration`: how the client came to be: "" by hand (the management API, the
  console, the CLI), "dynamic" through RFC 7591. `clients.application_type`: "web" or
  "native" (RFC 8252 loopback redirects then match on any port).
- `client_registrations`: a self-registered client's registration access token (only its
  keyed hash) and the address it registered from (the open policy's per-address limit).
- `registration_policies`: each tenant's policy: closed, token (initial access tokens) or
  open, and the open policy's limits. No row: closed.
- `registration_tokens`: initial access tokens an admin issued (keyed hashes only).
- `resources`: the protected resources a tenant accepts as `aud` (RFC 8707), with their
  scopes and whether introspection must name them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.add_column(
            sa.Column("registration", sa.String(length=16), server_default="", nullable=False)
        )
        batch.add_column(
            sa.Column("application_type", sa.String(length=8), server_default="web", nullable=False)
        )
    op.create_table(
        "client_registrations",
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_client_registrations")),
    )
    op.create_index(
        "ix_client_registrations_ip", "client_registrations", ["tenant_id", "ip", "created_at"]
    )
    op.create_table(
        "registration_policies",
        sa.Column("tenant_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("max_clients", sa.Integer(), nullable=False),
        sa.Column("per_address_per_hour", sa.Integer(), nullable=False),
        sa.Column("modified_on", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_registration_policies")),
    )
    op.create_table(
        "registration_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("uses_left", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("created_on", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_tokens")),
    )
    op.create_index(
        "uq_registration_tokens_hash", "registration_tokens", ["token_hash"], unique=True
    )
    op.create_table(
        "resources",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("scopes", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column("introspection_requires_resource", sa.Boolean(), nullable=False),
        sa.Column("created_on", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
    )
    op.create_index("uq_resources_tenant_url", "resources", ["tenant_id", "url"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_resources_tenant_url", table_name="resources")
    op.drop_table("resources")
    op.drop_index("uq_registration_tokens_hash", table_name="registration_tokens")
    op.drop_table("registration_tokens")
    op.drop_table("registration_policies")
    op.drop_index("ix_client_registrations_ip", table_name="client_registrations")
    op.drop_table("client_registrations")
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("application_type")
        batch.drop_column("registration")
