"""The change feed's channels a burst reached while another channel's Slack asked to wait (rate limit,
Slack failing): the burst is posted there at a later read, never again where it already is.

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
    op.add_column("change_events", sa.Column("posted_to", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("change_events") as batch:
        batch.drop_column("posted_to")
