"""A claim finds a channel's oldest unfinished delivery through an index of unfinished deliveries only
(#28). Through ix_deliveries_channel it walked the channel's history first (30 days of posted rows are
kept): 85 ms a claim behind 200,000 of them, on PostgreSQL, which even chose the primary key and walked
every channel's.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

UNFINISHED = "state IN ('queued', 'retrying', 'posting')"


def upgrade() -> None:
    op.create_index(
        "ix_deliveries_unfinished",
        "deliveries",
        ["team_id", "channel_id", "id"],
        postgresql_where=sa.text(UNFINISHED),
        sqlite_where=sa.text(UNFINISHED),
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_unfinished", "deliveries")
