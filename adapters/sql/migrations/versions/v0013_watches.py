"""The first minutes after a deployment (SPEC §15): a line kept on a card (its watch's), and the
watches, one per card of a success.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cards") as batch:
        batch.add_column(sa.Column("note", sa.Text))
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("card_id", sa.Integer, nullable=False, unique=True),
        sa.Column("hook_id", sa.String(64), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("environment_id", sa.String(64), nullable=False),
        sa.Column("services", sa.Text, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("rules", sa.Integer),
        sa.Index("ix_watches_team_state", "team_id", "state"),
    )


def downgrade() -> None:
    op.drop_table("watches")
    with op.batch_alter_table("cards") as batch:
        batch.drop_column("note")
