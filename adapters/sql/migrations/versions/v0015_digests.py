"""Quiet hours and digests (SPEC §17): who triggered the deployment a card shows (the digest's "who
deployed"), and the cards found by hook and end time (the digest's period).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cards") as batch:
        batch.add_column(sa.Column("triggered_by", sa.String(200)))
    op.create_index("ix_cards_hook_finished", "cards", ["hook_id", "finished_at"])


def downgrade() -> None:
    op.drop_index("ix_cards_hook_finished", "cards")
    with op.batch_alter_table("cards") as batch:
        batch.drop_column("triggered_by")
