"""The change feed (#38): the channels that get an organization's changes, the cursor of each
workspace's reading of Qovery's audit log, and every change read (names only), once each.

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_subscriptions",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("channel_id", sa.String(32), primary_key=True),
        sa.Column("filters", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(32)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "change_cursors",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gap_to", sa.DateTime(timezone=True)),
        sa.Column("then", sa.DateTime(timezone=True)),
        sa.Column("trouble", sa.Text()),
    )
    op.create_table(
        "change_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("target_type", sa.String(64), nullable=False),
        sa.Column("target_name", sa.String(200), nullable=False),
        sa.Column("sub_target_type", sa.String(64)),
        sa.Column("name", sa.String(200)),
        sa.Column("origin", sa.String(64)),
        sa.Column("triggered_by", sa.String(200), nullable=False),
        sa.Column("project_name", sa.String(200), nullable=False),
        sa.Column("environment_id", sa.String(64)),
        sa.Column("environment_name", sa.String(200), nullable=False),
        sa.Column("environment_type", sa.String(16)),
        sa.Column("posted_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("team_id", "key", name="uq_change_events_key"),
    )
    op.create_index("ix_change_events_team_at", "change_events", ["team_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_change_events_team_at", "change_events")
    for table in ("change_events", "change_cursors", "change_subscriptions"):
        op.drop_table(table)
