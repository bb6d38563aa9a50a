"""tenants: one URL each (they are the audiences of access tokens)

Tenants made by `users create --tenant N` all had the issuer as their URL, so their access
tokens named one audience. Each tenant that shares its URL with a lower-numbered tenant gets
`{url}/tenants/{id}` (what new tenants get by default); the lowest keeps it. Then a unique
index keeps it so.

Revision ID: 0005
Revises: 0004
Create Date: 2027-01-12 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, url FROM tenants ORDER BY id")).all()
    taken = {str(url) for _, url in rows}
    seen: set[str] = set()
    for tenant_id, url in rows:
        if url not in seen:
            seen.add(url)
            continue
        new = f"{str(url).rstrip('/')}/tenants/{tenant_id}"
        while new in taken:  # an operator-chosen URL could already be that
            new += "-1"
        taken.add(new)
        bind.execute(
            sa.text("UPDATE tenants SET url = :url WHERE id = :id"), {"url": new, "id": tenant_id}
        )
    op.create_index("uq_tenants_url", "tenants", ["url"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_tenants_url", table_name="tenants")
