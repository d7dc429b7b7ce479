"""Acting from Slack (SPEC §12): users' own Qovery tokens, sealed; every action asked from Slack (the
audit trail, and the record a confirmation's button names); and the thread a card is posted in, when
it shows the deployment an action started.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "personal_tokens",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("qovery_token", sa.String(1024), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("environment_id", sa.String(64), nullable=False),
        sa.Column("plan", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("own_token", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("outcome", sa.String(500)),
        sa.Column("thread_ts", sa.String(32)),
        sa.Column("card_id", sa.Integer),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.Index("ix_actions_thread", "channel_id", "environment_id", "state", "done_at"),
        sa.Index("ix_actions_team", "team_id", "id"),
    )
    with op.batch_alter_table("cards") as batch:
        batch.add_column(sa.Column("thread_ts", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("cards") as batch:
        batch.drop_column("thread_ts")
    op.drop_table("actions")  # the audit trail of actions from Slack goes with it
    op.drop_table("personal_tokens")  # users log in again
