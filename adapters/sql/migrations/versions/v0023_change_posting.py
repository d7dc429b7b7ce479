"""The change feed's posting of a burst: the channels it reached while another channel's Slack asked to
wait (rate limit, Slack failing), so that it is posted there at a later read and never again where it
already is; and until when a replica posts it, so that a replica taking over a read that outlived its
hold does not post it a second time.

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("change_events", sa.Column("posted_to", sa.Text()))
    op.add_column("change_events", sa.Column("posting_until", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("change_events") as batch:
        batch.drop_column("posted_to")
        batch.drop_column("posting_until")
