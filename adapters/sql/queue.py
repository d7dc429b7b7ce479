"""The delivery queue on the database (`bot.deliveries.ports.DeliveryQueue`): new deliveries are stored by
adapters/sql/delivery_writes.py; here they are claimed, one channel at a time, and their fate recorded.

Claims are safe across replicas: a channel is taken by a conditional UPDATE that only one transaction
can win (PostgreSQL re-checks the condition after the row lock; SQLite has one writer), and candidates
are read with `FOR UPDATE SKIP LOCKED` where the database has it, so replicas do not queue on each other.
(A little over 300 lines: the claim, the recording of outcomes and the listings are one port's.)
"""

from __future__ import annotations

import functools
import json
import logging
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, func, or_, select, text, tuple_, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.cards import UPDATE_CARD, card_row
from adapters.sql.delivery_writes import DeliveryWrites, new_delivery
from adapters.sql.direct import DirectPool
from adapters.sql.engine import aware
from adapters.sql.hooks import SqlHooks
from adapters.sql.postgres_queue import CLAIM, POSTED_CARD, RECORD_POST
from adapters.sql.sqlite_thread import SqliteThread, in_transaction
from adapters.sql.tables import UNFINISHED, channels, deliveries
from bot.deliveries.bodies import DeliveryKind
from bot.deliveries.ports import Card, Delivery, DeliveryRecord, DeliveryState
from bot.subscriptions.hooks import Hook

__all__ = ["SqlDeliveryQueue"]

WAITING = DeliveryState.waiting()
_Claimed = tuple[str, str, dict[str, Any] | None]  # the channel taken, and its delivery claimed if any
_TRIES = 5  # channels whose `due_at` was behind, set right, before a claim gives up for now
_CLAIMED = (
    deliveries.c.id,
    deliveries.c.hook_id,
    deliveries.c.kind,
    deliveries.c.body,
    deliveries.c.received_at,
    deliveries.c.attempts,
    deliveries.c.verified,
)

log = logging.getLogger(__name__)


class SqlDeliveryQueue:
    def __init__(self, engine: AsyncEngine, hooks: SqlHooks) -> None:
        self._engine = engine
        self._hooks = hooks
        # PostgreSQL: storing a batch, a claim and a post recorded are one statement each, through asyncpg.
        self._direct = DirectPool.of(engine)
        self._writes = DeliveryWrites(engine)
        # SQLite (a file): a claim, and a post recorded, one hop each to a thread of their own.
        self._sqlite = SqliteThread.of(engine)

    async def add(
        self,
        hook: Hook,
        kind: DeliveryKind,
        body: str,
        dedup_key: str,
        summary: str,
        now: datetime,
        *,
        verified: bool,
    ) -> bool:
        values = new_delivery(hook, kind, body, dedup_key, summary, now, verified=verified)
        return await self._writes.add(values)

    async def close(self) -> None:
        await self._writes.close()
        if self._direct is not None:
            await self._direct.close()
        if self._sqlite is not None:
            await self._sqlite.close()

    async def claim(self, now: datetime, lease_seconds: float) -> Delivery | None:
        lease = now + timedelta(seconds=lease_seconds)
        for _ in range(_TRIES):
            if self._direct is not None:
                found = await self._claim_direct(now, lease)
            else:
                found = await in_transaction(self._engine, partial(_claim, now=now, lease=lease))
            if found is None:
                return None  # no channel with work due is free
            team_id, channel_id, row = found
            if row is None:
                # Its `due_at` was behind (a delivery it counted was replayed, held or taken): set right.
                behind = partial(_channel_done, team_id=team_id, channel_id=channel_id)
                await in_transaction(self._engine, behind)
                continue
            delivery = await self._delivery(row)
            if delivery is not None:
                return delivery
        return None

    async def _claim_direct(self, now: datetime, lease: datetime) -> _Claimed | None:
        assert self._direct is not None
        found = await self._direct.fetch(CLAIM, now, lease)
        if not found:
            return None
        row = dict(found[0])
        return row["team_id"], row["channel_id"], row if row["id"] is not None else None

    async def _delivery(self, row: dict[str, Any]) -> Delivery | None:
        """The claimed row as a delivery; None when it cannot be read, and then it is recorded failed with
        why, so that one bad row never fails the claim of the others."""
        try:
            body = json.loads(row["body"])
            if not isinstance(body, dict):
                raise ValueError("not a JSON object")
            hook = await self._hooks.get(row["hook_id"])
        except (SQLAlchemyError, OSError):
            raise  # the database itself: not this row's fault (its lease brings it back)
        except Exception as error:
            reason = f"its stored body cannot be read ({type(error).__name__})"
        else:
            if hook is not None:
                return Delivery(
                    id=row["id"],
                    hook=hook,
                    kind=DeliveryKind(row["kind"]),
                    body=body,
                    received_at=aware(row["received_at"]) or row["received_at"],
                    attempts=row["attempts"],
                    verified=row["verified"],
                )
            reason = "its hook no longer exists"
        log.warning("delivery %s failed: %s", row["id"], reason)
        await self._finish(_finished(row["id"], _failed(reason)), {}, datetime.now(UTC))
        return None

    async def _finish(
        self,
        finished: Any,
        values: dict[str, Any],
        channel_free_at: datetime,
        card: dict[str, Any] | None = None,
    ) -> None:
        """The delivery's fate recorded (the UPDATE `finished`, with `values`; and its card's row, when
        given), and its channel freed (at `channel_free_at`, Slack's pace) with when its next delivery is
        due, in one transaction."""

        def finish(connection: Connection) -> None:
            if card is not None:
                connection.execute(UPDATE_CARD, card)
            row = connection.execute(finished, values).one()
            _channel_done(connection, row.team_id, row.channel_id, channel_free_at)

        await in_transaction(self._engine, finish)

    async def posted(
        self,
        delivery_id: int,
        ts: str | None,
        state: DeliveryState,
        reason: str | None,
        channel_free_at: datetime,
        now: datetime,
        card: Card | None = None,
    ) -> None:
        row = card_row(card, now) if card is not None else None
        if self._direct is not None:  # the hot path of every post: one call
            shown = [row[name] if row else None for name in POSTED_CARD]
            card_id = card.id if card else None
            fate = (delivery_id, state, ts, reason, now, channel_free_at, card_id)
            await self._direct.fetch(RECORD_POST, *fate, *shown)
            return
        posted = {"delivery": delivery_id, "new_state": state, "ts": ts, "why": reason, "at": now}
        saved = None if card is None or row is None else row | {"card": card.id}
        await self._finish(_POSTED, posted, channel_free_at, saved)

    async def held(self, delivery_id: int, reason: str, until: datetime) -> None:
        now = datetime.now(UTC)
        held = {"state": DeliveryState.HELD, "reason": reason[:500], "next_attempt_at": until}
        await self._finish(_finished(delivery_id, held), {}, now)

    async def retry(
        self,
        delivery_id: int,
        reason: str,
        not_before: datetime,
        channel_free_at: datetime,
        *,
        count_attempt: bool,
    ) -> None:
        attempts = deliveries.c.attempts + (1 if count_attempt else 0)
        again = {
            "state": DeliveryState.RETRYING,
            "reason": reason[:500],
            "attempts": attempts,
            "next_attempt_at": not_before,
        }
        await self._finish(_finished(delivery_id, again), {}, channel_free_at)

    async def failed(self, delivery_id: int, reason: str, channel_free_at: datetime) -> None:
        await self._finish(_finished(delivery_id, _failed(reason)), {}, channel_free_at)

    async def recent(self, team_id: str, channel_id: str | None, limit: int) -> list[DeliveryRecord]:
        query = select(deliveries).where(deliveries.c.team_id == team_id)
        if channel_id is not None:
            query = query.where(deliveries.c.channel_id == channel_id)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query.order_by(deliveries.c.id.desc()).limit(limit))).all()
        return [_record(row) for row in rows]

    async def latest(self, limit: int, state: DeliveryState | None = None) -> list[DeliveryRecord]:
        """Every workspace's deliveries, newest first, for operators; only those in `state` if given."""
        query = select(deliveries).order_by(deliveries.c.id.desc()).limit(limit)
        if state is not None:
            query = query.where(deliveries.c.state == state)
        async with self._engine.connect() as connection:
            return [_record(row) for row in (await connection.execute(query)).all()]

    async def replay(self, delivery_id: int, team_id: str | None) -> bool:
        query = update(deliveries).where(
            deliveries.c.id == delivery_id, deliveries.c.state == DeliveryState.FAILED
        )
        if team_id is not None:
            query = query.where(deliveries.c.team_id == team_id)
        now = datetime.now(UTC)
        async with self._engine.begin() as connection:
            replayed = (
                await connection.execute(
                    query.values(
                        state=DeliveryState.QUEUED,
                        attempts=0,
                        next_attempt_at=now,
                        reason=None,
                        claimed_until=None,
                    ).returning(deliveries.c.team_id, deliveries.c.channel_id)
                )
            ).first()
            if replayed is not None:  # its channel has work due now
                await connection.execute(
                    update(channels)
                    .where(
                        channels.c.team_id == replayed.team_id,
                        channels.c.channel_id == replayed.channel_id,
                        or_(channels.c.due_at.is_(None), channels.c.due_at > now),
                    )
                    .values(due_at=now)
                )
        return replayed is not None

    async def next_due(self) -> datetime | None:
        # A channel's work may go when it is due, the channel past Slack's pace, and no post under way.
        latest = func.greatest if self._engine.dialect.name == "postgresql" else func.max
        due = channels.c.due_at
        when = latest(
            due, func.coalesce(channels.c.next_post_at, due), func.coalesce(channels.c.busy_until, due)
        )
        query = select(func.min(when)).where(due.is_not(None))
        async with self._engine.connect() as connection:
            return _as_aware((await connection.execute(query)).scalar())

    async def depth(self) -> int:
        query = (
            select(func.count())
            .select_from(deliveries)
            .where(deliveries.c.state.in_((*WAITING, DeliveryState.POSTING)))
        )
        async with self._engine.connect() as connection:
            return int((await connection.execute(query)).scalar_one())


def _failed(reason: str) -> dict[str, Any]:
    return {"state": DeliveryState.FAILED, "reason": reason[:500], "attempts": deliveries.c.attempts + 1}


def _as_aware(value: Any) -> datetime | None:
    # SQLite gives an aggregate of a datetime column back as text, and every datetime naive.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return aware(value) if isinstance(value, datetime) else None


def _claim(connection: Connection, now: datetime, lease: datetime) -> _Claimed | None:
    """The claim through SQLAlchemy (SQLite): one transaction, two UPDATEs."""
    times = {"now": now, "lease": lease}
    taken = connection.execute(_TAKE_CHANNEL, times).first()
    if taken is None:
        return None
    where = {"team": taken.team_id, "channel": taken.channel_id}
    row = connection.execute(_TAKE_OLDEST, times | where).first()
    return taken.team_id, taken.channel_id, None if row is None else dict(row._mapping)


def _finished(delivery_id: int, values: dict[str, Any]) -> Any:
    """The UPDATE of a delivery whose fate is `values` (held, retried, failed)."""
    return (
        update(deliveries)
        .where(deliveries.c.id == delivery_id)
        .values(claimed_until=None, **values)
        .returning(deliveries.c.team_id, deliveries.c.channel_id)
    )


def _channel_done(
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


# The statements of the claim and of a post recorded (SQLite), built once: SQLAlchemy keeps the compiled
# statement of each, where one built anew per call is keyed and looked up again every time.
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
_TAKE_OLDEST = (
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
_POSTED = (
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
_LOCK_CHANNEL = (
    select(channels.c.team_id)
    .where(channels.c.team_id == _TEAM, channels.c.channel_id == _CHANNEL)
    .with_for_update()
)


@functools.cache
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


def _record(row: Any) -> DeliveryRecord:
    return DeliveryRecord(
        id=row.id,
        team_id=row.team_id,
        channel_id=row.channel_id,
        received_at=aware(row.received_at) or row.received_at,
        state=DeliveryState(row.state),
        summary=row.summary,
        attempts=row.attempts,
        reason=row.reason,
    )
