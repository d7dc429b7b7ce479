"""One alert subscription per channel: two `alerts subscribe` at once made two (every alert posted twice,
and `unsubscribe` then took one away and said the channel was done). The database now decides which of
two subscribes wins (a unique constraint on the channel); the rows of a revoked hook go first, and of
channels that already have two, the earliest is kept and the others' hooks revoked (their receivers at
Qovery then post to a hook that answers 404: nothing is shown twice).

Revision ID: 0019
Revises: 0018
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_subscriptions = sa.table(
    "alert_subscriptions",
    sa.column("hook_id", sa.String),
    sa.column("team_id", sa.String),
    sa.column("channel_id", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
_hooks = sa.table("hooks", sa.column("id", sa.String), sa.column("revoked_at", sa.DateTime(timezone=True)))


def upgrade() -> None:
    bind = op.get_bind()
    revoked = sa.select(_hooks.c.id).where(_hooks.c.revoked_at.is_not(None))
    bind.execute(sa.delete(_subscriptions).where(_subscriptions.c.hook_id.in_(revoked)))
    earlier = sa.alias(_subscriptions, "earlier")
    later = sa.select(_subscriptions.c.hook_id).where(
        sa.exists().where(
            earlier.c.team_id == _subscriptions.c.team_id,
            earlier.c.channel_id == _subscriptions.c.channel_id,
            (earlier.c.created_at < _subscriptions.c.created_at)
            | (
                (earlier.c.created_at == _subscriptions.c.created_at)
                & (earlier.c.hook_id < _subscriptions.c.hook_id)
            ),
        )
    )
    duplicates = [row.hook_id for row in bind.execute(later)]
    if duplicates:
        now = datetime.now(UTC)
        now = now.replace(tzinfo=None) if bind.dialect.name == "sqlite" else now  # SQLite keeps UTC wall time
        bind.execute(sa.update(_hooks).where(_hooks.c.id.in_(duplicates)).values(revoked_at=now))
        bind.execute(sa.delete(_subscriptions).where(_subscriptions.c.hook_id.in_(duplicates)))
    with op.batch_alter_table("alert_subscriptions") as batch:
        batch.create_unique_constraint("uq_alert_subscriptions_channel", ["team_id", "channel_id"])


def downgrade() -> None:
    with op.batch_alter_table("alert_subscriptions") as batch:
        batch.drop_constraint("uq_alert_subscriptions_channel", type_="unique")
