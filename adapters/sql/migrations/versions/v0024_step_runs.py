"""Workflow Builder steps: each run, from Slack's function execution id (a redelivered event finds it),
kept while it waits for an approval or the end of a deployment, completed once.

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "step_runs",
        sa.Column("execution_id", sa.String(64), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("step", sa.String(40), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("token", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action_id", sa.Integer),
        sa.Column("environment_id", sa.String(64)),
        sa.Column("deadline", sa.DateTime(timezone=True)),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.Column("outcome", sa.String(500)),
    )
    op.create_index("ix_step_runs_state", "step_runs", ["state", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_step_runs_state", "step_runs")
    op.drop_table("step_runs")
