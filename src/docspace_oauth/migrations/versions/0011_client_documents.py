"""client_documents: clients backed by a client ID metadata document

- `client_documents`: the URL a document-backed client is known by (its `clients` row has a
  derived id, uuid5 over the URL), when its document was fetched and until when it may be
  used. Deleting the client deletes the row.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_documents",
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_client_documents_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_client_documents")),
    )
    op.create_index("uq_client_documents_url", "client_documents", ["url"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_client_documents_url", table_name="client_documents")
    op.drop_table("client_documents")
