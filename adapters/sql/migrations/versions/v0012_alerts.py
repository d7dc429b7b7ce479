"""Qovery's alerts in Slack (SPEC §14): a hook's kind (a webhook's deliveries, or an alert receiver's
doorbell); each channel's alert subscription; every firing with its message; the silences; and the
jobs' rings, so that a doorbell brings a read forward on whichever replica holds the job.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hooks") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="deliveries"))
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("started_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("rung_at", sa.DateTime(timezone=True)))
    op.create_table(
        "alert_subscriptions",
        sa.Column("hook_id", sa.String(64), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False, index=True),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("receiver_id", sa.String(64)),
        sa.Column("filters", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(32)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("test_requested_by", sa.String(32)),
        sa.Column("test_requested_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "alert_firings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("hook_id", sa.String(64), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("rule_key", sa.String(100), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("blame", sa.Text),
        sa.Column("message_ts", sa.String(32)),
        sa.Column("suppressed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("acknowledged_by", sa.String(32)),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("told_resolved", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("hook_id", "rule_key", "starts_at", name="uq_alert_firings_once"),
        sa.Index("ix_alert_firings_team", "team_id", "told_resolved"),
        sa.Index("ix_alert_firings_channel", "team_id", "channel_id", "id"),
    )
    op.create_table(
        "alert_silences",
        sa.Column("hook_id", sa.String(64), primary_key=True),
        sa.Column("rule_key", sa.String(100), primary_key=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_user", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("alert_silences")
    op.drop_table("alert_firings")
    op.drop_table("alert_subscriptions")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("rung_at")
        batch.drop_column("started_at")
    with op.batch_alter_table("hooks") as batch:
        batch.drop_column("kind")
