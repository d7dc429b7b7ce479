"""Approvals and the audit trail (SPEC §16): each workspace's approval policy; an action's request
message and who decided it.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("policy", sa.Text, nullable=False),
        sa.Column("set_by", sa.String(32), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("actions") as batch:
        batch.add_column(sa.Column("request_ts", sa.String(32)))
        batch.add_column(sa.Column("decided_by", sa.String(32)))
    op.create_index("ix_actions_pending", "actions", ["state", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_actions_pending", "actions")
    with op.batch_alter_table("actions") as batch:
        batch.drop_column("decided_by")
        batch.drop_column("request_ts")
    op.drop_table("policies")
