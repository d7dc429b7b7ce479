"""What a deployment carried, kept with its card (#36): its one line and the reply in its thread, as
JSON, in a column of its own that only a conditional write fills (`carried IS NULL`), so that a card
gets one reply, never two, across replicas, replays and restarts.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cards") as batch:
        batch.add_column(sa.Column("carried", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("cards") as batch:
        batch.drop_column("carried")
