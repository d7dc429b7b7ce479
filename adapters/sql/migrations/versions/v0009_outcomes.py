"""For `--only changes` (SPEC §11): the last outcome of each environment (or service) per hook, shared by
replicas and kept across restarts.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outcomes",
        sa.Column("hook_id", sa.String(64), primary_key=True),
        sa.Column("scope", sa.String(300), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("outcomes")  # what it held is only a memory of past outcomes
