"""Untrusted deliveries (SPEC §9): whether a hook has seen its secret, and whether a delivery carried it.

A hook that has received its secret once refuses deliveries without it; a delivery without the secret
is posted as plain content only. Deliveries stored before this revision are taken as unverified.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("hooks", sa.Column("secret_seen_at", sa.DateTime(timezone=True)))
    op.add_column(
        "deliveries", sa.Column("verified", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    # SQLite drops a column by copying the table: batch mode does it. Nothing else is lost.
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("verified")
    with op.batch_alter_table("hooks") as batch:
        batch.drop_column("secret_seen_at")
