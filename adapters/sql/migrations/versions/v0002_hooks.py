"""Hooks: the bot's webhook targets, each tied to one channel of one workspace.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hooks",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("channel_name", sa.String(256)),
        sa.Column("webhook_id", sa.String(64)),
        sa.Column("secret", sa.String(1024), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False, server_default="update"),
        sa.Column("created_by", sa.String(32)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_hooks_team_id", "hooks", ["team_id"])
    op.create_index("ix_hooks_channel_id", "hooks", ["channel_id"])
    op.create_index("ix_hooks_webhook_id", "hooks", ["webhook_id"])


def downgrade() -> None:
    op.drop_table("hooks")
