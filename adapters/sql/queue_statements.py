"""The delivery queue's transactions through SQLAlchemy Core (adapters/sql/queue.py): on SQLite every
claim and record, each run whole on the database's thread (adapters/sql/sqlite_thread.py); on
PostgreSQL the records that are not posts (held, retried, failed) and a channel's due time set right.
PostgreSQL's hot path, a claim and a post recorded, is in postgres_queue.py.

The statements are built once: SQLAlchemy keeps the compiled statement of each, where one built anew per
call is keyed and looked up again every time (a fifth of the SQLite thread's time in a fan-out).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, func, or_, select, text, tuple_, update
from sqlalchemy.engine import Connection

from adapters.sql.tables import UNFINISHED, channels, deliveries
from bot.deliveries.ports import DeliveryState

__all__ = [
    "POSTED",
    "TAKE_OLDEST",
    "WAITING",
    "Claimed",
    "channel_done",
    "channel_update",
    "claim_in",
    "finished",
]

WAITING = DeliveryState.waiting()
Claimed = tuple[str, str, dict[str, Any] | None]  # the channel taken, and its delivery claimed if any
_CLAIMED = (
    deliveries.c.id,
    deliveries.c.hook_id,
    deliveries.c.kind,
    deliveries.c.body,
    deliveries.c.received_at,
    deliveries.c.attempts,
    deliveries.c.verified,
)


def claim_in(connection: Connection, now: datetime, lease: datetime) -> Claimed | None:
    """The claim through SQLAlchemy (SQLite): one transaction, two UPDATEs."""
    times = {"now": now, "lease": lease}
    taken = connection.execute(_TAKE_CHANNEL, times).first()
    if taken is None:
        return None
    where = {"team": taken.team_id, "channel": taken.channel_id}
    row = connection.execute(TAKE_OLDEST, times | where).first()
    return taken.team_id, taken.channel_id, None if row is None else dict(row._mapping)


def finished(delivery_id: int, values: dict[str, Any]) -> Any:
    """The UPDATE of a delivery whose fate is `values` (held, retried, failed)."""
    return (
        update(deliveries)
        .where(deliveries.c.id == delivery_id)
        .values(claimed_until=None, **values)
        .returning(deliveries.c.team_id, deliveries.c.channel_id)
    )


def channel_done(
    connection: Connection, team_id: str, channel_id: str, free_at: datetime | None = None
) -> None:
    """The channel freed (for its next post at `free_at`, when given), and when its earliest waiting
    delivery is due, read again (one index probe) once its row is locked: a delivery stored meanwhile has
    committed by then (its trigger locks the row too) and is seen (as in migration 0018's `record_post`).
    SQLite has one writer: its lock is the transaction's."""
    where = {"team": team_id, "channel": channel_id}
    connection.execute(_LOCK_CHANNEL, where)
    freed = {} if free_at is None else {"free_at": free_at}
    connection.execute(channel_update(connection.dialect.name, freed=bool(freed)), where | freed)


_NOW: BindParameter[datetime] = bindparam("now")
_LEASE: BindParameter[datetime] = bindparam("lease")
_TEAM: BindParameter[str] = bindparam("team")
_CHANNEL: BindParameter[str] = bindparam("channel")
# A channel past Slack's pace and with no post under way.
_FREE = and_(
    or_(channels.c.next_post_at.is_(None), channels.c.next_post_at <= _NOW),
    or_(channels.c.busy_until.is_(None), channels.c.busy_until <= _NOW),
)
# UPDATE the free channel whose work has been due longest to busy until the lease; its keys. One
# statement decides: PostgreSQL re-checks the condition after the row lock (and skips rows another claim
# holds), SQLite has one writer.
_TAKE_CHANNEL = (
    update(channels)
    .where(
        tuple_(channels.c.team_id, channels.c.channel_id).in_(
            select(channels.c.team_id, channels.c.channel_id)
            .where(channels.c.due_at <= _NOW, _FREE)
            .order_by(channels.c.due_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        ),
        _FREE,
    )
    .values(busy_until=_LEASE)
    .returning(channels.c.team_id, channels.c.channel_id)
)
# UPDATE the channel's oldest due delivery to posting, so that a deployment's events keep their order;
# the row. (One due since its claimer died is taken again.) Found among the channel's unfinished
# deliveries (ix_deliveries_unfinished, whose condition SQLite wants word for word), not its history.
TAKE_OLDEST = (
    update(deliveries)
    .where(
        deliveries.c.id
        == select(deliveries.c.id)
        .where(
            deliveries.c.team_id == _TEAM,
            deliveries.c.channel_id == _CHANNEL,
            text(UNFINISHED),
            or_(
                and_(deliveries.c.state.in_(WAITING), deliveries.c.next_attempt_at <= _NOW),
                and_(deliveries.c.state == DeliveryState.POSTING, deliveries.c.claimed_until <= _NOW),
            ),
        )
        .order_by(deliveries.c.id)
        .limit(1)
        .scalar_subquery()
    )
    .values(state=DeliveryState.POSTING, claimed_until=_LEASE)
    .returning(*_CLAIMED)
)
# A delivery posted or skipped on purpose (its state), not claimed any more; its channel's keys.
POSTED = (
    update(deliveries)
    .where(deliveries.c.id == bindparam("delivery"))
    .values(
        claimed_until=None,
        state=bindparam("new_state"),
        message_ts=bindparam("ts"),
        reason=bindparam("why"),
        posted_at=bindparam("at"),
    )
    .returning(deliveries.c.team_id, deliveries.c.channel_id)
)
# The channel's row locked, before its due time is read (channel_done).
_LOCK_CHANNEL = (
    select(channels.c.team_id)
    .where(channels.c.team_id == _TEAM, channels.c.channel_id == _CHANNEL)
    .with_for_update()
)


@cache
def channel_update(dialect: str, *, freed: bool) -> Any:
    """The channel's row set free (for its next post at `free_at` when `freed`), with when its earliest
    waiting delivery is due."""
    values: dict[str, Any] = {"busy_until": None, "due_at": _earliest_waiting(dialect)}
    if freed:
        values["next_post_at"] = bindparam("free_at")
    return (
        update(channels).where(channels.c.team_id == _TEAM, channels.c.channel_id == _CHANNEL).values(values)
    )


def _earliest_waiting(dialect: str) -> ColumnElement[Any]:
    """When the channel's earliest waiting delivery is due: the earlier of the earliest queued and the
    earliest retrying, one probe of ix_deliveries_waiting each (a min over `state IN (...)` reads every
    waiting row of the channel, its row locked meanwhile: migration 0018)."""
    queued, retrying = (
        select(func.min(deliveries.c.next_attempt_at))
        .where(
            deliveries.c.team_id == _TEAM,
            deliveries.c.channel_id == _CHANNEL,
            deliveries.c.state == state,
        )
        .scalar_subquery()
        for state in WAITING
    )
    if dialect == "postgresql":
        return func.least(queued, retrying)  # NULLs ignored
    # SQLite's min(a, b) is NULL when either is.
    return func.min(func.coalesce(queued, retrying), func.coalesce(retrying, queued))
