"""Release freezes and the deployment queue: each workspace's freezes (when, where, why, as
bot.freezes.Freeze keeps it); an action's exception to a freeze (the reason its requester gave); the
request Qovery queued for an action, and the channel's message that says so (edited when it starts).

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "freezes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("freeze", sa.Text, nullable=False),
        sa.Column("set_by", sa.String(32), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_freezes_team", "freezes", ["team_id", "id"])
    with op.batch_alter_table("actions") as batch:
        batch.add_column(sa.Column("exception", sa.String(500)))
        batch.add_column(sa.Column("queue_request", sa.String(64)))
        batch.add_column(sa.Column("message_ts", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("actions") as batch:
        batch.drop_column("message_ts")
        batch.drop_column("queue_request")
        batch.drop_column("exception")
    op.drop_index("ix_freezes_team", "freezes")
    op.drop_table("freezes")
