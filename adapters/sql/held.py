"""`bot.digests.HeldDeliveries` and `HooksWithDigest` on the database: deliveries held for quiet hours
(state `held`, due to be summed up at `next_attempt_at`, found by the (state, next_attempt_at) index),
summed up once, and the hooks whose settings ask for a digest."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.delivery_writes import new_delivery
from adapters.sql.hooks import SqlHooks
from adapters.sql.tables import deliveries, hooks
from bot.deliveries import DeliveryKind, DeliveryState
from bot.digests import Held, Summary
from bot.subscriptions import Hook, HookKind

__all__ = ["SqlHeldDeliveries", "SqlHooksWithDigest"]

_HELD = DeliveryState.HELD
_MOST_SUMMED = 2000  # of one hook at a time; more are summed up a minute later


class SqlHeldDeliveries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def due(self, now: datetime) -> list[str]:
        query = (
            select(deliveries.c.hook_id)
            .where(deliveries.c.state == _HELD, deliveries.c.next_attempt_at <= now)
            .distinct()
        )
        async with self._engine.connect() as connection:
            return sorted((await connection.execute(query)).scalars())

    async def of_hook(self, hook_id: str, now: datetime) -> list[Held]:
        query = (
            select(deliveries.c.id, deliveries.c.kind, deliveries.c.body, deliveries.c.received_at)
            .where(
                deliveries.c.hook_id == hook_id,
                deliveries.c.state == _HELD,
                deliveries.c.next_attempt_at <= now,
            )
            .order_by(deliveries.c.id)
            .limit(_MOST_SUMMED)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        found = []
        for row in rows:
            try:
                body = json.loads(row.body)
            except ValueError:
                body = {}  # what the bot stored it parsed; still, one unreadable row spoils no summary
            found.append(Held(row.id, DeliveryKind(row.kind), body, row.received_at))
        return found

    async def sum_up(self, hook_id: str, held: list[int], summary: Summary | None, now: datetime) -> bool:
        try:
            async with self._engine.begin() as connection:
                summed = await connection.execute(
                    update(deliveries)
                    .where(deliveries.c.id.in_(held), deliveries.c.state == _HELD)
                    .values(state=DeliveryState.SUMMED, posted_at=now)
                )
                if summed.rowcount != len(held):
                    raise _SummedAlready  # by another replica: this transaction is rolled back
                if summary is not None:
                    # (The deliveries' trigger tells its channel of it.)
                    await connection.execute(deliveries.insert().values(_queued(summary, held, now)))
        except _SummedAlready:
            return False
        return True


class _SummedAlready(Exception):
    pass


def _queued(summary: Summary, held: list[int], now: datetime) -> dict[str, Any]:
    # Held deliveries are summed up once: so is their summary, keyed by the first of them.
    body = json.dumps(summary.message)
    words = summary.words[:200]
    return new_delivery(
        summary.hook, DeliveryKind.MESSAGE, body, f"summary:{min(held)}", words, now, verified=True
    )


class SqlHooksWithDigest:
    def __init__(self, engine: AsyncEngine, hooks: SqlHooks) -> None:
        self._engine = engine
        self._hooks = hooks

    async def with_digest(self) -> list[Hook]:
        # Settings are one JSON column: a LIKE finds the few with a digest, then each is read whole.
        query = select(hooks.c.id).where(
            hooks.c.revoked_at.is_(None),
            hooks.c.kind == HookKind.DELIVERIES.value,
            hooks.c.settings.contains('"digest": "'),
            ~hooks.c.settings.contains('"digest": "off"'),
        )
        async with self._engine.connect() as connection:
            ids = list((await connection.execute(query)).scalars())
        found = [await self._hooks.get(hook_id) for hook_id in ids]
        return [hook for hook in found if hook is not None and not hook.settings.digest.off]
