"""The courier looks for work channel by channel: an index for it, and a row for every channel.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_deliveries_waiting", "deliveries", ["team_id", "channel_id", "state", "next_attempt_at"]
    )
    # Deliveries stored before this revision may belong to a channel that has no row yet.
    op.execute(
        "INSERT INTO channels (team_id, channel_id) "
        "SELECT DISTINCT team_id, channel_id FROM deliveries d WHERE NOT EXISTS "
        "(SELECT 1 FROM channels c WHERE c.team_id = d.team_id AND c.channel_id = d.channel_id)"
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_waiting", "deliveries")
