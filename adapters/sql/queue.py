"""The delivery queue on the database (`bot.deliveries.ports.DeliveryQueue`): new deliveries are stored by
adapters/sql/delivery_writes.py; here they are claimed, one channel at a time, and their fate recorded.

Claims are safe across replicas: a channel is taken by a conditional UPDATE that only one transaction
can win (PostgreSQL re-checks the condition after the row lock; SQLite has one writer), and candidates
are read with `FOR UPDATE SKIP LOCKED` where the database has it, so replicas do not queue on each other.
(Nearly 300 lines: the claim, the recording of outcomes and the listings are one port's; the statements
through SQLAlchemy are in queue_statements.py, PostgreSQL's own in postgres_queue.py.)
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.cards import UPDATE_CARD, card_row
from adapters.sql.delivery_writes import DeliveryWrites, new_delivery
from adapters.sql.direct import DirectPool
from adapters.sql.hooks import SqlHooks
from adapters.sql.postgres_queue import CLAIM, POSTED_CARD, RECORD_POST
from adapters.sql.queue_statements import POSTED, WAITING, Claimed, channel_done, claim_in, finished
from adapters.sql.sqlite_thread import SqliteThread, in_transaction
from adapters.sql.tables import channels, deliveries
from adapters.sql.utc import UtcDateTime
from bot.deliveries.bodies import DeliveryKind
from bot.deliveries.ports import Card, Delivery, DeliveryRecord, DeliveryState
from bot.subscriptions.hooks import Hook

__all__ = ["SqlDeliveryQueue"]

_TRIES = 5  # channels whose `due_at` was behind, set right, before a claim gives up for now

log = logging.getLogger(__name__)


class SqlDeliveryQueue:
    def __init__(self, engine: AsyncEngine, hooks: SqlHooks) -> None:
        self._engine = engine
        self._hooks = hooks
        # PostgreSQL: storing a batch, a claim and a post recorded are one statement each, through asyncpg.
        self._direct = DirectPool.of(engine)
        self._writes = DeliveryWrites(engine)
        # SQLite (a file): the claims and the records run on a thread of their own (in_transaction), which
        # the queue closes.
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
                found = await in_transaction(self._engine, partial(claim_in, now=now, lease=lease))
            if found is None:
                return None  # no channel with work due is free
            team_id, channel_id, row = found
            if row is None:
                # Its `due_at` was behind (a delivery it counted was replayed, held or taken): set right.
                behind = partial(channel_done, team_id=team_id, channel_id=channel_id)
                await in_transaction(self._engine, behind)
                continue
            delivery = await self._delivery(row)
            if delivery is not None:
                return delivery
        return None

    async def _claim_direct(self, now: datetime, lease: datetime) -> Claimed | None:
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
                    received_at=row["received_at"],
                    attempts=row["attempts"],
                    verified=row["verified"],
                )
            reason = "its hook no longer exists"
        log.warning("delivery %s failed: %s", row["id"], reason)
        await self._finish(finished(row["id"], _failed(reason)), {}, datetime.now(UTC))
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
            channel_done(connection, row.team_id, row.channel_id, channel_free_at)

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
        await self._finish(POSTED, posted, channel_free_at, saved)

    async def held(self, delivery_id: int, reason: str, until: datetime) -> None:
        now = datetime.now(UTC)
        held = {"state": DeliveryState.HELD, "reason": reason[:500], "next_attempt_at": until}
        await self._finish(finished(delivery_id, held), {}, now)

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
        await self._finish(finished(delivery_id, again), {}, channel_free_at)

    async def failed(self, delivery_id: int, reason: str, channel_free_at: datetime) -> None:
        await self._finish(finished(delivery_id, _failed(reason)), {}, channel_free_at)

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
        # Typed as the column, so that SQLite's text and PostgreSQL's session zone come back as UTC.
        when = latest(
            due,
            func.coalesce(channels.c.next_post_at, due),
            func.coalesce(channels.c.busy_until, due),
            type_=UtcDateTime(),
        )
        query = select(func.min(when, type_=UtcDateTime())).where(due.is_not(None))
        async with self._engine.connect() as connection:
            found = (await connection.execute(query)).scalar()
        return found if isinstance(found, datetime) else None

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


def _record(row: Any) -> DeliveryRecord:
    return DeliveryRecord(
        id=row.id,
        team_id=row.team_id,
        channel_id=row.channel_id,
        received_at=row.received_at,
        state=DeliveryState(row.state),
        summary=row.summary,
        attempts=row.attempts,
        reason=row.reason,
    )
