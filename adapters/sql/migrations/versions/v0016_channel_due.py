"""Claims in one step (#28): each channel keeps when its earliest waiting delivery is due (`due_at`, NULL
when none waits), so that the courier finds a channel with work through one index, however many
deliveries wait. A trigger sets it for every delivery stored, whatever stores it (one statement a batch
still); the queue recomputes it when a delivery's fate is recorded.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_SQLITE_TRIGGER = """
CREATE TRIGGER deliveries_due AFTER INSERT ON deliveries
WHEN NEW.state IN ('queued', 'retrying')
BEGIN
    INSERT INTO channels (team_id, channel_id, due_at)
    VALUES (NEW.team_id, NEW.channel_id, NEW.next_attempt_at)
    ON CONFLICT (team_id, channel_id) DO UPDATE SET due_at = excluded.due_at
    WHERE channels.due_at IS NULL OR channels.due_at > excluded.due_at;
END
"""
_POSTGRES_FUNCTION = """
CREATE FUNCTION deliveries_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO channels (team_id, channel_id, due_at)
    SELECT team_id, channel_id, min(next_attempt_at) FROM stored
    WHERE state IN ('queued', 'retrying') GROUP BY team_id, channel_id
    ORDER BY team_id, channel_id  -- rows locked in one order: two batches never wait on each other
    ON CONFLICT (team_id, channel_id) DO UPDATE SET due_at = excluded.due_at
    WHERE channels.due_at IS NULL OR channels.due_at > excluded.due_at;
    RETURN NULL;
END
$$
"""
_POSTGRES_TRIGGER = """
CREATE TRIGGER deliveries_due AFTER INSERT ON deliveries
REFERENCING NEW TABLE AS stored FOR EACH STATEMENT EXECUTE FUNCTION deliveries_due()
"""
_BACKFILL = """
UPDATE channels SET due_at = (
    SELECT min(next_attempt_at) FROM deliveries
    WHERE deliveries.team_id = channels.team_id AND deliveries.channel_id = channels.channel_id
    AND deliveries.state IN ('queued', 'retrying', 'posting')
)
"""


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("due_at", sa.DateTime(timezone=True)))
    op.create_index("ix_channels_due", "channels", ["due_at"])
    op.execute(_BACKFILL)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_FUNCTION)
        op.execute(_POSTGRES_TRIGGER)
    else:
        op.execute(_SQLITE_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS deliveries_due" + (" ON deliveries" if _postgres() else ""))
    if _postgres():
        op.execute("DROP FUNCTION IF EXISTS deliveries_due()")
    op.drop_index("ix_channels_due", "channels")
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("due_at")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"
