"""The delivery queue on the database (`bot.deliveries.ports.DeliveryQueue`): new deliveries are stored by
adapters/sql/delivery_writes.py; here they are claimed, one channel at a time, and their fate recorded.

Claims are safe across replicas: a channel is taken by a conditional UPDATE that only one transaction
can win (PostgreSQL re-checks the condition after the row lock; SQLite has one writer), and candidates
are read with `FOR UPDATE SKIP LOCKED` where the database has it, so replicas do not queue on each other.
(A little over 300 lines: the claim, the recording of outcomes and the listings are one port's.)
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.sql.delivery_writes import DeliveryWrites
from adapters.sql.engine import aware
from adapters.sql.hooks import SqlHooks
from adapters.sql.tables import channels, deliveries
from bot.deliveries.bodies import DeliveryKind
from bot.deliveries.ports import Delivery, DeliveryRecord, DeliveryState
from bot.subscriptions.hooks import Hook

__all__ = ["SqlDeliveryQueue"]

WAITING = DeliveryState.waiting()

log = logging.getLogger(__name__)


class SqlDeliveryQueue:
    def __init__(self, engine: AsyncEngine, hooks: SqlHooks) -> None:
        self._engine = engine
        self._hooks = hooks
        self._writes = DeliveryWrites(engine)

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
        values = {
            "hook_id": hook.id,
            "team_id": hook.team_id,
            "channel_id": hook.channel_id,
            "kind": kind,
            "dedup_key": dedup_key,
            "body": body,
            "summary": summary,
            "received_at": now,
            "state": DeliveryState.QUEUED,
            "attempts": 0,
            "next_attempt_at": now,
            "verified": verified,
        }
        return await self._writes.add(values)

    async def close(self) -> None:
        await self._writes.close()

    async def claim(self, now: datetime, lease_seconds: float) -> Delivery | None:
        lease = now + timedelta(seconds=lease_seconds)
        due = or_(
            and_(deliveries.c.state.in_(WAITING), deliveries.c.next_attempt_at <= now),
            and_(
                deliveries.c.state == DeliveryState.POSTING, deliveries.c.claimed_until <= now
            ),  # its claimer died
        )
        in_channel = and_(
            deliveries.c.team_id == channels.c.team_id, deliveries.c.channel_id == channels.c.channel_id
        )
        # Channels first (few), then one delivery in each (by index): never a scan of all deliveries.
        free_channels = (
            select(channels.c.team_id, channels.c.channel_id)
            .where(_free(now), exists().where(in_channel, due))
            .order_by(channels.c.next_post_at.nulls_first())  # the one waiting longest goes first
            .limit(20)
            .with_for_update(skip_locked=True)
        )
        async with self._engine.begin() as connection:
            for team_id, channel_id in (await connection.execute(free_channels)).all():
                if not await self._take_channel(connection, team_id, channel_id, now, lease):
                    continue  # another worker or replica took it first
                # The channel's oldest due delivery, so that a deployment's events keep their order.
                oldest = (
                    select(deliveries.c.id)
                    .where(deliveries.c.team_id == team_id, deliveries.c.channel_id == channel_id, due)
                    .order_by(deliveries.c.id)
                    .limit(1)
                )
                delivery_id = (await connection.execute(oldest)).scalar()
                delivery = None
                if delivery_id is not None:
                    delivery = await self._take_delivery(connection, delivery_id, lease)
                if delivery is not None:
                    return delivery
                await self._release(connection, team_id, channel_id)  # nothing to post there after all
        return None

    async def _take_channel(
        self, connection: AsyncConnection, team_id: str, channel_id: str, now: datetime, lease: datetime
    ) -> bool:
        taken = await connection.execute(
            update(channels)
            .where(channels.c.team_id == team_id, channels.c.channel_id == channel_id, _free(now))
            .values(busy_until=lease)
        )
        return bool(taken.rowcount)

    async def _release(self, connection: AsyncConnection, team_id: str, channel_id: str) -> None:
        await connection.execute(
            update(channels)
            .where(channels.c.team_id == team_id, channels.c.channel_id == channel_id)
            .values(busy_until=None)
        )

    async def _take_delivery(
        self, connection: AsyncConnection, delivery_id: int, lease: datetime
    ) -> Delivery | None:
        """The delivery, claimed; None when it cannot be read, and then it is recorded failed with why, in
        the same transaction, so that one bad row never fails the claim of the others."""
        row = (await connection.execute(select(deliveries).where(deliveries.c.id == delivery_id))).one()
        try:
            body = json.loads(row.body)
            if not isinstance(body, dict):
                raise ValueError("not a JSON object")
            hook = await self._hooks.get_in(connection, row.hook_id)
        except (SQLAlchemyError, OSError):
            raise  # the database itself: not this row's fault
        except Exception as error:
            reason = f"its stored body cannot be read ({type(error).__name__})"
        else:
            if hook is not None:
                await connection.execute(
                    update(deliveries)
                    .where(deliveries.c.id == delivery_id)
                    .values(state=DeliveryState.POSTING, claimed_until=lease)
                )
                return Delivery(
                    id=row.id,
                    hook=hook,
                    kind=DeliveryKind(row.kind),
                    body=body,
                    received_at=aware(row.received_at) or row.received_at,
                    attempts=row.attempts,
                    verified=row.verified,
                )
            reason = "its hook no longer exists"
        log.warning("delivery %s failed: %s", delivery_id, reason)
        await connection.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id)
            .values(
                state=DeliveryState.FAILED,
                reason=reason,
                claimed_until=None,
                attempts=deliveries.c.attempts + 1,
            )
        )
        return None

    async def _finish(self, delivery_id: int, channel_free_at: datetime, **values: Any) -> None:
        async with self._engine.begin() as connection:
            row = (
                await connection.execute(
                    update(deliveries)
                    .where(deliveries.c.id == delivery_id)
                    .values(claimed_until=None, **values)
                    .returning(deliveries.c.team_id, deliveries.c.channel_id)
                )
            ).one()
            await connection.execute(
                update(channels)
                .where(channels.c.team_id == row.team_id, channels.c.channel_id == row.channel_id)
                .values(busy_until=None, next_post_at=channel_free_at)
            )

    async def posted(
        self,
        delivery_id: int,
        ts: str | None,
        state: DeliveryState,
        reason: str | None,
        channel_free_at: datetime,
    ) -> None:
        now = datetime.now(UTC)
        await self._finish(
            delivery_id, channel_free_at, state=state, message_ts=ts, reason=reason, posted_at=now
        )

    async def held(self, delivery_id: int, reason: str, until: datetime) -> None:
        now = datetime.now(UTC)
        await self._finish(
            delivery_id, now, state=DeliveryState.HELD, reason=reason[:500], next_attempt_at=until
        )

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
        await self._finish(
            delivery_id,
            channel_free_at,
            state=DeliveryState.RETRYING,
            reason=reason[:500],
            attempts=attempts,
            next_attempt_at=not_before,
        )

    async def failed(self, delivery_id: int, reason: str, channel_free_at: datetime) -> None:
        await self._finish(
            delivery_id,
            channel_free_at,
            state=DeliveryState.FAILED,
            reason=reason[:500],
            attempts=deliveries.c.attempts + 1,
        )

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
            result = await connection.execute(
                query.values(
                    state=DeliveryState.QUEUED,
                    attempts=0,
                    next_attempt_at=now,
                    reason=None,
                    claimed_until=None,
                )
            )
        return bool(result.rowcount)

    async def next_due(self) -> datetime | None:
        in_channel = and_(
            deliveries.c.team_id == channels.c.team_id, deliveries.c.channel_id == channels.c.channel_id
        )
        waiting = and_(in_channel, deliveries.c.state.in_(WAITING))
        earliest = select(func.min(deliveries.c.next_attempt_at)).where(waiting).scalar_subquery()
        query = select(channels.c.next_post_at, channels.c.busy_until, earliest).where(
            exists().where(waiting)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        due = [
            max(moment for moment in (_as_aware(a), _as_aware(b), _as_aware(c)) if moment is not None)
            for a, b, c in rows
            if c is not None
        ]
        return min(due, default=None)

    async def depth(self) -> int:
        query = (
            select(func.count())
            .select_from(deliveries)
            .where(deliveries.c.state.in_((*WAITING, DeliveryState.POSTING)))
        )
        async with self._engine.connect() as connection:
            return int((await connection.execute(query)).scalar_one())


def _as_aware(value: Any) -> datetime | None:
    # SQLite gives an aggregate of a datetime column back as text, and every datetime naive.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return aware(value) if isinstance(value, datetime) else None


def _free(now: datetime) -> ColumnElement[bool]:
    """A channel past Slack's pace and with no post under way."""
    return and_(
        or_(channels.c.next_post_at.is_(None), channels.c.next_post_at <= now),
        or_(channels.c.busy_until.is_(None), channels.c.busy_until <= now),
    )


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
